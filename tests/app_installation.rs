//! Installation events: the repositories the App sees, and uninstalling deletes the data.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::{Harness, INSTALLATION, MAINTAINER, repo};

fn installation_payload(action: &str, repos: &[&str]) -> serde_json::Value {
    json!({
        "action": action,
        "installation": {
            "id": INSTALLATION.0,
            "account": { "login": repo().owner(), "id": 1, "type": "Organization" },
            "app_id": 1,
            "target_type": "Organization",
        },
        "repositories": repos.iter().map(|r| json!({
            "id": 1, "node_id": "R_1", "full_name": r, "private": false,
            "name": r.split('/').nth(1).unwrap_or(r),
        })).collect::<Vec<_>>(),
        "sender": { "login": MAINTAINER, "id": 2, "type": "User" },
    })
}

#[tokio::test]
async fn installing_records_repositories_and_uninstalling_deletes_everything() {
    let h = Harness::start().await;
    let full_name = repo().to_string();
    let (status, _) = h
        .deliver(
            "installation",
            &installation_payload("created", &[&full_name, "octo-org/other"]),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    h.settle().await;
    let mut repos = h.app.store().list_repositories(INSTALLATION).await.unwrap();
    repos.sort();
    assert_eq!(repos.len(), 2);

    let removed = json!({
        "action": "removed",
        "installation": installation_payload("created", &[])["installation"].clone(),
        "repository_selection": "selected",
        "repositories_added": [],
        "repositories_removed": [{ "id": 2, "node_id": "R_2", "full_name": "octo-org/other", "name": "other", "private": false }],
        "sender": { "login": MAINTAINER, "id": 2, "type": "User" },
    });
    h.deliver("installation_repositories", &removed).await;
    h.settle().await;
    assert_eq!(
        h.app.store().list_repositories(INSTALLATION).await.unwrap(),
        vec![repo()]
    );

    // Some tracked state, then uninstall.
    let postmortem = h.open_issue(
        "Post-mortem",
        "## Action items\n\n- [ ] Rotate the deploy keys\n",
    );
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    assert_eq!(
        h.app.store().list_postmortems(&repo()).await.unwrap().len(),
        1
    );

    h.deliver(
        "installation",
        &installation_payload("deleted", &[&full_name]),
    )
    .await;
    h.settle().await;
    assert!(
        h.app
            .store()
            .list_repositories(INSTALLATION)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        h.app
            .store()
            .list_postmortems(&repo())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        h.app
            .store()
            .find_follow_up_by_issue(&repo(), h.follow_up_issues()[0].number)
            .await
            .unwrap()
            .is_none()
    );
}
