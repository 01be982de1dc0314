//! The fake GitHub itself: App JWTs are checked, tokens are scoped, issues/comments/labels
//! behave like GitHub's, pagination links work, and injected faults do what they say.

use std::time::Duration;

use http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use postmortem_bot::fake_github::{
    AuthKind, FakeConfig, FakeGitHub, Fault, FaultKind, ManifestConversion,
};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use reqwest::StatusCode;
use serde_json::{Value, json};

const INSTALLATION: InstallationId = InstallationId(7);

fn repo(name: &str) -> RepoName {
    name.parse().unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn jwt(claims: Value) -> String {
    let key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/test-app-key.pem")).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

fn app_jwt() -> String {
    jwt(json!({ "iss": 1, "iat": now() - 60, "exp": now() + 540 }))
}

/// A fake with installation 7 on octo-org, holding octo-org/app, and a second installation.
async fn world() -> FakeGitHub {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    fake.add_installation(INSTALLATION, "octo-org");
    fake.add_repo(INSTALLATION, &repo("octo-org/app"));
    fake.add_repo(INSTALLATION, &repo("octo-org/docs"));
    fake.add_installation(InstallationId(8), "other-org");
    fake.add_repo(InstallationId(8), &repo("other-org/secret"));
    fake
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(
    fake: &FakeGitHub,
    method: Method,
    path: impl AsRef<str>,
    auth: Option<String>,
    body: Option<Value>,
) -> Reply {
    let path = path.as_ref();
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}{path}", fake.url())
    };
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    Reply {
        status,
        headers,
        body,
    }
}

async fn token_for(fake: &FakeGitHub, installation: InstallationId) -> String {
    let reply = call(
        fake,
        Method::POST,
        &format!("/app/installations/{installation}/access_tokens"),
        Some(format!("Bearer {}", app_jwt())),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn app_routes_want_a_valid_jwt() {
    let fake = world().await;
    let get_app = |auth: Option<String>| call(&fake, Method::GET, "/app", auth, None);

    let ok = get_app(Some(format!("Bearer {}", app_jwt()))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["id"], 1);
    assert_eq!(ok.body["slug"], "postmortem-bot");
    assert_eq!(ok.body["owner"]["login"], "postmortem-bot-owner");
    assert!(
        ok.body["html_url"]
            .as_str()
            .unwrap()
            .ends_with("/apps/postmortem-bot")
    );

    let string_issuer = jwt(json!({ "iss": "1", "iat": now() - 30, "exp": now() + 500 }));
    assert_eq!(
        get_app(Some(format!("Bearer {string_issuer}")))
            .await
            .status,
        StatusCode::OK
    );

    let refused = [
        ("no credentials", None),
        ("garbage", Some("Bearer a.b.c".to_string())),
        (
            "wrong app",
            Some(format!(
                "Bearer {}",
                jwt(json!({ "iss": 2, "iat": now() - 60, "exp": now() + 540 }))
            )),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                jwt(json!({ "iss": 1, "iat": now() - 900, "exp": now() - 300 }))
            )),
        ),
        (
            "too long",
            Some(format!(
                "Bearer {}",
                jwt(json!({ "iss": 1, "iat": now() - 60, "exp": now() + 1200 }))
            )),
        ),
        (
            "issued in the future",
            Some(format!(
                "Bearer {}",
                jwt(json!({ "iss": 1, "iat": now() + 300, "exp": now() + 600 }))
            )),
        ),
        (
            "no iat",
            Some(format!(
                "Bearer {}",
                jwt(json!({ "iss": 1, "exp": now() + 500 }))
            )),
        ),
        (
            "a tampered signature",
            Some(format!("Bearer {}x", app_jwt())),
        ),
        (
            "an installation token",
            Some(format!("token {}", fake.issue_token(INSTALLATION))),
        ),
    ];
    for (what, auth) in refused {
        let reply = get_app(auth).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            reply.body
        );
        assert!(reply.body["message"].is_string(), "{what}");
    }
    let kinds: Vec<AuthKind> = fake.requests().into_iter().map(|r| r.auth).collect();
    assert_eq!(kinds[0], AuthKind::AppJwt);
    assert!(kinds.contains(&AuthKind::Rejected));
    assert!(kinds.contains(&AuthKind::None));
}

#[tokio::test]
async fn the_clock_skew_allowance_is_sixty_seconds() {
    let fake = world().await;
    let status = |claims: Value| {
        let auth = Some(format!("Bearer {}", jwt(claims)));
        let fake = &fake;
        async move { call(fake, Method::GET, "/app", auth, None).await.status }
    };
    // Slightly ahead or slightly expired is tolerated; well past the allowance is not.
    assert_eq!(
        status(json!({ "iss": 1, "iat": now() + 30, "exp": now() + 600 })).await,
        StatusCode::OK
    );
    assert_eq!(
        status(json!({ "iss": 1, "iat": now() - 600, "exp": now() - 20 })).await,
        StatusCode::OK
    );
    assert_eq!(
        status(json!({ "iss": 1, "iat": now() - 700, "exp": now() - 100 })).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn installation_tokens_reach_only_their_repositories() {
    let fake = world().await;
    let reply = call(
        &fake,
        Method::POST,
        &format!("/app/installations/{INSTALLATION}/access_tokens"),
        Some(format!("Bearer {}", app_jwt())),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let token = reply.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ghs_"));
    let expires =
        chrono::DateTime::parse_from_rfc3339(reply.body["expires_at"].as_str().unwrap()).unwrap();
    let lifetime = expires.timestamp() - now();
    assert!((3500..=3600).contains(&lifetime), "{lifetime}");

    for auth in [format!("token {token}"), format!("Bearer {token}")] {
        let ok = call(&fake, Method::GET, "/repos/octo-org/app", Some(auth), None).await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.body["full_name"], "octo-org/app");
        assert_eq!(ok.body["default_branch"], "main");
        assert_eq!(ok.body["has_wiki"], true);
    }
    let elsewhere = call(
        &fake,
        Method::GET,
        "/repos/other-org/secret",
        Some(format!("token {token}")),
        None,
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let unknown = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app",
        Some("token ghs_nope".into()),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let anonymous = call(&fake, Method::GET, "/repos/octo-org/app", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let with_jwt = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app",
        Some(format!("Bearer {}", app_jwt())),
        None,
    )
    .await;
    assert_eq!(with_jwt.status, StatusCode::FORBIDDEN);

    let listed = call(
        &fake,
        Method::GET,
        "/installation/repositories",
        Some(format!("token {token}")),
        None,
    )
    .await;
    assert_eq!(listed.body["total_count"], 2);
    let names: Vec<&str> = listed.body["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["octo-org/app", "octo-org/docs"]);

    let missing = call(
        &fake,
        Method::POST,
        "/app/installations/999/access_tokens",
        Some(format!("Bearer {}", app_jwt())),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    fake.expire_tokens();
    let expired = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app",
        Some(format!("token {token}")),
        None,
    )
    .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["message"], "Bad credentials");
}

#[tokio::test]
async fn a_token_can_be_narrowed_and_dies_with_its_installation() {
    let fake = world().await;
    let reply = call(
        &fake,
        Method::POST,
        &format!("/app/installations/{INSTALLATION}/access_tokens"),
        Some(format!("Bearer {}", app_jwt())),
        Some(json!({ "repositories": ["docs"] })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["repositories"][0]["full_name"], "octo-org/docs");
    let narrow = format!("token {}", reply.body["token"].as_str().unwrap());
    assert_eq!(
        call(
            &fake,
            Method::GET,
            "/repos/octo-org/docs",
            Some(narrow.clone()),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &fake,
            Method::GET,
            "/repos/octo-org/app",
            Some(narrow.clone()),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let outside = call(
        &fake,
        Method::POST,
        &format!("/app/installations/{INSTALLATION}/access_tokens"),
        Some(format!("Bearer {}", app_jwt())),
        Some(json!({ "repositories": ["secret"] })),
    )
    .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);

    fake.remove_installation(INSTALLATION);
    assert_eq!(
        call(
            &fake,
            Method::GET,
            "/repos/octo-org/docs",
            Some(narrow),
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let mut config = FakeConfig::for_tests();
    config.token_ttl = Duration::from_secs(90);
    let fake = FakeGitHub::start(config).await.unwrap();
    fake.add_repo(INSTALLATION, &repo("octo-org/app"));
    let reply = call(
        &fake,
        Method::POST,
        "/app/installations/7/access_tokens",
        Some(format!("Bearer {}", app_jwt())),
        None,
    )
    .await;
    let expires =
        chrono::DateTime::parse_from_rfc3339(reply.body["expires_at"].as_str().unwrap()).unwrap();
    assert!((85..=90).contains(&(expires.timestamp() - now())));
}

#[tokio::test]
async fn issues_are_created_read_edited_and_listed() {
    let fake = world().await;
    let app = repo("octo-org/app");
    fake.set_permission(&app, "alice", "write");
    fake.set_permission(&app, "rita", "read");
    let token = format!("token {}", token_for(&fake, INSTALLATION).await);

    let created = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues",
        Some(token.clone()),
        Some(json!({
            "title": "Add an alert on queue depth",
            "body": "details\n<!-- postmortem-bot:key=abc -->",
            "labels": ["postmortem", "follow-up"],
            "assignees": ["alice", "rita", "nobody"],
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["number"], 1);
    assert_eq!(created.body["state"], "open");
    assert_eq!(created.body["user"]["login"], "postmortem-bot[bot]");
    assert_eq!(created.body["user"]["type"], "Bot");
    assert_eq!(
        created.body["assignees"].as_array().unwrap().len(),
        1,
        "only assignable people stay"
    );
    assert_eq!(created.body["assignees"][0]["login"], "alice");
    assert!(
        created.headers["location"]
            .to_str()
            .unwrap()
            .ends_with("/repos/octo-org/app/issues/1")
    );
    assert_eq!(
        fake.labels(&app),
        ["postmortem", "follow-up"],
        "labels are created implicitly"
    );

    let stored = fake.issue(&app, IssueNumber(1)).unwrap();
    assert_eq!(stored.author, "postmortem-bot[bot]");
    assert_eq!(stored.labels, ["postmortem", "follow-up"]);
    assert!(stored.body.unwrap().contains("key=abc"));

    let human = fake.add_issue(
        &app,
        "alice",
        "Post-mortem: outage",
        "## Follow-ups\n- fix it",
    );
    assert_eq!(human, IssueNumber(2));

    let closed = call(
        &fake,
        Method::PATCH,
        "/repos/octo-org/app/issues/1",
        Some(token.clone()),
        Some(json!({ "state": "closed", "state_reason": "not_planned", "title": "Renamed" })),
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["state"], "closed");
    assert_eq!(closed.body["state_reason"], "not_planned");
    assert_eq!(closed.body["title"], "Renamed");
    assert!(closed.body["closed_at"].is_string());
    assert_eq!(
        fake.issue(&app, IssueNumber(1))
            .unwrap()
            .closed_by
            .as_deref(),
        Some("postmortem-bot[bot]")
    );

    let list = |query: &'static str| {
        call(
            &fake,
            Method::GET,
            format!("/repos/octo-org/app/issues{query}"),
            Some(token.clone()),
            None,
        )
    };
    let numbers = |reply: Reply| -> Vec<u64> {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(numbers(list("").await), [2], "open by default");
    assert_eq!(numbers(list("?state=closed").await), [1]);
    assert_eq!(numbers(list("?state=all").await), [2, 1], "newest first");
    assert_eq!(numbers(list("?state=all&direction=asc").await), [1, 2]);
    assert_eq!(
        numbers(list("?state=all&creator=postmortem-bot%5Bbot%5D").await),
        [1]
    );
    assert_eq!(
        numbers(list("?state=all&labels=postmortem,follow-up").await),
        [1]
    );
    assert_eq!(
        numbers(list("?state=all&labels=postmortem,nope").await),
        Vec::<u64>::new()
    );
    assert_eq!(
        list("?state=bogus").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let reopened = call(
        &fake,
        Method::PATCH,
        "/repos/octo-org/app/issues/1",
        Some(token.clone()),
        Some(json!({ "state": "open" })),
    )
    .await;
    assert_eq!(reopened.body["state_reason"], "reopened");
    assert!(reopened.body["closed_at"].is_null());

    let missing = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues/99",
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let untitled = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues",
        Some(token.clone()),
        Some(json!({ "body": "x" })),
    )
    .await;
    assert_eq!(untitled.status, StatusCode::UNPROCESSABLE_ENTITY);
    let broken = reqwest::Client::new()
        .post(format!("{}/repos/octo-org/app/issues", fake.url()))
        .header("authorization", token.clone())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let huge = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues",
        Some(token),
        Some(json!({ "title": "t", "body": "x".repeat(65537) })),
    )
    .await;
    assert_eq!(huge.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(huge.body["errors"][0]["field"], "body");
    assert_eq!(
        fake.issues(&app).len(),
        2,
        "rejected creates change nothing"
    );
}

#[tokio::test]
async fn listing_pages_with_link_headers() {
    let fake = world().await;
    let app = repo("octo-org/app");
    for n in 1..=75 {
        fake.add_issue(&app, "alice", &format!("issue {n}"), "");
    }
    let token = format!("token {}", fake.issue_token(INSTALLATION));

    let first = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues?state=all",
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(
        first.body.as_array().unwrap().len(),
        30,
        "30 per page by default"
    );
    let link = first.headers["link"].to_str().unwrap();
    assert!(link.contains("rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");

    let mut seen = Vec::new();
    let mut next = Some(format!(
        "{}/repos/octo-org/app/issues?state=all&per_page=20",
        fake.url()
    ));
    let mut pages = 0;
    while let Some(url) = next.take() {
        let reply = call(&fake, Method::GET, &url, Some(token.clone()), None).await;
        pages += 1;
        seen.extend(
            reply
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_u64().unwrap()),
        );
        next = reply.headers.get("link").and_then(|l| {
            l.to_str()
                .unwrap()
                .split(", ")
                .find(|part| part.ends_with("rel=\"next\""))
                .map(|part| {
                    part.trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap()
                        .to_string()
                })
        });
    }
    assert_eq!(pages, 4);
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=75).collect::<Vec<u64>>(),
        "every issue exactly once"
    );

    let big = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues?per_page=500",
        Some(token),
        None,
    )
    .await;
    assert_eq!(big.body.as_array().unwrap().len(), 75);
    assert!(
        big.headers.get("link").is_none(),
        "one page of 100 needs no link"
    );
}

#[tokio::test]
async fn comments_reactions_and_labels() {
    let fake = world().await;
    let app = repo("octo-org/app");
    let number = fake.add_issue(&app, "alice", "Post-mortem", "body");
    let command = fake
        .add_comment(&app, number, "alice", "/postmortem")
        .unwrap();
    let token = format!("token {}", fake.issue_token(INSTALLATION));

    let path = format!("/repos/octo-org/app/issues/comments/{command}/reactions");
    let reacted = call(
        &fake,
        Method::POST,
        &path,
        Some(token.clone()),
        Some(json!({ "content": "eyes" })),
    )
    .await;
    assert_eq!(reacted.status, StatusCode::CREATED);
    let again = call(
        &fake,
        Method::POST,
        &path,
        Some(token.clone()),
        Some(json!({ "content": "eyes" })),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same reaction twice is not a second reaction"
    );
    let bad = call(
        &fake,
        Method::POST,
        &path,
        Some(token.clone()),
        Some(json!({ "content": "shrug" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let reply = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues/1/comments",
        Some(token.clone()),
        Some(json!({ "body": "Opened 3 follow-ups" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["user"]["login"], "postmortem-bot[bot]");
    let reply_id = reply.body["id"].as_u64().unwrap();
    let edited = call(
        &fake,
        Method::PATCH,
        &format!("/repos/octo-org/app/issues/comments/{reply_id}"),
        Some(token.clone()),
        Some(json!({ "body": "Opened 4 follow-ups" })),
    )
    .await;
    assert_eq!(edited.body["body"], "Opened 4 follow-ups");

    let listed = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues/1/comments",
        Some(token.clone()),
        None,
    )
    .await;
    let bodies: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["/postmortem", "Opened 4 follow-ups"]);
    let issue = fake.issue(&app, number).unwrap();
    assert_eq!(issue.comments[0].reactions.len(), 1);
    assert_eq!(issue.comments[0].reactions[0].content, "eyes");
    assert_eq!(issue.comments[0].reactions[0].user, "postmortem-bot[bot]");

    // Labels: missing → 404, create → 201, again → 422 already_exists (any case).
    let label = |name: &str| {
        call(
            &fake,
            Method::GET,
            format!("/repos/octo-org/app/labels/{name}"),
            Some(token.clone()),
            None,
        )
    };
    assert_eq!(label("follow-up").await.status, StatusCode::NOT_FOUND);
    let created = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/labels",
        Some(token.clone()),
        Some(
            json!({ "name": "follow-up", "color": "#D93F0B", "description": "From a post-mortem" }),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["color"], "d93f0b");
    assert_eq!(label("Follow-Up").await.body["name"], "follow-up");
    let duplicate = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/labels",
        Some(token.clone()),
        Some(json!({ "name": "FOLLOW-UP" })),
    )
    .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(duplicate.body["errors"][0]["code"], "already_exists");

    let added = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues/1/labels",
        Some(token.clone()),
        Some(json!({ "labels": ["follow-up", "stale"] })),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    assert_eq!(added.body.as_array().unwrap().len(), 2);
    let bare = call(
        &fake,
        Method::POST,
        "/repos/octo-org/app/issues/1/labels",
        Some(token.clone()),
        Some(json!(["stale"])),
    )
    .await;
    assert_eq!(
        bare.body.as_array().unwrap().len(),
        2,
        "adding a label twice keeps one"
    );
    let removed = call(
        &fake,
        Method::DELETE,
        "/repos/octo-org/app/issues/1/labels/stale",
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.body[0]["name"], "follow-up");
    let not_there = call(
        &fake,
        Method::DELETE,
        "/repos/octo-org/app/issues/1/labels/stale",
        Some(token),
        None,
    )
    .await;
    assert_eq!(not_there.status, StatusCode::NOT_FOUND);
    assert_eq!(fake.issue(&app, number).unwrap().labels, ["follow-up"]);
}

#[tokio::test]
async fn permissions_and_assignees() {
    let fake = world().await;
    let app = repo("octo-org/app");
    fake.set_permission(&app, "admin-ann", "admin");
    fake.set_permission(&app, "maint-max", "maintain");
    fake.set_permission(&app, "tri-tom", "triage");
    fake.set_permission(&app, "reader-rita", "read");
    fake.set_assignable(&app, "reader-rita", true);
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    let expectations = [
        ("admin-ann", "admin", "admin", true),
        ("maint-max", "write", "maintain", true),
        ("tri-tom", "read", "triage", true),
        ("reader-rita", "read", "read", true),
        ("stranger", "none", "none", false),
    ];
    for (login, permission, role, assignable) in expectations {
        let reply = call(
            &fake,
            Method::GET,
            &format!("/repos/octo-org/app/collaborators/{login}/permission"),
            Some(token.clone()),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["permission"], permission, "{login}");
        assert_eq!(reply.body["role_name"], role, "{login}");
        assert_eq!(reply.body["user"]["login"], login);
        let check = call(
            &fake,
            Method::GET,
            &format!("/repos/octo-org/app/assignees/{login}"),
            Some(token.clone()),
            None,
        )
        .await;
        let expected = if assignable {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(check.status, expected, "{login}");
    }
}

#[tokio::test]
async fn faults_fail_apply_or_delay_as_told() {
    let fake = world().await;
    let app = repo("octo-org/app");
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    let create = || {
        call(
            &fake,
            Method::POST,
            "/repos/octo-org/app/issues",
            Some(token.clone()),
            Some(json!({ "title": "t" })),
        )
    };

    fake.inject(
        Fault::new(
            Method::POST,
            "/repos/{owner}/{repo}/issues",
            FaultKind::Status(500),
        )
        .times(2),
    );
    assert_eq!(create().await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(create().await.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        fake.issues(&app).is_empty(),
        "a plain error applies nothing"
    );
    assert_eq!(
        create().await.status,
        StatusCode::CREATED,
        "the fault disarms after its hits"
    );
    assert_eq!(fake.issues(&app).len(), 1);

    fake.inject(Fault::new(
        Method::POST,
        "/repos/octo-org/app/issues",
        FaultKind::ApplyThenStatus(502),
    ));
    assert_eq!(create().await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        fake.issues(&app).len(),
        2,
        "the create happened, only the answer was lost"
    );

    fake.inject(Fault::any_method(
        "/repos/octo-org/*",
        FaultKind::RateLimited {
            retry_after_secs: 30,
        },
    ));
    let limited = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app",
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(limited.status, StatusCode::FORBIDDEN);
    assert_eq!(limited.headers["retry-after"], "30");
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
    let reset: i64 = limited.headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset >= now() + 25);

    fake.inject(Fault::new(
        Method::POST,
        "/repos/{owner}/{repo}/issues",
        FaultKind::SecondaryRateLimit {
            retry_after_secs: 0,
        },
    ));
    let secondary = create().await;
    assert_eq!(secondary.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(secondary.headers["retry-after"], "0");
    assert_eq!(
        fake.issues(&app).len(),
        2,
        "a rate-limited create is not applied"
    );

    fake.inject(Fault::new(
        Method::POST,
        "/repos/{owner}/{repo}/issues",
        FaultKind::Delay(Duration::from_millis(1)),
    ));
    assert_eq!(
        create().await.status,
        StatusCode::CREATED,
        "a delayed request is still served"
    );
    assert!(fake.armed_faults().is_empty());

    let faults: Vec<(u16, Option<FaultKind>)> = fake
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .map(|r| (r.status, r.fault))
        .collect();
    assert_eq!(faults.len(), 6);
    assert_eq!(faults[2], (502, Some(FaultKind::ApplyThenStatus(502))));
    assert_eq!(fake.count("POST", "/repos/{owner}/{repo}/issues"), 6);
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers_and_the_budget_runs_out() {
    let mut config = FakeConfig::for_tests();
    config.rate_limit = 3;
    let fake = FakeGitHub::start(config).await.unwrap();
    fake.add_repo(INSTALLATION, &repo("octo-org/app"));
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    let mut remaining = Vec::new();
    for path in [
        "/repos/octo-org/app",
        "/repos/octo-org/app/issues/5",
        "/no/such/route",
    ] {
        let reply = call(&fake, Method::GET, path, Some(token.clone()), None).await;
        assert_eq!(reply.headers["x-ratelimit-limit"], "3");
        assert!(reply.headers.contains_key("x-ratelimit-reset"));
        remaining.push(
            reply.headers["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let exhausted = call(&fake, Method::GET, "/repos/octo-org/app", Some(token), None).await;
    assert_eq!(exhausted.status, StatusCode::FORBIDDEN);
    assert_eq!(exhausted.headers["x-ratelimit-remaining"], "0");
    let unauthenticated = call(&fake, Method::GET, "/app", None, None).await;
    assert_eq!(
        unauthenticated.headers["x-ratelimit-limit"], "60",
        "anonymous callers have their own budget"
    );
}

#[tokio::test]
async fn manifest_codes_convert_once() {
    let fake = world().await;
    fake.register_manifest_code(
        "abc123",
        ManifestConversion::new(42, "pm-bot", "-----BEGIN RSA PRIVATE KEY-----\n..."),
    );
    let reply = call(
        &fake,
        Method::POST,
        "/app-manifests/abc123/conversions",
        None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["id"], 42);
    assert_eq!(reply.body["slug"], "pm-bot");
    assert_eq!(reply.body["webhook_secret"], "whsec-42");
    assert!(
        reply.body["pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN")
    );
    assert!(reply.body["client_secret"].is_string());
    assert_eq!(reply.body["owner"]["login"], "octo-org");
    let again = call(
        &fake,
        Method::POST,
        "/app-manifests/abc123/conversions",
        None,
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let unknown = call(
        &fake,
        Method::POST,
        "/app-manifests/zzz/conversions",
        None,
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleted_and_transferred_issues_answer_like_github() {
    let fake = world().await;
    let app = repo("octo-org/app");
    let docs = repo("octo-org/docs");
    let gone = fake.add_issue(&app, "alice", "to delete", "");
    let moving = fake.add_issue(&app, "alice", "to move", "");
    fake.delete_issue(&app, gone);
    let moved = fake.transfer_issue(&app, moving, &docs).unwrap();
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    let deleted = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues/1",
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::GONE);
    // reqwest follows the 301 to the issue's new home.
    let followed = call(
        &fake,
        Method::GET,
        "/repos/octo-org/app/issues/2",
        Some(token),
        None,
    )
    .await;
    assert_eq!(followed.status, StatusCode::OK);
    assert_eq!(
        followed.body["repository_url"],
        format!("{}/repos/octo-org/docs", fake.url())
    );
    assert_eq!(followed.body["number"], moved.0);
    assert!(fake.issues(&app).is_empty());
    assert_eq!(fake.issues(&docs).len(), 1);
}

#[tokio::test]
async fn waiting_for_state_is_woken_by_requests() {
    let fake = world().await;
    let app = repo("octo-org/app");
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    let url = format!("{}/repos/octo-org/app/issues", fake.url());
    let writer = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .header("authorization", token)
            .json(&json!({ "title": "later" }))
            .send()
            .await
            .unwrap()
            .status()
    });
    fake.wait_until(Duration::from_secs(10), |f| f.issues(&app).len() == 1)
        .await
        .unwrap();
    assert_eq!(writer.await.unwrap(), StatusCode::CREATED);
    let never = fake
        .wait_until(Duration::from_millis(50), |f| f.issues(&app).len() == 5)
        .await;
    assert!(never.is_err());
}

#[tokio::test]
async fn held_requests_reveal_overlapping_mutations() {
    let fake = world().await;
    let app = repo("octo-org/app");
    let token = format!("token {}", fake.issue_token(INSTALLATION));
    fake.inject(
        Fault::new(
            Method::POST,
            "/repos/{owner}/{repo}/issues",
            FaultKind::Hold,
        )
        .times(2),
    );
    let post = |title: &'static str| {
        let url = format!("{}/repos/octo-org/app/issues", fake.url());
        let token = token.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("authorization", token)
                .json(&json!({ "title": title }))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let first = post("one");
    let second = post("two");
    fake.wait_until(Duration::from_secs(10), |f| f.held() == 2)
        .await
        .unwrap();
    assert!(
        fake.issues(&app).is_empty(),
        "held requests are not applied yet"
    );
    assert_eq!(fake.max_concurrent_mutations(INSTALLATION), 2);
    fake.release_held();
    assert_eq!(first.await.unwrap(), StatusCode::CREATED);
    assert_eq!(second.await.unwrap(), StatusCode::CREATED);
    assert_eq!(fake.issues(&app).len(), 2);
    assert_eq!(fake.held(), 0);

    // One after the other, another installation never overlaps.
    let other = format!("token {}", fake.issue_token(InstallationId(8)));
    for title in ["a", "b", "c"] {
        let reply = call(
            &fake,
            Method::POST,
            "/repos/other-org/secret/issues",
            Some(other.clone()),
            Some(json!({ "title": title })),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    assert_eq!(fake.max_concurrent_mutations(InstallationId(8)), 1);
}
