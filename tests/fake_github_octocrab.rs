//! octocrab 0.54 (what the production client is built on) against the fake: its App JWT and
//! installation-token machinery works, its requests are accepted, and every answer deserializes
//! into its models.

use jsonwebtoken::EncodingKey;
use octocrab::Octocrab;
use octocrab::models::reactions::ReactionContent;
use octocrab::models::{self, IssueState};
use octocrab::params;
use postmortem_bot::fake_github::{AuthKind, FakeConfig, FakeGitHub};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};

fn repo() -> RepoName {
    "octo-org/app".parse().unwrap()
}

async fn fake_and_client() -> (FakeGitHub, Octocrab) {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    fake.add_installation(InstallationId(7), "octo-org");
    fake.add_repo(InstallationId(7), &repo());
    fake.set_permission(&repo(), "alice", "write");
    let key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/test-app-key.pem")).unwrap();
    let app = Octocrab::builder()
        .base_uri(fake.url())
        .unwrap()
        .app(1.into(), key)
        .build()
        .unwrap();
    let installation = app.installation(7.into()).unwrap();
    (fake, installation)
}

#[tokio::test]
async fn octocrab_talks_to_the_fake_as_an_installation() {
    let (fake, gh) = fake_and_client().await;
    let issues = gh.issues("octo-org", "app");

    let repository: models::Repository = gh.repos("octo-org", "app").get().await.unwrap();
    assert_eq!(repository.full_name.as_deref(), Some("octo-org/app"));
    assert_eq!(repository.default_branch.as_deref(), Some("main"));

    let created = issues
        .create("Add an alert on queue depth")
        .body("details")
        .labels(vec!["postmortem".to_string(), "follow-up".to_string()])
        .assignees(vec!["alice".to_string()])
        .send()
        .await
        .unwrap();
    assert_eq!(created.number, 1);
    assert_eq!(created.user.login, "postmortem-bot[bot]");
    assert_eq!(created.labels.len(), 2);
    assert_eq!(created.assignees[0].login, "alice");

    let fetched = issues.get(1).await.unwrap();
    assert_eq!(fetched.title, "Add an alert on queue depth");
    let closed = issues
        .update(1)
        .state(IssueState::Closed)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.state, IssueState::Closed);

    for n in 0..4 {
        issues.create(format!("more {n}")).send().await.unwrap();
    }
    let first = issues
        .list()
        .state(params::State::All)
        .creator("postmortem-bot[bot]")
        .per_page(2)
        .send()
        .await
        .unwrap();
    // One token so far, cached and reused by every call.
    assert_eq!(
        fake.count("POST", "/app/installations/{installation_id}/access_tokens"),
        1
    );

    // The Link header holds absolute URLs, as GitHub's do. octocrab only sends credentials to
    // authority-less URIs or api.github.com, so a client must follow `next` by path and query.
    let absolute = first.next.clone();
    assert!(absolute.as_ref().unwrap().authority().is_some());
    assert!(
        gh.get_page::<models::issues::Issue>(&absolute)
            .await
            .is_err()
    );
    let mut all = first.items.clone();
    let mut page = first;
    while let Some(next) = page.next.take() {
        let relative: http::Uri = next.path_and_query().unwrap().as_str().parse().unwrap();
        page = gh.get_page(&Some(relative)).await.unwrap().unwrap();
        all.extend(page.items.clone());
    }
    assert_eq!(all.len(), 5);

    let comment = issues
        .create_comment(1, "Opened 3 follow-ups")
        .await
        .unwrap();
    assert_eq!(comment.user.login, "postmortem-bot[bot]");
    let edited = issues
        .update_comment(comment.id, "Opened 4 follow-ups")
        .await
        .unwrap();
    assert_eq!(edited.body.as_deref(), Some("Opened 4 follow-ups"));
    let comments = issues.list_comments(1).send().await.unwrap();
    assert_eq!(comments.items.len(), 1);
    let reaction = issues
        .create_comment_reaction(comment.id, ReactionContent::Eyes)
        .await
        .unwrap();
    assert_eq!(reaction.content, ReactionContent::Eyes);

    let label = issues.get_label("follow-up").await.unwrap();
    assert_eq!(label.name, "follow-up");
    let made = issues
        .create_label("stale", "fbca04", "No activity")
        .await
        .unwrap();
    assert_eq!(made.color, "fbca04");
    let on_issue = issues.add_labels(2, &["stale".to_string()]).await.unwrap();
    assert_eq!(on_issue.len(), 1);
    let left = issues.remove_label(2, "stale").await.unwrap();
    assert!(left.is_empty());

    assert!(issues.check_assignee("alice").await.unwrap());
    assert!(!issues.check_assignee("mallory").await.unwrap());

    let listed: models::InstallationRepositories = gh
        .get("/installation/repositories", None::<&()>)
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);

    // Tokens were asked for with the App JWT; every other call but the absolute-link ones
    // (which octocrab sent bare, then retried after fetching a fresh token) used a token.
    for request in fake.requests() {
        match request.route.as_deref() {
            Some("/app/installations/{installation_id}/access_tokens") => {
                assert_eq!(request.auth, AuthKind::AppJwt)
            }
            Some("/repos/{owner}/{repo}/issues") if request.auth == AuthKind::None => {
                assert_eq!(request.status, 401)
            }
            _ => assert_eq!(
                request.auth,
                AuthKind::Installation(InstallationId(7)),
                "{request:?}"
            ),
        }
    }
}

#[tokio::test]
async fn the_collaborator_permission_answer_is_githubs_not_octocrabs() {
    // GitHub answers `write`/`read`/`none`; octocrab 0.54's `RepoPermission` only knows team
    // permissions (`push`, `pull`, ...), so its typed call cannot read a real answer. The
    // production client must read this route with its own type; this pins the wire format.
    let (_fake, gh) = fake_and_client().await;
    let raw: serde_json::Value = gh
        .get(
            "/repos/octo-org/app/collaborators/alice/permission",
            None::<&()>,
        )
        .await
        .unwrap();
    assert_eq!(raw["permission"], "write");
    let user: models::Author = serde_json::from_value(raw["user"].clone()).unwrap();
    assert_eq!(user.login, "alice");
    let typed = gh
        .repos("octo-org", "app")
        .get_contributor_permission("alice")
        .send()
        .await;
    assert!(typed.is_err());
}

#[tokio::test]
async fn octocrab_reads_contents_commits_and_sub_issues() {
    let (fake, gh) = fake_and_client().await;
    let base = fake.push(
        &repo(),
        "main",
        &[("postmortems/a.md", Some("# A\n- [ ] fix\n"))],
        "Start",
    );
    let head = fake.push(
        &repo(),
        "main",
        &[("postmortems/a.md", Some("# A\n- [x] fix\n"))],
        "Done",
    );

    let mut content = gh
        .repos("octo-org", "app")
        .get_content()
        .path("postmortems/a.md")
        .r#ref(base.as_str())
        .send()
        .await
        .unwrap();
    let items = content.take_items();
    assert_eq!(
        items[0].decoded_content().as_deref(),
        Some("# A\n- [ ] fix\n")
    );

    let commit = gh
        .commits("octo-org", "app")
        .get(head.as_str())
        .await
        .unwrap();
    assert_eq!(commit.sha, head);
    assert_eq!(commit.files.unwrap()[0].filename, "postmortems/a.md");
    let comparison = gh
        .commits("octo-org", "app")
        .compare(base.as_str(), head.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(comparison.ahead_by, 1);
    assert_eq!(comparison.files.unwrap().len(), 1);
    let comment = gh
        .commits("octo-org", "app")
        .create_comment(head.as_str(), "Unknown key `bogus`")
        .path("postmortems/a.md")
        .line(2u64)
        .send()
        .await
        .unwrap();
    assert_eq!(comment.commit_id, head);
    assert_eq!(fake.commit_comments(&repo()).len(), 1);

    let issues = gh.issues("octo-org", "app");
    let tracking = issues.create("Post-mortem: A").send().await.unwrap();
    let follow_up = issues.create("Fix it").send().await.unwrap();
    let parent = issues
        .add_sub_issue(tracking.number, follow_up.id, None)
        .await
        .unwrap();
    assert_eq!(parent.number, tracking.number);
    let children = issues
        .list_sub_issues(tracking.number)
        .send()
        .await
        .unwrap();
    assert_eq!(children.items[0].number, follow_up.number);
    let found = issues.get_parent_issue(follow_up.number).await.unwrap();
    assert_eq!(found.number, tracking.number);
    issues
        .remove_sub_issue(tracking.number, follow_up.id)
        .await
        .unwrap();
    assert!(
        fake.sub_issues(&repo(), IssueNumber(tracking.number))
            .is_empty()
    );
}
