//! Webhook payloads shaped like GitHub's, built from the few facts a test cares about.

use serde_json::{Value, json};

pub fn user(login: &str) -> Value {
    let kind = if login.ends_with("[bot]") { "Bot" } else { "User" };
    json!({
        "login": login,
        "id": login.bytes().map(u64::from).sum::<u64>(),
        "node_id": format!("U_{login}"),
        "type": kind,
        "site_admin": false,
        "html_url": format!("https://github.com/{login}"),
    })
}

pub fn repository(full_name: &str) -> Value {
    let (owner, name) = full_name.split_once('/').unwrap_or(("octo", full_name));
    json!({
        "id": 1296269,
        "node_id": "R_1",
        "name": name,
        "full_name": full_name,
        "private": false,
        "owner": user(owner),
        "html_url": format!("https://github.com/{full_name}"),
        "default_branch": "main",
        "has_wiki": true,
    })
}

pub struct Issue<'a> {
    pub repo: &'a str,
    pub number: u64,
    pub title: &'a str,
    pub body: &'a str,
    pub author: &'a str,
}

fn issue_json(issue: &Issue<'_>) -> Value {
    json!({
        "id": 1000 + issue.number,
        "node_id": format!("I_{}", issue.number),
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": "open",
        "user": user(issue.author),
        "labels": [],
        "assignees": [],
        "comments": 0,
        "html_url": format!("https://github.com/{}/issues/{}", issue.repo, issue.number),
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z",
        "author_association": "MEMBER",
    })
}

/// `issue_comment.created` for a comment on an issue.
pub fn issue_comment(
    installation: u64,
    issue: &Issue<'_>,
    comment_id: u64,
    commenter: &str,
    body: &str,
) -> Value {
    json!({
        "action": "created",
        "issue": issue_json(issue),
        "comment": {
            "id": comment_id,
            "node_id": format!("IC_{comment_id}"),
            "body": body,
            "user": user(commenter),
            "html_url": format!("https://github.com/{}/issues/{}#issuecomment-{comment_id}", issue.repo, issue.number),
            "created_at": "2026-11-01T10:05:00Z",
            "updated_at": "2026-11-01T10:05:00Z",
            "author_association": "MEMBER",
        },
        "repository": repository(issue.repo),
        "installation": { "id": installation, "node_id": "MDIz" },
        "sender": user(commenter),
    })
}

/// `issues.<action>` for an issue.
pub fn issues_event(installation: u64, action: &str, issue: &Issue<'_>, sender: &str) -> Value {
    let mut issue_value = issue_json(issue);
    if action == "closed" {
        issue_value["state"] = json!("closed");
    }
    json!({
        "action": action,
        "issue": issue_value,
        "repository": repository(issue.repo),
        "installation": { "id": installation, "node_id": "MDIz" },
        "sender": user(sender),
    })
}

/// `installation.<action>` with the repositories it covers.
pub fn installation_event(installation: u64, action: &str, account: &str, repos: &[&str]) -> Value {
    let repositories: Vec<Value> = repos
        .iter()
        .map(|full_name| {
            json!({
                "id": 1, "node_id": "R_1",
                "name": full_name.split_once('/').map_or(*full_name, |(_, n)| n),
                "full_name": full_name, "private": false,
            })
        })
        .collect();
    json!({
        "action": action,
        "installation": {
            "id": installation,
            "account": user(account),
            "app_id": 1,
            "target_type": "Organization",
        },
        "repositories": repositories,
        "sender": user(account),
    })
}
