//! The fake's repository side: contents at a ref, commits and comparisons, commit comments,
//! sub-issues, wikis served over git smart HTTP, and seeding from JSON.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, Seed};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use reqwest::StatusCode;
use serde_json::{Value, json};

const INSTALLATION: InstallationId = InstallationId(7);

fn repo(name: &str) -> RepoName {
    name.parse().unwrap()
}

async fn world() -> (FakeGitHub, String) {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    fake.add_installation(INSTALLATION, "octo-org");
    fake.add_repo(INSTALLATION, &repo("octo-org/app"));
    fake.add_repo(InstallationId(8), &repo("other-org/secret"));
    let token = fake.issue_token(INSTALLATION);
    (fake, token)
}

async fn get(fake: &FakeGitHub, token: &str, path: &str) -> (StatusCode, Value) {
    send(fake, token, Method::GET, path, None).await
}

async fn send(
    fake: &FakeGitHub,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", fake.url()))
        .header("authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn decode(content: &Value) -> String {
    let packed: String = content.as_str().unwrap().split('\n').collect();
    String::from_utf8(STANDARD.decode(packed).unwrap()).unwrap()
}

#[tokio::test]
async fn contents_are_served_at_any_ref() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let first = fake.push(
        &app,
        "main",
        &[
            (
                "postmortems/2024-05-outage.md",
                Some("# Outage\n- [ ] fix\n"),
            ),
            ("README.md", Some("hi")),
        ],
        "Add post-mortem",
    );
    let second = fake.push(
        &app,
        "main",
        &[(
            "postmortems/2024-05-outage.md",
            Some("# Outage\n- [x] fix\n"),
        )],
        "Done",
    );

    let (status, file) = get(
        &fake,
        &token,
        "/repos/octo-org/app/contents/postmortems/2024-05-outage.md",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["type"], "file");
    assert_eq!(file["encoding"], "base64");
    assert_eq!(file["path"], "postmortems/2024-05-outage.md");
    assert_eq!(file["name"], "2024-05-outage.md");
    assert_eq!(
        decode(&file["content"]),
        "# Outage\n- [x] fix\n",
        "the default branch's head"
    );
    assert_eq!(file["sha"].as_str().unwrap().len(), 40);

    let (_, old) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/contents/postmortems/2024-05-outage.md?ref={first}"),
    )
    .await;
    assert_eq!(decode(&old["content"]), "# Outage\n- [ ] fix\n");
    assert_ne!(old["sha"], file["sha"]);
    let (_, short) = get(
        &fake,
        &token,
        &format!(
            "/repos/octo-org/app/contents/README.md?ref={}",
            &second[..7]
        ),
    )
    .await;
    assert_eq!(
        decode(&short["content"]),
        "hi",
        "an abbreviated sha resolves"
    );

    let (status, listing) = get(&fake, &token, "/repos/octo-org/app/contents/postmortems").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listing[0]["name"], "2024-05-outage.md");
    assert_eq!(listing[0]["type"], "file");

    assert_eq!(
        get(&fake, &token, "/repos/octo-org/app/contents/missing.md")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(
            &fake,
            &token,
            "/repos/octo-org/app/contents/README.md?ref=nope"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&fake, &token, "/repos/other-org/secret/contents/README.md")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fake.file(&app, &first, "postmortems/2024-05-outage.md")
            .unwrap(),
        "# Outage\n- [ ] fix\n"
    );
}

#[tokio::test]
async fn commits_and_comparisons_list_changed_files() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let base = fake.push(
        &app,
        "main",
        &[
            ("postmortems/a.md", Some("one\n")),
            ("postmortems/b.md", Some("b\n")),
        ],
        "Start",
    );
    let middle = fake.push_as(
        &app,
        "main",
        "alice",
        &[("postmortems/a.md", Some("one\ntwo\n"))],
        "Edit a",
    );
    let head = fake.push(
        &app,
        "main",
        &[
            ("postmortems/b.md", None),
            ("postmortems/c.md", Some("c\n")),
        ],
        "Swap b for c",
    );
    assert_eq!(fake.head(&app, "main").as_deref(), Some(head.as_str()));

    let (status, commit) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/commits/{middle}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(commit["sha"], middle);
    assert_eq!(commit["commit"]["message"], "Edit a");
    assert_eq!(commit["author"]["login"], "alice");
    assert_eq!(commit["parents"][0]["sha"], base);
    assert_eq!(commit["files"].as_array().unwrap().len(), 1);
    assert_eq!(commit["files"][0]["filename"], "postmortems/a.md");
    assert_eq!(commit["files"][0]["status"], "modified");
    assert_eq!(commit["files"][0]["additions"], 1);

    let (_, by_branch) = get(&fake, &token, "/repos/octo-org/app/commits/main").await;
    assert_eq!(by_branch["sha"], head);

    let (status, compare) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/compare/{base}...{head}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(compare["status"], "ahead");
    assert_eq!(compare["ahead_by"], 2);
    assert_eq!(compare["behind_by"], 0);
    let shas: Vec<&str> = compare["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    assert_eq!(shas, [middle.as_str(), head.as_str()], "oldest first");
    let files: Vec<(&str, &str)> = compare["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["filename"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("postmortems/a.md", "modified"),
            ("postmortems/b.md", "removed"),
            ("postmortems/c.md", "added")
        ]
    );

    let (_, backwards) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/compare/{head}...{base}"),
    )
    .await;
    assert_eq!(backwards["status"], "behind");
    let (_, same) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/compare/{head}...main"),
    )
    .await;
    assert_eq!(same["status"], "identical");
    assert_eq!(
        get(&fake, &token, "/repos/octo-org/app/compare/0000000...main")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(
            &fake,
            &token,
            "/repos/octo-org/app/commits/deadbeefdeadbeef"
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn commit_comments_are_kept() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let sha = fake.push(
        &app,
        "main",
        &[(".github/postmortem.yml", Some("labels: [x]\nbogus: 1\n"))],
        "Config",
    );
    let (status, comment) = send(
        &fake,
        &token,
        Method::POST,
        &format!("/repos/octo-org/app/commits/{sha}/comments"),
        Some(json!({ "body": "Unknown key `bogus` on line 2", "path": ".github/postmortem.yml", "line": 2 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(comment["commit_id"], sha);
    assert_eq!(comment["user"]["login"], "postmortem-bot[bot]");
    let stored = fake.commit_comments(&app);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].path.as_deref(), Some(".github/postmortem.yml"));
    assert_eq!(stored[0].line, Some(2));
    assert!(stored[0].body.contains("bogus"));
    let (missing, _) = send(
        &fake,
        &token,
        Method::POST,
        "/repos/octo-org/app/commits/abcdef1234567/comments",
        Some(json!({ "body": "x" })),
    )
    .await;
    assert_eq!(missing, StatusCode::UNPROCESSABLE_ENTITY);
    let (empty, _) = send(
        &fake,
        &token,
        Method::POST,
        &format!("/repos/octo-org/app/commits/{sha}/comments"),
        Some(json!({})),
    )
    .await;
    assert_eq!(empty, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sub_issues_attach_by_id_under_one_parent() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let tracking = fake.add_issue(&app, "alice", "Post-mortem", "");
    let other = fake.add_issue(&app, "alice", "Another post-mortem", "");
    let child = fake.add_issue(&app, "alice", "Follow-up", "");
    let child_id = fake.issue(&app, child).unwrap().id;
    assert_ne!(
        child_id, child.0,
        "ids and numbers differ, so mixing them up is caught"
    );

    let path = format!("/repos/octo-org/app/issues/{tracking}/sub_issues");
    let by_number = send(
        &fake,
        &token,
        Method::POST,
        &path,
        Some(json!({ "sub_issue_id": child.0 })),
    )
    .await;
    assert_eq!(by_number.0, StatusCode::NOT_FOUND, "a number is not an id");
    let (status, parent) = send(
        &fake,
        &token,
        Method::POST,
        &path,
        Some(json!({ "sub_issue_id": child_id })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(parent["number"], tracking.0);
    assert_eq!(parent["sub_issues_summary"]["total"], 1);
    let again = send(
        &fake,
        &token,
        Method::POST,
        &path,
        Some(json!({ "sub_issue_id": child_id })),
    )
    .await;
    assert_eq!(again.0, StatusCode::UNPROCESSABLE_ENTITY);
    let elsewhere = format!("/repos/octo-org/app/issues/{other}/sub_issues");
    let second_parent = send(
        &fake,
        &token,
        Method::POST,
        &elsewhere,
        Some(json!({ "sub_issue_id": child_id })),
    )
    .await;
    assert_eq!(second_parent.0, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, listed) = get(&fake, &token, &path).await;
    assert_eq!(listed[0]["number"], child.0);
    assert_eq!(fake.sub_issues(&app, tracking), [(app.clone(), child)]);
    let (_, found) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/issues/{child}/parent"),
    )
    .await;
    assert_eq!(found["number"], tracking.0);
    let (_, child_json) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/issues/{child}"),
    )
    .await;
    assert!(
        child_json["parent_issue_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/issues/{tracking}"))
    );

    fake.set_issue_state(&app, child, false, "alice");
    let (_, summary) = get(
        &fake,
        &token,
        &format!("/repos/octo-org/app/issues/{tracking}"),
    )
    .await;
    assert_eq!(summary["sub_issues_summary"]["completed"], 1);
    assert_eq!(summary["sub_issues_summary"]["percent_completed"], 100);

    let moved = send(
        &fake,
        &token,
        Method::POST,
        &elsewhere,
        Some(json!({ "sub_issue_id": child_id, "replace_parent": true })),
    )
    .await;
    assert_eq!(moved.0, StatusCode::CREATED);
    assert!(fake.sub_issues(&app, tracking).is_empty());
    let (status, _) = send(
        &fake,
        &token,
        Method::DELETE,
        &format!("/repos/octo-org/app/issues/{other}/sub_issue"),
        Some(json!({ "sub_issue_id": child_id })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(fake.sub_issues(&app, other).is_empty());
    assert!(fake.issue(&app, child).unwrap().parent.is_none());
}

/// Runs git with no user configuration and no prompting; returns (success, stdout+stderr).
async fn git(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn basic_auth_header(token: &str) -> String {
    format!(
        "http.extraHeader=Authorization: Basic {}",
        STANDARD.encode(format!("x-access-token:{token}"))
    )
}

#[tokio::test]
async fn wikis_clone_and_fetch_over_smart_http_with_the_installation_token() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let first = fake
        .write_wiki_page(&app, "Incident 2024-05 Outage", "# Outage\n- [ ] fix\n")
        .unwrap();
    assert_eq!(first.len(), 40);
    let url = fake.wiki_clone_url(&app);
    assert!(url.ends_with("/git/octo-org/app.wiki.git"));
    let scratch = tempfile::tempdir().unwrap();

    let (ok, log) = git(
        scratch.path(),
        &[
            "-c",
            &basic_auth_header(&token),
            "clone",
            "--quiet",
            &url,
            "wiki",
        ],
    )
    .await;
    assert!(ok, "{log}");
    let page = scratch.path().join("wiki/Incident-2024-05-Outage.md");
    assert_eq!(
        std::fs::read_to_string(&page).unwrap(),
        "# Outage\n- [ ] fix\n"
    );

    // An edit on GitHub, then a fetch of the cached clone (credentials in the URL this time,
    // which git only sends after the 401 challenge).
    let second = fake
        .write_wiki_page(&app, "Incident 2024-05 Outage", "# Outage\n- [x] fix\n")
        .unwrap();
    let with_credentials = url.replace("http://", &format!("http://x-access-token:{token}@"));
    let clone = scratch.path().join("wiki");
    let (ok, log) = git(&clone, &["fetch", "--quiet", &with_credentials, "master"]).await;
    assert!(ok, "{log}");
    let (_, fetched) = git(&clone, &["rev-parse", "FETCH_HEAD"]).await;
    assert_eq!(fetched.trim(), second);
    let (_, text) = git(&clone, &["show", "FETCH_HEAD:Incident-2024-05-Outage.md"]).await;
    assert_eq!(text, "# Outage\n- [x] fix\n");

    let (ok, _) = git(scratch.path(), &["clone", "--quiet", &url, "anonymous"]).await;
    assert!(!ok, "no credentials, no wiki");
    let (ok, _) = git(
        scratch.path(),
        &[
            "-c",
            &basic_auth_header("ghs_wrong"),
            "clone",
            "--quiet",
            &url,
            "wrong",
        ],
    )
    .await;
    assert!(!ok, "a bad token is refused");
    let outsider = fake.issue_token(InstallationId(8));
    let (ok, _) = git(
        scratch.path(),
        &[
            "-c",
            &basic_auth_header(&outsider),
            "clone",
            "--quiet",
            &url,
            "outsider",
        ],
    )
    .await;
    assert!(!ok, "another installation's token does not reach this wiki");

    let statuses: Vec<(String, u16)> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/git/"))
        .map(|r| (r.route.unwrap_or_default(), r.status))
        .collect();
    assert!(statuses.contains(&("/git/{owner}/{repo}.wiki.git/info/refs".to_string(), 200)));
    assert!(statuses.contains(&(
        "/git/{owner}/{repo}.wiki.git/git-upload-pack".to_string(),
        200
    )));
    assert!(statuses.iter().any(|(_, s)| *s == 401));
    assert!(statuses.iter().any(|(_, s)| *s == 404));
}

#[tokio::test]
async fn a_repository_without_a_wiki_serves_none() {
    let (fake, token) = world().await;
    let app = repo("octo-org/app");
    let url = fake.wiki_clone_url(&app);
    let scratch = tempfile::tempdir().unwrap();
    let (ok, _) = git(
        scratch.path(),
        &[
            "-c",
            &basic_auth_header(&token),
            "clone",
            "--quiet",
            &url,
            "none",
        ],
    )
    .await;
    assert!(!ok, "no page was ever written");
    fake.write_wiki_page(&app, "Home", "hello").unwrap();
    fake.set_has_wiki(&app, false);
    let (ok, _) = git(
        scratch.path(),
        &[
            "-c",
            &basic_auth_header(&token),
            "clone",
            "--quiet",
            &url,
            "disabled",
        ],
    )
    .await;
    assert!(!ok, "the wiki is switched off");
}

#[tokio::test]
async fn a_seed_file_builds_the_world() {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    let seed: Seed = serde_json::from_value(json!({
        "installations": [{ "id": 7, "account": "octo-org", "repos": ["octo-org/app"] }],
        "permissions": [{ "repo": "octo-org/app", "login": "alice", "permission": "write" }],
        "issues": [{ "repo": "octo-org/app", "author": "alice", "title": "Outage", "body": "## Follow-ups" }],
        "files": [{ "repo": "octo-org/app", "path": "postmortems/a.md", "content": "# A\n" }],
        "wiki_pages": [{ "repo": "octo-org/app", "page": "Incident", "content": "# I\n" }],
    }))
    .unwrap();
    fake.seed(&seed).unwrap();
    let app = repo("octo-org/app");
    assert_eq!(fake.issue(&app, IssueNumber(1)).unwrap().title, "Outage");
    assert_eq!(
        fake.file(&app, "main", "postmortems/a.md").as_deref(),
        Some("# A\n")
    );
    let token = fake.issue_token(INSTALLATION);
    let (_, permission) = get(
        &fake,
        &token,
        "/repos/octo-org/app/collaborators/alice/permission",
    )
    .await;
    assert_eq!(permission["permission"], "write");

    let typo = serde_json::from_value::<Seed>(json!({ "instalations": [] }));
    assert!(typo.is_err(), "unknown keys are refused");
}
