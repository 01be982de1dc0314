//! The fake against GitHub's published OpenAPI description: every route it serves exists there
//! with the same method, and its answers carry the fields and types the description requires.
//! The description lives in ../shared (optional): without it these tests print a notice and pass.
//! The router-consistency test needs nothing and always runs.

use std::path::{Path, PathBuf};

use http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, ManifestConversion};
use postmortem_bot::ids::{InstallationId, RepoName};
use serde_json::{Value, json};

const DESCRIPTION: &str = "shared/fixtures/github-openapi/api.github.com.json";

/// ../shared from the repository (or from a worktree's parent directories).
fn description_path() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(DESCRIPTION))
        .find(|candidate| candidate.is_file())
}

fn load_description() -> Option<Value> {
    let Some(path) = description_path() else {
        eprintln!("NOTICE: skipping the OpenAPI comparison: ../{DESCRIPTION} is not present");
        return None;
    };
    Some(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
}

#[test]
fn every_served_route_exists_in_githubs_description() {
    let Some(description) = load_description() else {
        return;
    };
    let paths = description["paths"].as_object().unwrap();
    let served = FakeGitHub::served_routes();
    assert!(
        served.len() >= 20,
        "the fake serves {} routes",
        served.len()
    );
    let missing: Vec<String> = served
        .iter()
        .filter(|(method, path)| {
            paths
                .get(*path)
                .and_then(|operations| operations.get(method.to_ascii_lowercase()))
                .is_none()
        })
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "not in GitHub's description: {missing:#?}"
    );
}

/// Concrete values for the placeholders of a route, for the world built in `world()`.
fn concrete(path: &str) -> String {
    path.replace("{owner}", "octo-org")
        .replace("{repo}", "app")
        .replace("{installation_id}", "7")
        .replace("{issue_number}", "1")
        .replace("{username}", "alice")
        .replace("{assignee}", "alice")
        .replace("{name}", "bug")
        .replace("{code}", "code")
        .replace("{path}", "README.md")
        .replace("{basehead}", "main...main")
        .replace("{ref}", "main")
        .replace("{commit_sha}", "main")
        .replace("{comment_id}", "1")
}

fn app_jwt() -> String {
    let now = chrono::Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/test-app-key.pem")).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &json!({ "iss": 1, "iat": now - 60, "exp": now + 540 }),
        &key,
    )
    .unwrap()
}

async fn world() -> (FakeGitHub, RepoName) {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    let repo: RepoName = "octo-org/app".parse().unwrap();
    fake.add_installation(InstallationId(7), "octo-org");
    fake.add_repo(InstallationId(7), &repo);
    fake.set_permission(&repo, "alice", "write");
    fake.push(&repo, "main", &[("README.md", Some("hi"))], "Start");
    (fake, repo)
}

#[tokio::test]
async fn every_served_route_is_routed_under_its_own_name() {
    let (fake, _) = world().await;
    let token = fake.issue_token(InstallationId(7));
    let client = reqwest::Client::new();
    for (method, path) in FakeGitHub::served_routes() {
        let auth = if path.starts_with("/app") {
            format!("Bearer {}", app_jwt())
        } else {
            format!("token {token}")
        };
        let url = format!("{}{}", fake.url(), concrete(path));
        let response = client
            .request(method.parse::<Method>().unwrap(), url)
            .header("authorization", auth)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_ne!(response.status(), 405, "{method} {path}");
        let recorded = fake.requests().pop().unwrap();
        assert_eq!(recorded.route.as_deref(), Some(*path), "{method} {path}");
    }
}

// ---- answers against the described schemas ---------------------------------------------------

struct Checker<'a> {
    root: &'a Value,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut schema = schema;
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = reference.trim_start_matches('#');
            schema = self.root.pointer(pointer).unwrap_or(&Value::Null);
        }
        schema
    }

    /// Problems with `value` against `schema`, each prefixed with where it is.
    fn problems(&self, schema: &Value, value: &Value, at: &str, depth: usize) -> Vec<String> {
        let schema = self.resolve(schema);
        if depth > 12 || schema.is_null() {
            return Vec::new();
        }
        let mut found = Vec::new();
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                found.extend(self.problems(part, value, at, depth + 1));
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let attempts: Vec<Vec<String>> = options
                    .iter()
                    .map(|o| self.problems(o, value, at, depth + 1))
                    .collect();
                if !attempts.iter().any(Vec::is_empty) {
                    found.push(format!(
                        "{at}: fits none of its {key} options: {attempts:?}"
                    ));
                }
            }
        }
        if value.is_null() {
            let nullable = schema.get("nullable") == Some(&Value::Bool(true))
                || schema.get("type").is_none()
                || schema["type"] == "null";
            if !nullable {
                found.push(format!(
                    "{at}: null where the description does not allow it"
                ));
            }
            return found;
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let type_ok = match ty {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !type_ok {
            found.push(format!("{at}: expected {}, got {value}", ty.unwrap_or("?")));
            return found;
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            found.push(format!("{at}: {value} is not one of {options:?}"));
        }
        if let Some(object) = value.as_object() {
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for field in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(field) {
                        found.push(format!("{at}: missing required `{field}`"));
                    }
                }
            }
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (field, sub) in properties {
                    if let Some(inner) = object.get(field) {
                        found.extend(self.problems(
                            sub,
                            inner,
                            &format!("{at}.{field}"),
                            depth + 1,
                        ));
                    }
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, item) in array.iter().enumerate().take(3) {
                found.extend(self.problems(items, item, &format!("{at}[{i}]"), depth + 1));
            }
        }
        found
    }

    fn check(&mut self, method: &str, route: &str, status: u16, body: &Value) {
        let schema = self.root["paths"][route][method.to_ascii_lowercase()]["responses"]
            [status.to_string()]["content"]["application/json"]["schema"]
            .clone();
        if schema.is_null() {
            self.errors.push(format!(
                "{method} {route}: no {status} JSON response is described"
            ));
            return;
        }
        let problems = self.problems(&schema, body, &format!("{method} {route}"), 0);
        self.errors.extend(problems);
    }
}

#[tokio::test]
async fn answers_carry_the_described_fields() {
    let Some(description) = load_description() else {
        return;
    };
    let (fake, repo) = world().await;
    fake.add_issue(
        &repo,
        "alice",
        "Post-mortem: outage",
        "## Follow-ups\n- fix it",
    );
    fake.register_manifest_code(
        "code",
        ManifestConversion::new(42, "pm-bot", "-----BEGIN RSA PRIVATE KEY-----"),
    );
    let token = format!("token {}", fake.issue_token(InstallationId(7)));
    let jwt = format!("Bearer {}", app_jwt());
    let client = reqwest::Client::new();
    let mut checker = Checker {
        root: &description,
        errors: Vec::new(),
    };
    let comment = fake
        .add_comment(
            &repo,
            postmortem_bot::ids::IssueNumber(1),
            "alice",
            "/postmortem",
        )
        .unwrap();
    let base = fake.push(
        &repo,
        "main",
        &[
            ("postmortems/a.md", Some("# A\n")),
            ("README.md", Some("hi")),
        ],
        "Start",
    );
    let head = fake.push(
        &repo,
        "main",
        &[("postmortems/a.md", Some("# A\n- fix\n"))],
        "Edit",
    );
    let child = fake.add_issue(&repo, "alice", "Follow-up", "");
    let child_id = fake.issue(&repo, child).unwrap().id;
    let calls: Vec<(&str, &str, String, &str, Option<Value>)> = vec![
        ("GET", "/app", "/app".into(), &jwt, None),
        (
            "GET",
            "/app/installations",
            "/app/installations".into(),
            &jwt,
            None,
        ),
        (
            "GET",
            "/app/installations/{installation_id}",
            "/app/installations/7".into(),
            &jwt,
            None,
        ),
        (
            "POST",
            "/app/installations/{installation_id}/access_tokens",
            "/app/installations/7/access_tokens".into(),
            &jwt,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/installation",
            "/repos/octo-org/app/installation".into(),
            &jwt,
            None,
        ),
        (
            "POST",
            "/app-manifests/{code}/conversions",
            "/app-manifests/code/conversions".into(),
            "",
            None,
        ),
        (
            "GET",
            "/installation/repositories",
            "/installation/repositories".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}",
            "/repos/octo-org/app".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
            "/repos/octo-org/app/collaborators/alice/permission".into(),
            &token,
            None,
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/issues",
            "/repos/octo-org/app/issues".into(),
            &token,
            Some(
                json!({ "title": "Fix it", "body": "b", "labels": ["follow-up"], "assignees": ["alice"] }),
            ),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/octo-org/app/issues/2".into(),
            &token,
            None,
        ),
        (
            "PATCH",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/octo-org/app/issues/2".into(),
            &token,
            Some(json!({ "state": "closed" })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues",
            "/repos/octo-org/app/issues?state=all".into(),
            &token,
            None,
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "/repos/octo-org/app/issues/1/comments".into(),
            &token,
            Some(json!({ "body": "done" })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "/repos/octo-org/app/issues/1/comments".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            format!("/repos/octo-org/app/issues/comments/{comment}"),
            &token,
            None,
        ),
        (
            "PATCH",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            format!("/repos/octo-org/app/issues/comments/{comment}"),
            &token,
            Some(json!({ "body": "edited" })),
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            format!("/repos/octo-org/app/issues/comments/{comment}/reactions"),
            &token,
            Some(json!({ "content": "eyes" })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            format!("/repos/octo-org/app/issues/comments/{comment}/reactions"),
            &token,
            None,
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/labels",
            "/repos/octo-org/app/labels".into(),
            &token,
            Some(json!({ "name": "stale", "color": "fbca04" })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/labels/{name}",
            "/repos/octo-org/app/labels/stale".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/labels",
            "/repos/octo-org/app/labels".into(),
            &token,
            None,
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            "/repos/octo-org/app/issues/1/labels".into(),
            &token,
            Some(json!({ "labels": ["stale"] })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            "/repos/octo-org/app/issues/1/labels".into(),
            &token,
            None,
        ),
        (
            "DELETE",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            "/repos/octo-org/app/issues/1/labels/stale".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/contents/{path}",
            "/repos/octo-org/app/contents/postmortems/a.md".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/commits/{ref}",
            format!("/repos/octo-org/app/commits/{head}"),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/compare/{basehead}",
            format!("/repos/octo-org/app/compare/{base}...{head}"),
            &token,
            None,
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
            format!("/repos/octo-org/app/commits/{head}/comments"),
            &token,
            Some(json!({ "body": "bad config", "path": "README.md", "line": 1 })),
        ),
        (
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
            "/repos/octo-org/app/issues/1/sub_issues".into(),
            &token,
            Some(json!({ "sub_issue_id": child_id })),
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
            "/repos/octo-org/app/issues/1/sub_issues".into(),
            &token,
            None,
        ),
        (
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/parent",
            format!("/repos/octo-org/app/issues/{child}/parent"),
            &token,
            None,
        ),
        (
            "DELETE",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
            "/repos/octo-org/app/issues/1/sub_issue".into(),
            &token,
            Some(json!({ "sub_issue_id": child_id })),
        ),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for (method, route, path, auth, body) in calls {
        let mut request = client.request(
            method.parse::<Method>().unwrap(),
            format!("{}{path}", fake.url()),
        );
        if !auth.is_empty() {
            request = request.header("authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        assert!(status < 300, "{method} {path}: {status}");
        let body: Value = response.json().await.unwrap();
        checker.check(method, route, status, &body);
        checked.insert((method, route));
    }
    // The description's inline schema for this list says `allOf` (user AND enterprise) where
    // the single-installation schema says `anyOf`; GitHub answers with a plain user.
    let quirk = "GET /app/installations[0].account: missing required";
    checker.errors.retain(|e| !e.starts_with(quirk));
    assert!(checker.errors.is_empty(), "{:#?}", checker.errors);

    // Every served route whose answer has a JSON body was compared.
    let unchecked: Vec<_> = FakeGitHub::served_routes()
        .iter()
        .filter(|(m, r)| !checked.contains(&(*m, *r)))
        .filter(|(_, r)| !r.contains("/assignees/"))
        .collect();
    assert!(
        unchecked.is_empty(),
        "answers never compared: {unchecked:#?}"
    );
}
