//! Webhook decoding against GitHub's published example payloads and small hand-written ones.

use std::path::{Path, PathBuf};

use postmortem_bot::github::webhook::{self, SignatureError, WebhookEvent};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};

/// `../shared` beside the checkout; worktrees kept one level deeper (`wt/<name>`) look one further up.
fn fixtures_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [root.join("../shared"), root.join("../../shared")];
    let shared = candidates
        .iter()
        .find(|dir| dir.is_dir())
        .unwrap_or(&candidates[0]);
    shared.join("fixtures/webhooks")
}

#[test]
fn every_shared_fixture_decodes() {
    let dir = fixtures_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "NOTICE: {} is absent; the shared webhook fixtures were not checked",
            dir.display()
        );
        return;
    };
    let mut decoded = 0;
    let mut handled = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !file.ends_with(".json") {
            continue;
        }
        let event = file.split('.').next().unwrap();
        let body = std::fs::read(&path).unwrap();
        let decoded_event =
            webhook::decode(event, &body).unwrap_or_else(|e| panic!("{file} does not decode: {e}"));
        assert_eq!(decoded_event.event_name(), event, "{file}");
        if !matches!(decoded_event, WebhookEvent::Other { .. }) {
            handled += 1;
        }
        // The decoded event is a job payload: it must survive a round trip through JSON.
        let stored = serde_json::to_string(&decoded_event).unwrap();
        let restored: WebhookEvent = serde_json::from_str(&stored).unwrap();
        assert_eq!(restored, decoded_event, "{file}");
        decoded += 1;
    }
    assert!(decoded > 0, "no fixtures found in {}", dir.display());
    assert!(handled > 0, "no fixture was an event we handle");
}

#[test]
fn shared_fixture_details_are_read() {
    let dir = fixtures_dir();
    let Ok(body) = std::fs::read(dir.join("issue_comment.created.4.json")) else {
        eprintln!(
            "NOTICE: {} is absent; fixture details not checked",
            dir.display()
        );
        return;
    };
    let WebhookEvent::IssueComment(e) = webhook::decode("issue_comment", &body).unwrap() else {
        panic!("not an issue comment");
    };
    assert_eq!(e.installation, Some(InstallationId(1)));
    assert_eq!(e.repo, RepoName::new("Codertocat", "Hello-World"));
    assert_eq!(e.issue.number, IssueNumber(1));
    assert_eq!(e.comment.id, 492700400);
    assert_eq!(e.issue.labels, vec!["bug".to_string()]);
    assert!(!e.issue.is_pull_request);
    assert!(!e.sender.is_bot);

    let Ok(body) = std::fs::read(dir.join("issues.milestoned.1.json")) else {
        return;
    };
    let WebhookEvent::Issues(e) = webhook::decode("issues", &body).unwrap() else {
        panic!("not an issues event");
    };
    assert!(e.issue.is_pull_request);
}

fn comment_payload(comment_user: &str, comment_type: &str) -> String {
    format!(
        r#"{{
          "action": "created",
          "installation": {{"id": 42}},
          "repository": {{"full_name": "acme/api", "default_branch": "main"}},
          "issue": {{
            "number": 7, "title": "Outage 2024-03-01", "body": null, "state": "open",
            "user": {{"login": "alice", "type": "User"}},
            "html_url": "https://github.com/acme/api/issues/7",
            "labels": [{{"name": "incident"}}]
          }},
          "comment": {{
            "id": 99, "body": "/postmortem",
            "user": {{"login": "{comment_user}", "type": "{comment_type}"}},
            "html_url": "https://github.com/acme/api/issues/7#issuecomment-99"
          }},
          "sender": {{"login": "{comment_user}", "type": "{comment_type}"}}
        }}"#
    )
}

#[test]
fn an_issue_comment_keeps_what_the_app_needs() {
    let event =
        webhook::decode("issue_comment", comment_payload("alice", "User").as_bytes()).unwrap();
    assert_eq!(event.installation(), Some(InstallationId(42)));
    let WebhookEvent::IssueComment(e) = event else {
        panic!("wrong variant");
    };
    assert_eq!(e.action, "created");
    assert_eq!(e.repo.to_string(), "acme/api");
    assert_eq!(e.issue.number, IssueNumber(7));
    assert_eq!(e.issue.body, None);
    assert_eq!(e.issue.state, "open");
    assert_eq!(e.issue.labels, vec!["incident".to_string()]);
    assert_eq!(e.comment.body, "/postmortem");
    assert_eq!(e.comment.user.login, "alice");
    assert!(!e.comment.user.is_bot);
}

#[test]
fn bot_authors_are_flagged() {
    for (login, kind) in [("postmortem-bot[bot]", "Bot"), ("renovate[bot]", "User")] {
        let event =
            webhook::decode("issue_comment", comment_payload(login, kind).as_bytes()).unwrap();
        let WebhookEvent::IssueComment(e) = event else {
            panic!("wrong variant");
        };
        assert!(e.comment.user.is_bot, "{login}");
        assert!(e.sender.is_bot, "{login}");
    }
}

#[test]
fn missing_required_fields_are_decode_errors() {
    let without_comment = r#"{"action":"created","repository":{"full_name":"a/b"},
        "issue":{"number":1,"title":"t","user":{"login":"u"},"html_url":"h"},
        "sender":{"login":"u"}}"#;
    let err = webhook::decode("issue_comment", without_comment.as_bytes()).unwrap_err();
    assert_eq!(err.event, "issue_comment");
    assert!(err.reason.contains("comment"), "{}", err.reason);

    let bad_repo = comment_payload("alice", "User").replace("acme/api", "not-a-repo");
    assert!(webhook::decode("issue_comment", bad_repo.as_bytes()).is_err());
    assert!(webhook::decode("push", b"{}").is_err());
    assert!(webhook::decode("issues", b"not json").is_err());
    assert!(webhook::decode("ping", b"[1,2]").is_err());
    // Even an event we ignore must be JSON.
    assert!(webhook::decode("star", b"<html>").is_err());
}

#[test]
fn unhandled_events_are_acknowledged_as_other() {
    let event = webhook::decode("star", br#"{"action":"created"}"#).unwrap();
    assert_eq!(
        event,
        WebhookEvent::Other {
            event: "star".into()
        }
    );
    assert_eq!(event.installation(), None);
    assert_eq!(
        webhook::decode("ping", br#"{"zen":"hi"}"#).unwrap(),
        WebhookEvent::Ping
    );
}

#[test]
fn push_gollum_and_installation_events_decode() {
    let push = r#"{"ref":"refs/heads/main","before":"a1","after":"b2",
        "installation":{"id":5},
        "repository":{"full_name":"acme/api","default_branch":"main"},
        "commits":[{"id":"b2","added":["postmortems/x.md"],"modified":[],"removed":["old.md"]}],
        "sender":{"login":"alice","type":"User"}}"#;
    let WebhookEvent::Push(p) = webhook::decode("push", push.as_bytes()).unwrap() else {
        panic!("wrong variant");
    };
    assert!(p.is_to_default_branch());
    assert_eq!(p.commits[0].added, vec!["postmortems/x.md".to_string()]);
    assert_eq!(p.commits[0].removed, vec!["old.md".to_string()]);

    let gollum = r#"{"installation":{"id":5},"repository":{"full_name":"acme/api"},
        "pages":[{"page_name":"Outage-1","title":"Outage 1","action":"edited","sha":"abc",
                  "html_url":"https://github.com/acme/api/wiki/Outage-1"}],
        "sender":{"login":"alice"}}"#;
    let WebhookEvent::Gollum(g) = webhook::decode("gollum", gollum.as_bytes()).unwrap() else {
        panic!("wrong variant");
    };
    assert_eq!(g.pages[0].page_name, "Outage-1");
    assert_eq!(g.installation, Some(InstallationId(5)));

    let added = r#"{"action":"added","installation":{"id":9,"account":{"login":"acme"}},
        "repositories_added":[{"full_name":"acme/api"}],"repositories_removed":[]}"#;
    let event = webhook::decode("installation_repositories", added.as_bytes()).unwrap();
    assert_eq!(event.installation(), Some(InstallationId(9)));
    let WebhookEvent::InstallationRepositories(r) = event else {
        panic!("wrong variant");
    };
    assert_eq!(r.account, "acme");
    assert_eq!(r.added, vec![RepoName::new("acme", "api")]);
    assert!(r.removed.is_empty());

    let suspended = r#"{"action":"suspend","installation":{"id":9,"account":{"slug":"big-co"}}}"#;
    let WebhookEvent::Installation(i) =
        webhook::decode("installation", suspended.as_bytes()).unwrap()
    else {
        panic!("wrong variant");
    };
    assert_eq!(i.account, "big-co");
    assert!(i.repositories.is_empty());
}

#[test]
fn signature_checks_through_the_public_api() {
    use hmac::{Hmac, Mac};
    let body = comment_payload("alice", "User");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"hook-secret").unwrap();
    mac.update(body.as_bytes());
    let header = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(
        webhook::verify_signature(b"hook-secret", body.as_bytes(), Some(&header)),
        Ok(())
    );
    assert_eq!(
        webhook::verify_signature(b"wrong", body.as_bytes(), Some(&header)),
        Err(SignatureError::Mismatch)
    );
    let tampered = body.replace("/postmortem", "/postmortem help");
    assert_eq!(
        webhook::verify_signature(b"hook-secret", tampered.as_bytes(), Some(&header)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify_signature(b"hook-secret", body.as_bytes(), None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        webhook::verify_signature(b"hook-secret", body.as_bytes(), Some("sha256 = nope")),
        Err(SignatureError::Malformed)
    );
}
