//! The installation client against tiny local servers: retries, ambiguity, rate limits, serial
//! mutations, metrics, and the shape of every typed call.

mod github_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{TimeDelta, Utc};
use github_support::{comment_json, issue_json, quick_policy, start};
use postmortem_bot::github::{
    GitHubError, IssuePatch, IssueState, NewIssue, Permission, RetryPolicy,
};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::metrics::Metrics;
use serde_json::json;

fn repo() -> RepoName {
    RepoName::new("acme", "api")
}

fn new_issue() -> NewIssue {
    NewIssue {
        title: "Add an alert on queue depth".into(),
        body: "<!-- postmortem-bot:key=abc -->".into(),
        labels: vec!["postmortem".into(), "follow-up".into()],
        assignees: vec!["alice".into()],
    }
}

/// A canned answer, replayable any number of times.
#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: serde_json::Value,
}

impl IntoResponse for Canned {
    fn into_response(self) -> Response {
        let mut map = HeaderMap::new();
        for (name, value) in self.headers {
            map.insert(name, value.parse().unwrap());
        }
        (
            StatusCode::from_u16(self.status).unwrap(),
            map,
            Json(self.body),
        )
            .into_response()
    }
}

fn status(code: u16, headers: &[(&'static str, &str)]) -> Canned {
    Canned {
        status: code,
        headers: headers.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        body: json!({"message": format!("status {code}")}),
    }
}

fn with_body(code: u16, headers: &[(&'static str, &str)], body: serde_json::Value) -> Canned {
    Canned {
        body,
        ..status(code, headers)
    }
}

fn ok_issue(code: u16) -> Canned {
    with_body(code, &[], issue_json(3, "Add an alert on queue depth"))
}

/// A handler answering from `script` in order, then repeating its last answer; counts calls.
fn scripted(
    script: Vec<Canned>,
) -> (
    Arc<AtomicUsize>,
    impl Fn() -> std::future::Ready<Canned> + Clone,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let script = Arc::new(script);
    let answer = move || {
        let n = counter.fetch_add(1, SeqCst);
        std::future::ready(script[n.min(script.len() - 1)].clone())
    };
    (calls, answer)
}

#[tokio::test]
async fn a_get_answered_500_is_retried_and_counted() {
    let (calls, answer) = scripted(vec![status(500, &[]), ok_issue(200)]);
    let fake = start(Router::new().route("/repos/acme/api/issues/{n}", get(answer))).await;
    let metrics = Arc::new(Metrics::new());
    let app = github_support::app(&fake, metrics.clone(), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let issue = client.get_issue(&repo(), IssueNumber(3)).await.unwrap();
    assert_eq!(issue.unwrap().number, IssueNumber(3));
    assert_eq!(calls.load(SeqCst), 2);
    let text = metrics.render();
    for line in [
        r#"postmortem_github_calls_total{method="GET",status="500"} 1"#,
        r#"postmortem_github_calls_total{method="GET",status="200"} 1"#,
        r#"postmortem_github_calls_total{method="POST",status="201"} 1"#,
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert_eq!(metrics.github_call_total(), fake.hits().len() as u64);
}

#[tokio::test]
async fn a_get_failing_every_time_gives_up_after_max_attempts() {
    let (calls, answer) = scripted(vec![status(503, &[])]);
    let fake = start(Router::new().route("/repos/acme/api", get(answer))).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let err = client.get_repo(&repo()).await.unwrap_err();
    assert!(
        matches!(err, GitHubError::Status { status: 503, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(calls.load(SeqCst), quick_policy().max_attempts as usize);
}

#[tokio::test]
async fn a_create_answered_502_is_ambiguous_and_not_repeated() {
    let (issue_posts, issue_answer) = scripted(vec![status(502, &[]), ok_issue(201)]);
    let (comment_posts, comment_answer) = scripted(vec![status(500, &[])]);
    let (commit_posts, commit_answer) = scripted(vec![status(502, &[])]);
    let fake = start(
        Router::new()
            .route("/repos/acme/api/issues", post(issue_answer))
            .route("/repos/acme/api/issues/{n}/comments", post(comment_answer))
            .route(
                "/repos/acme/api/commits/{sha}/comments",
                post(commit_answer),
            ),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let err = client
        .create_issue(&repo(), &new_issue())
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Ambiguous { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(issue_posts.load(SeqCst), 1);

    let err = client
        .create_comment(&repo(), IssueNumber(1), "hello")
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Ambiguous { .. }), "{err:?}");
    assert_eq!(comment_posts.load(SeqCst), 1);

    let err = client
        .create_commit_comment(&repo(), "abc123", "hi", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Ambiguous { .. }), "{err:?}");
    assert_eq!(commit_posts.load(SeqCst), 1);
}

#[tokio::test]
async fn a_create_without_an_answer_is_ambiguous() {
    let posts = Arc::new(AtomicUsize::new(0));
    let counter = posts.clone();
    let fake = start(Router::new().route(
        "/repos/acme/api/issues",
        post(move || {
            counter.fetch_add(1, SeqCst);
            // The answer never comes: the client's timeout has to end the attempt.
            std::future::pending::<Response>()
        }),
    ))
    .await;
    let policy = RetryPolicy {
        request_timeout: Duration::from_millis(300),
        ..quick_policy()
    };
    let app = github_support::app(&fake, Arc::new(Metrics::new()), policy);
    let client = app.installation(InstallationId(7)).await.unwrap();

    let err = client
        .create_issue(&repo(), &new_issue())
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Ambiguous { .. }), "{err:?}");
    assert_eq!(posts.load(SeqCst), 1);
}

#[tokio::test]
async fn a_get_without_an_answer_is_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let fake = start(Router::new().route(
        "/repos/acme/api/issues/{n}",
        get(move || {
            let first = counter.fetch_add(1, SeqCst) == 0;
            async move {
                if first {
                    std::future::pending::<()>().await;
                }
                Json(issue_json(3, "t")).into_response()
            }
        }),
    ))
    .await;
    let policy = RetryPolicy {
        request_timeout: Duration::from_millis(300),
        ..quick_policy()
    };
    let app = github_support::app(&fake, Arc::new(Metrics::new()), policy);
    let client = app.installation(InstallationId(7)).await.unwrap();

    assert!(
        client
            .get_issue(&repo(), IssueNumber(3))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(calls.load(SeqCst), 2);
}

#[tokio::test]
async fn idempotent_mutations_are_retried_after_5xx() {
    let (patches, patch_answer) = scripted(vec![status(500, &[]), ok_issue(200)]);
    let (reactions, reaction_answer) = scripted(vec![
        status(502, &[]),
        with_body(201, &[], json!({"id": 1, "content": "eyes"})),
    ]);
    let fake = start(
        Router::new()
            .route(
                "/repos/acme/api/issues/{n}",
                axum::routing::patch(patch_answer),
            )
            .route(
                "/repos/acme/api/issues/comments/{id}/reactions",
                post(reaction_answer),
            ),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let patch = IssuePatch {
        body: Some("new body".into()),
        ..IssuePatch::default()
    };
    client
        .update_issue(&repo(), IssueNumber(3), &patch)
        .await
        .unwrap();
    assert_eq!(patches.load(SeqCst), 2);
    client.react_to_comment(&repo(), 99, "eyes").await.unwrap();
    assert_eq!(reactions.load(SeqCst), 2);
}

#[tokio::test]
async fn retry_after_is_honoured_for_reads_and_creates() {
    let (gets, get_answer) = scripted(vec![status(403, &[("retry-after", "0")]), ok_issue(200)]);
    let (posts, post_answer) = scripted(vec![status(429, &[("retry-after", "0")]), ok_issue(201)]);
    let fake = start(
        Router::new()
            .route("/repos/acme/api/issues/{n}", get(get_answer))
            .route("/repos/acme/api/issues", post(post_answer)),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    assert!(
        client
            .get_issue(&repo(), IssueNumber(3))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(gets.load(SeqCst), 2);
    // A rate-limited create was not applied, so it is sent again.
    let created = client.create_issue(&repo(), &new_issue()).await.unwrap();
    assert_eq!(created.number, IssueNumber(3));
    assert_eq!(posts.load(SeqCst), 2);
}

#[tokio::test]
async fn an_exhausted_quota_waits_for_the_reset() {
    let reset = Utc::now().timestamp().to_string();
    let (calls, answer) = scripted(vec![
        status(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
        ),
        with_body(
            200,
            &[("x-ratelimit-remaining", "4999")],
            json!({"default_branch": "main", "has_wiki": true,
                   "html_url": "https://github.com/acme/api"}),
        ),
    ]);
    let fake = start(Router::new().route("/repos/acme/api", get(answer))).await;
    let metrics = Arc::new(Metrics::new());
    let app = github_support::app(&fake, metrics.clone(), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let info = client.get_repo(&repo()).await.unwrap();
    assert_eq!(info.default_branch, "main");
    assert!(info.has_wiki);
    assert_eq!(calls.load(SeqCst), 2);
    assert!(
        metrics
            .render()
            .contains("postmortem_github_rate_limit_remaining 4999")
    );
}

#[tokio::test]
async fn a_long_rate_limit_is_handed_back_to_the_caller() {
    let (calls, answer) = scripted(vec![status(403, &[("retry-after", "3600")])]);
    let fake = start(Router::new().route("/repos/acme/api", get(answer))).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let err = client.get_repo(&repo()).await.unwrap_err();
    let GitHubError::RateLimited { until } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert!(until > Utc::now() + TimeDelta::minutes(59));
    assert_eq!(err.retry_not_before(), Some(until));
    assert_eq!(calls.load(SeqCst), 1);
}

#[tokio::test]
async fn a_permission_refusal_is_not_retried() {
    let (calls, answer) = scripted(vec![with_body(
        403,
        &[("x-ratelimit-remaining", "4000")],
        json!({"message": "Resource not accessible by integration"}),
    )]);
    let fake = start(Router::new().route("/repos/acme/api/issues", post(answer))).await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let err = client
        .create_issue(&repo(), &new_issue())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        GitHubError::Status {
            status: 403,
            message: "Resource not accessible by integration".into()
        }
    );
    assert!(!err.is_retryable());
    assert_eq!(calls.load(SeqCst), 1);
}

#[derive(Default)]
struct Concurrency {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

impl Concurrency {
    async fn hold(&self) {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.max.fetch_max(now, SeqCst);
        // Long enough that concurrent requests would overlap here.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.now.fetch_sub(1, SeqCst);
        self.total.fetch_add(1, SeqCst);
    }
}

#[tokio::test]
async fn mutations_of_one_installation_never_overlap() {
    let seen = Arc::new(Concurrency::default());
    let (on_patch, on_comment) = (seen.clone(), seen.clone());
    let fake = start(
        Router::new()
            .route(
                "/repos/acme/api/issues/{n}",
                axum::routing::patch(move |Path(n): Path<u64>| {
                    let seen = on_patch.clone();
                    async move {
                        seen.hold().await;
                        Json(issue_json(n, "t"))
                    }
                }),
            )
            .route(
                "/repos/acme/api/issues/{n}/comments",
                post(move || {
                    let seen = on_comment.clone();
                    async move {
                        seen.hold().await;
                        (StatusCode::CREATED, Json(comment_json(5, "hi")))
                    }
                }),
            ),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let first = app.installation(InstallationId(7)).await.unwrap();
    let second = app.installation(InstallationId(7)).await.unwrap();

    let mut tasks = Vec::new();
    for i in 0..8u64 {
        let client = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                client
                    .create_comment(&repo(), IssueNumber(i), "hi")
                    .await
                    .map(|_| ())
            } else {
                let patch = IssuePatch {
                    title: Some(format!("title {i}")),
                    ..IssuePatch::default()
                };
                client
                    .update_issue(&repo(), IssueNumber(i), &patch)
                    .await
                    .map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(seen.total.load(SeqCst), 8);
    assert_eq!(
        seen.max.load(SeqCst),
        1,
        "two mutations were in flight at once"
    );
    // One client per installation: one token for all eight calls.
    assert_eq!(fake.issued(), 1);
}

#[tokio::test]
async fn reads_are_not_serialized() {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let fake = start(Router::new().route(
        "/repos/acme/api/issues/{n}",
        get(move |Path(n): Path<u64>| {
            let barrier = barrier.clone();
            async move {
                // Both reads must be in flight together to pass this point.
                barrier.wait().await;
                Json(issue_json(n, "t"))
            }
        }),
    ))
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();
    let r = repo();
    let both = futures::future::join(
        client.get_issue(&r, IssueNumber(1)),
        client.get_issue(&r, IssueNumber(2)),
    );
    let (a, b) = tokio::time::timeout(Duration::from_secs(5), both)
        .await
        .expect("the two reads waited for each other: they were serialized");
    assert!(a.unwrap().is_some() && b.unwrap().is_some());
}

#[tokio::test]
async fn lists_follow_every_page() {
    let fake = start(
        Router::new()
            .route(
                "/repos/acme/api/issues",
                get(
                    |Query(q): Query<HashMap<String, String>>, headers: HeaderMap| async move {
                        assert_eq!(q["creator"], "postmortem-bot[bot]");
                        assert_eq!(q["state"], "all");
                        assert_eq!(q["per_page"], "100");
                        let host = headers["host"].to_str().unwrap().to_string();
                        if q.get("page").map(String::as_str) == Some("2") {
                            Json(json!([issue_json(3, "c")])).into_response()
                        } else {
                            let next = format!(
                                "<http://{host}/repos/acme/api/issues?creator=postmortem-bot%5Bbot%5D&state=all&per_page=100&page=2>; rel=\"next\", <http://{host}/repos/acme/api/issues?page=2>; rel=\"last\""
                            );
                            (
                                [("link", next)],
                                Json(json!([issue_json(1, "a"), issue_json(2, "b")])),
                            )
                                .into_response()
                        }
                    },
                ),
            )
            .route(
                "/repos/acme/api/issues/{n}/comments",
                get(|| async { Json(json!([comment_json(1, "one"), comment_json(2, "two")])) }),
            ),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();

    let issues = client
        .list_issues_created_by(&repo(), "postmortem-bot[bot]")
        .await
        .unwrap();
    let numbers: Vec<u64> = issues.iter().map(|i| i.number.0).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(issues[0].labels, ["postmortem", "follow-up"]);
    assert_eq!(issues[0].assignees, ["alice"]);
    assert!(issues[0].user.is_bot);
    assert_eq!(fake.hits_to("GET", "/repos/acme/api/issues").len(), 2);

    let comments = client.list_comments(&repo(), IssueNumber(1)).await.unwrap();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1].body, "two");
    let hit = &fake.hits_to("GET", "/repos/acme/api/issues/1/comments")[0];
    assert_eq!(hit.query.as_deref(), Some("per_page=100"));
}

#[tokio::test]
async fn typed_calls_send_what_github_expects() {
    let fake = start(
        Router::new()
            .route(
                "/repos/acme/api/collaborators/{login}/permission",
                get(|Path(login): Path<String>| async move {
                    match login.as_str() {
                        "alice" => Json(json!({"permission": "write", "role_name": "maintain"}))
                            .into_response(),
                        "bob" => Json(json!({"permission": "read", "role_name": "triage"}))
                            .into_response(),
                        _ => StatusCode::NOT_FOUND.into_response(),
                    }
                }),
            )
            .route(
                "/repos/acme/api/assignees/{login}",
                get(|Path(login): Path<String>| async move {
                    if login == "alice" {
                        StatusCode::NO_CONTENT
                    } else {
                        StatusCode::NOT_FOUND
                    }
                }),
            )
            .route(
                "/repos/acme/api/labels/{name}",
                get(|Path(name): Path<String>| async move {
                    if name == "postmortem" {
                        Json(json!({"name": name, "color": "5319e7"})).into_response()
                    } else {
                        StatusCode::NOT_FOUND.into_response()
                    }
                }),
            )
            .route(
                "/repos/acme/api/labels",
                post(|Json(body): Json<serde_json::Value>| async move {
                    if body["name"] == "raced" {
                        (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            Json(json!({"message": "Validation Failed",
                                "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]})),
                        )
                            .into_response()
                    } else {
                        (StatusCode::CREATED, Json(body)).into_response()
                    }
                }),
            )
            .route(
                "/repos/acme/api/issues/{n}/labels",
                post(|| async { Json(json!([])) }),
            )
            .route(
                "/repos/acme/api/issues/{n}/labels/{name}",
                axum::routing::delete(|| async {
                    (StatusCode::NOT_FOUND, Json(json!({"message": "Label does not exist"})))
                }),
            )
            .route(
                "/repos/acme/api/issues",
                post(|| async { (StatusCode::CREATED, Json(issue_json(12, "new"))) }),
            )
            .route(
                "/repos/acme/api/issues/{n}",
                get(|Path(n): Path<u64>| async move {
                    match n {
                        404 => StatusCode::NOT_FOUND.into_response(),
                        410 => StatusCode::GONE.into_response(),
                        _ => Json(issue_json(n, "t")).into_response(),
                    }
                })
                .patch(|Path(n): Path<u64>| async move {
                    let mut issue = issue_json(n, "t");
                    issue["state"] = json!("closed");
                    issue["closed_at"] = json!("2024-03-03T00:00:00Z");
                    Json(issue)
                }),
            )
            .route(
                "/repos/acme/api/commits/{sha}/comments",
                post(|| async { (StatusCode::CREATED, Json(comment_json(8, "x"))) }),
            ),
    )
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();
    let r = repo();

    assert_eq!(
        client.collaborator_permission(&r, "alice").await.unwrap(),
        Permission::Maintain
    );
    assert_eq!(
        client.collaborator_permission(&r, "bob").await.unwrap(),
        Permission::Triage
    );
    assert_eq!(
        client.collaborator_permission(&r, "mallory").await.unwrap(),
        Permission::None
    );
    assert!(client.is_assignable(&r, "alice").await.unwrap());
    assert!(!client.is_assignable(&r, "carol").await.unwrap());

    client
        .ensure_label(&r, "postmortem", "5319e7", "From a post-mortem")
        .await
        .unwrap();
    client
        .ensure_label(&r, "follow up", "#0e8a16", "A post-mortem follow-up")
        .await
        .unwrap();
    client
        .ensure_label(&r, "raced", "000000", "")
        .await
        .unwrap();
    let label_posts = fake.hits_to("POST", "/repos/acme/api/labels");
    assert_eq!(label_posts.len(), 2, "an existing label is not created");
    assert_eq!(
        label_posts[0].json(),
        json!({"name": "follow up", "color": "0e8a16", "description": "A post-mortem follow-up"})
    );
    assert_eq!(
        fake.hits_to("GET", "/repos/acme/api/labels/follow%20up")
            .len(),
        1
    );

    client
        .add_labels(&r, IssueNumber(4), &["postmortem".into(), "stale".into()])
        .await
        .unwrap();
    assert_eq!(
        fake.hits_to("POST", "/repos/acme/api/issues/4/labels")[0].json(),
        json!({"labels": ["postmortem", "stale"]})
    );
    client
        .remove_label(&r, IssueNumber(4), "stale")
        .await
        .unwrap();

    let created = client.create_issue(&r, &new_issue()).await.unwrap();
    assert_eq!(created.number, IssueNumber(12));
    assert_eq!(
        fake.hits_to("POST", "/repos/acme/api/issues")[0].json(),
        json!({"title": "Add an alert on queue depth", "body": "<!-- postmortem-bot:key=abc -->",
               "labels": ["postmortem", "follow-up"], "assignees": ["alice"]})
    );

    assert!(
        client
            .get_issue(&r, IssueNumber(404))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .get_issue(&r, IssueNumber(410))
            .await
            .unwrap()
            .is_none()
    );

    let closing = IssuePatch {
        state: Some(IssueState::Closed),
        state_reason: Some("completed".into()),
        ..IssuePatch::default()
    };
    let closed = client
        .update_issue(&r, IssueNumber(5), &closing)
        .await
        .unwrap();
    assert_eq!(closed.state, IssueState::Closed);
    assert!(closed.closed_at.is_some());
    assert_eq!(
        fake.hits_to("PATCH", "/repos/acme/api/issues/5")[0].json(),
        json!({"state": "closed", "state_reason": "completed"})
    );

    client
        .create_commit_comment(&r, "abc123", "Follow-ups tracked", Some("pm/x.md"), Some(3))
        .await
        .unwrap();
    assert_eq!(
        fake.hits_to("POST", "/repos/acme/api/commits/abc123/comments")[0].json(),
        json!({"body": "Follow-ups tracked", "path": "pm/x.md", "line": 3})
    );

    // Every call but the token request carried the installation token.
    for hit in fake.hits() {
        if hit.path.starts_with("/repos/") {
            assert_eq!(hit.auth.as_deref(), Some("Bearer tok-1"), "{}", hit.path);
        }
    }
}

#[tokio::test]
async fn files_are_read_through_the_contents_api() {
    use base64::Engine as _;
    let text = "# Outage\n\n## Follow-ups\n- [ ] Add an alert\n".repeat(3);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&text);
    // GitHub wraps base64 at 60 columns.
    let wrapped: String = encoded
        .as_bytes()
        .chunks(60)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let big = vec![0xffu8, 0x00, 0x41];
    let big_served = big.clone();
    let fake = start(Router::new().route(
        "/repos/acme/api/contents/{*path}",
        get(
            move |Path(path): Path<String>,
                  Query(q): Query<HashMap<String, String>>,
                  headers: HeaderMap| {
                let wrapped = wrapped.clone();
                let big = big_served.clone();
                async move {
                    assert_eq!(q["ref"], "main");
                    let raw = headers["accept"] == "application/vnd.github.raw+json";
                    match path.as_str() {
                        "post mortems/2024-03.md" => Json(json!({
                            "type": "file", "encoding": "base64", "content": wrapped,
                        }))
                        .into_response(),
                        "big.md" if raw => big.into_response(),
                        "big.md" => Json(json!({
                            "type": "file", "encoding": "none", "content": "",
                        }))
                        .into_response(),
                        "docs" => Json(json!([{"type": "file", "name": "a.md"}])).into_response(),
                        _ => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"})))
                            .into_response(),
                    }
                }
            },
        ),
    ))
    .await;
    let app = github_support::app(&fake, Arc::new(Metrics::new()), quick_policy());
    let client = app.installation(InstallationId(7)).await.unwrap();
    let r = repo();

    let file = client
        .get_file(&r, "post mortems/2024-03.md", "main")
        .await
        .unwrap();
    assert_eq!(file.as_deref(), Some(text.as_bytes()));
    assert_eq!(
        client.get_file(&r, "big.md", "main").await.unwrap(),
        Some(big)
    );
    assert_eq!(
        client.get_file(&r, "missing.md", "main").await.unwrap(),
        None
    );
    assert_eq!(client.get_file(&r, "docs", "main").await.unwrap(), None);
}
