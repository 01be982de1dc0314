//! Webhook payloads the fake builds from its state carry what GitHub's real deliveries carry:
//! every field path present in all of ../shared/fixtures/webhooks' examples of an event (three
//! levels deep) is present in ours with a compatible type. Without ../shared, the comparison
//! prints a notice; the signature test always runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, signature_header};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use serde_json::Value;

const FIXTURES: &str = "shared/fixtures/webhooks";
const DEPTH: usize = 3;

fn fixtures_dir() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(FIXTURES))
        .find(|candidate| candidate.is_dir())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn paths(value: &Value, prefix: &str, depth: usize, out: &mut BTreeMap<String, &'static str>) {
    if depth == 0 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone(), kind(inner));
                paths(inner, &path, depth - 1, out);
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                paths(first, &format!("{prefix}[]"), depth, out);
            }
        }
        _ => {}
    }
}

/// Paths every example of `prefix` (e.g. `issue_comment.created`) has, with their types.
fn required_paths(dir: &Path, prefix: &str) -> BTreeMap<String, &'static str> {
    let mut common: Option<BTreeMap<String, &'static str>> = None;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if !rest.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        let example: Value =
            serde_json::from_slice(&std::fs::read(dir.join(&name)).unwrap()).unwrap();
        let mut found = BTreeMap::new();
        paths(&example, "", DEPTH, &mut found);
        common = Some(match common {
            None => found,
            Some(before) => before
                .into_iter()
                .filter(|(p, _)| found.contains_key(p))
                .collect(),
        });
    }
    let common = common.unwrap_or_default();
    assert!(!common.is_empty(), "no examples of {prefix}");
    common
}

/// What `ours` lacks or types differently from GitHub's examples of `prefix`.
fn differences(dir: &Path, prefix: &str, ours: &Value) -> Vec<String> {
    let mut mine = BTreeMap::new();
    paths(ours, "", DEPTH, &mut mine);
    let mut problems = Vec::new();
    for (path, expected) in required_paths(dir, prefix) {
        // Which permissions an installation holds depends on the App, not on the format.
        if path.starts_with(".installation.permissions.") {
            continue;
        }
        // Below a null or an empty list of ours there is nothing to compare.
        let under_empty = mine.iter().any(|(p, k)| {
            let empty = *k == "null"
                || (*k == "array" && !mine.keys().any(|q| q.starts_with(&format!("{p}[]"))));
            empty && (path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}[]")))
        });
        match mine.get(&path) {
            None if under_empty => {}
            None => problems.push(format!("{prefix}: missing {path}")),
            Some(actual) if *actual != expected && *actual != "null" && expected != "null" => {
                problems.push(format!(
                    "{prefix}: {path} is {actual}, GitHub sends {expected}"
                ))
            }
            Some(_) => {}
        }
    }
    problems
}

#[tokio::test]
async fn payloads_carry_what_githubs_deliveries_carry() {
    let Some(dir) = fixtures_dir() else {
        eprintln!("NOTICE: skipping the webhook payload comparison: ../{FIXTURES} is not present");
        return;
    };
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    let app: RepoName = "octo-org/app".parse().unwrap();
    fake.add_installation(InstallationId(7), "octo-org");
    fake.add_repo(InstallationId(7), &app);
    let number = fake.add_issue(&app, "alice", "Post-mortem", "body");
    let comment = fake
        .add_comment(&app, number, "alice", "/postmortem")
        .unwrap();
    let first = fake.push(&app, "main", &[("postmortems/a.md", Some("# A\n"))], "Add");
    let second = fake.push(
        &app,
        "main",
        &[("postmortems/a.md", Some("# A\n- fix\n"))],
        "Edit",
    );
    let page = fake.write_wiki_page(&app, "Incident", "# I\n").unwrap();

    let built = [
        (
            "issue_comment.created",
            fake.issue_comment_event(&app, comment, "created"),
        ),
        (
            "issues.opened",
            fake.issues_event(&app, number, "opened", "alice"),
        ),
        (
            "push.event",
            fake.push_event(&app, "main", &first, &second, "alice"),
        ),
        (
            "gollum.event",
            fake.gollum_event(&app, &[("Incident", "edited", &page)], "alice"),
        ),
        (
            "installation.created",
            fake.installation_event(InstallationId(7), "created", "alice"),
        ),
        (
            "installation_repositories.added",
            fake.installation_repositories_event(
                InstallationId(7),
                "added",
                std::slice::from_ref(&app),
                "alice",
            ),
        ),
    ];
    let mut problems = Vec::new();
    for (prefix, payload) in built {
        problems.extend(differences(&dir, prefix, &payload.unwrap()));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn payloads_follow_the_state() {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    let app: RepoName = "octo-org/app".parse().unwrap();
    fake.add_repo(InstallationId(7), &app);
    let number = fake.add_issue(&app, "alice", "Post-mortem", "body");
    let comment = fake
        .add_comment(&app, number, "alice", "/postmortem")
        .unwrap();
    let event = fake.issue_comment_event(&app, comment, "created").unwrap();
    assert_eq!(event["installation"]["id"], 7);
    assert_eq!(event["comment"]["id"], comment);
    assert_eq!(event["comment"]["body"], "/postmortem");
    assert_eq!(event["issue"]["number"], number.0);
    assert_eq!(event["sender"]["login"], "alice");
    assert_eq!(event["repository"]["full_name"], "octo-org/app");

    let root = fake.push(
        &app,
        "main",
        &[("postmortems/a.md", Some("a")), ("x.md", Some("x"))],
        "One",
    );
    let next = fake.push(
        &app,
        "main",
        &[
            ("postmortems/a.md", Some("b")),
            ("x.md", None),
            ("y.md", Some("y")),
        ],
        "Two",
    );
    let push = fake
        .push_event(&app, "main", &"0".repeat(40), &next, "alice")
        .unwrap();
    assert_eq!(push["ref"], "refs/heads/main");
    assert_eq!(push["created"], true);
    assert_eq!(push["commits"].as_array().unwrap().len(), 2);
    let latest = &push["head_commit"];
    assert_eq!(latest["id"], next);
    assert_eq!(latest["modified"][0], "postmortems/a.md");
    assert_eq!(latest["removed"][0], "x.md");
    assert_eq!(latest["added"][0], "y.md");
    assert_eq!(push["repository"]["default_branch"], "main");
    let only_new = fake
        .push_event(&app, "main", &root, &next, "alice")
        .unwrap();
    assert_eq!(only_new["commits"].as_array().unwrap().len(), 1);

    assert!(
        fake.issues_event(&app, IssueNumber(99), "opened", "alice")
            .is_none()
    );
}

#[test]
fn signatures_match_githubs_documented_example() {
    // From GitHub's "Validating webhook deliveries" documentation.
    assert_eq!(
        signature_header(b"It's a Secret to Everybody", b"Hello, World!"),
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
}
