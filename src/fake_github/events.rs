//! Webhook payloads built from the fake's state, shaped like GitHub's deliveries to an App
//! (`installation: {id, node_id}` included), and the signature header that goes with them.
//! Tests sign a payload with the App's webhook secret and post it to the App.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::commits::diff;
use super::handle::FakeGitHub;
use super::render::{Render, timestamp, user_id};
use super::state::{Repo, State};
use crate::ids::{InstallationId, IssueNumber, RepoName};

/// `X-Hub-Signature-256` for `body` under `secret`: `sha256=<hex hmac>`.
pub fn signature_header(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn installation_ref(state: &State, repo: &RepoName) -> Value {
    match state.installation_of(repo) {
        Some(id) => {
            json!({ "id": id.0, "node_id": format!("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{id}") })
        }
        None => Value::Null,
    }
}

/// The repository as push payloads carry it: timestamps as numbers, the owner with a name.
fn push_repository(r: &Render, repo: &Repo) -> Value {
    let mut body = r.repo(repo);
    if let Some(obj) = body.as_object_mut() {
        let created = repo.created_at.timestamp();
        obj.insert("created_at".into(), Value::from(created));
        obj.insert("pushed_at".into(), Value::from(created));
        obj.insert("url".into(), Value::from(r.repo_html(repo)));
        obj.insert("stargazers".into(), Value::from(0));
        obj.insert(
            "master_branch".into(),
            Value::from(repo.default_branch.clone()),
        );
        if let Some(owner) = obj.get_mut("owner").and_then(Value::as_object_mut) {
            owner.insert("name".into(), Value::from(repo.name.owner()));
            owner.insert(
                "email".into(),
                Value::from(format!("{}@users.noreply.github.com", repo.name.owner())),
            );
        }
    }
    body
}

fn person(login: &str) -> Value {
    json!({
        "name": login,
        "email": format!("{}+{login}@users.noreply.github.com", user_id(login)),
        "username": login,
    })
}

impl FakeGitHub {
    /// An `issue_comment` delivery (`created`, `edited`, `deleted`) for a comment in the state.
    pub fn issue_comment_event(
        &self,
        repo: &RepoName,
        comment_id: u64,
        action: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let repository = s.repos.get(repo)?;
            let (i, c) = repository.find_comment(comment_id)?;
            let issue = &repository.issues[i];
            let comment = &issue.comments[c];
            Some(json!({
                "action": action,
                "issue": r.issue(repository, issue),
                "comment": r.comment(repository, issue, comment),
                "repository": r.repo(repository),
                "sender": r.user(&comment.author),
                "installation": installation_ref(s, repo),
            }))
        })
    }

    /// An `issues` delivery (`opened`, `edited`, `closed`, `reopened`, ...) sent by `sender`.
    pub fn issues_event(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        action: &str,
        sender: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let repository = s.repos.get(repo)?;
            let issue = repository.issue(number.0)?;
            Some(json!({
                "action": action,
                "issue": r.issue(repository, issue),
                "repository": r.repo(repository),
                "sender": r.user(sender),
                "installation": installation_ref(s, repo),
            }))
        })
    }

    /// A `push` delivery for `branch` moving from `before` (40 zeros for a new branch) to
    /// `after`, listing the commits in between with their added/modified/removed files.
    pub fn push_event(
        &self,
        repo: &RepoName,
        branch: &str,
        before: &str,
        after: &str,
        pusher: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let repository = s.repos.get(repo)?;
            let known: Vec<String> = if before.chars().all(|c| c == '0') {
                Vec::new()
            } else {
                repository.ancestors(before)
            };
            let mut shas: Vec<String> = repository
                .ancestors(after)
                .into_iter()
                .filter(|sha| !known.contains(sha))
                .collect();
            shas.reverse();
            let html = r.repo_html(repository);
            let commits: Vec<Value> = shas
                .iter()
                .filter_map(|sha| repository.commits.get(sha))
                .map(|commit| {
                    let parent_tree = commit
                        .parents
                        .first()
                        .and_then(|p| repository.commits.get(p))
                        .map(|p| p.tree.clone())
                        .unwrap_or_default();
                    let changes = diff(&parent_tree, &commit.tree);
                    let paths = |status: &str| -> Vec<String> {
                        changes.iter().filter(|c| c.status == status).map(|c| c.path.clone()).collect()
                    };
                    json!({
                        "id": commit.sha,
                        "tree_id": super::commits::tree_sha(&commit.tree),
                        "distinct": true,
                        "message": commit.message,
                        "timestamp": timestamp(commit.date),
                        "url": format!("{html}/commit/{}", commit.sha),
                        "author": person(&commit.author),
                        "committer": person(&commit.author),
                        "added": paths("added"),
                        "removed": paths("removed"),
                        "modified": paths("modified"),
                    })
                })
                .collect();
            let head_commit = commits.last().cloned().unwrap_or(Value::Null);
            Some(json!({
                "ref": format!("refs/heads/{branch}"),
                "before": before,
                "after": after,
                "created": before.chars().all(|c| c == '0'),
                "deleted": after.chars().all(|c| c == '0'),
                "forced": false,
                "base_ref": null,
                "compare": format!("{html}/compare/{}...{}", &before[..12.min(before.len())], &after[..12.min(after.len())]),
                "commits": commits,
                "head_commit": head_commit,
                "repository": push_repository(&r, repository),
                "pusher": { "name": pusher, "email": format!("{pusher}@users.noreply.github.com") },
                "sender": r.user(pusher),
                "installation": installation_ref(s, repo),
            }))
        })
    }

    /// A `gollum` delivery: each page as (page name, `created` or `edited`, wiki commit sha).
    pub fn gollum_event(
        &self,
        repo: &RepoName,
        pages: &[(&str, &str, &str)],
        sender: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let repository = s.repos.get(repo)?;
            let html = r.repo_html(repository);
            let pages: Vec<Value> = pages
                .iter()
                .map(|(page, action, sha)| {
                    let name = page.trim().replace(' ', "-");
                    json!({
                        "page_name": name,
                        "title": page,
                        "summary": null,
                        "action": action,
                        "sha": sha,
                        "html_url": format!("{html}/wiki/{name}"),
                    })
                })
                .collect();
            Some(json!({
                "pages": pages,
                "repository": r.repo(repository),
                "sender": r.user(sender),
                "installation": installation_ref(s, repo),
            }))
        })
    }

    /// An `installation` delivery (`created`, `deleted`, ...) for an installation in the state,
    /// listing its repositories.
    pub fn installation_event(
        &self,
        id: InstallationId,
        action: &str,
        sender: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let installation = s.installations.get(&id)?;
            let repositories: Vec<Value> = installation
                .repos
                .iter()
                .filter_map(|name| s.repos.get(name))
                .map(short_repo)
                .collect();
            Some(json!({
                "action": action,
                "installation": installation_payload(&r, id, &installation.account, installation.created_at.timestamp()),
                "repositories": repositories,
                "sender": r.user(sender),
            }))
        })
    }

    /// An `installation_repositories` delivery: `added` or `removed` with those repositories.
    pub fn installation_repositories_event(
        &self,
        id: InstallationId,
        action: &str,
        repos: &[RepoName],
        sender: &str,
    ) -> Option<Value> {
        self.read(|s| {
            let r = self.ctx.render(s);
            let installation = s.installations.get(&id)?;
            let listed: Vec<Value> = repos
                .iter()
                .filter_map(|name| s.repos.get(name))
                .map(short_repo)
                .collect();
            let (added, removed) = if action == "removed" {
                (Vec::new(), listed)
            } else {
                (listed, Vec::new())
            };
            Some(json!({
                "action": action,
                "installation": installation_payload(&r, id, &installation.account, installation.created_at.timestamp()),
                "repository_selection": "selected",
                "repositories_added": added,
                "repositories_removed": removed,
                "requester": null,
                "sender": r.user(sender),
            }))
        })
    }
}

fn short_repo(repo: &Repo) -> Value {
    json!({
        "id": repo.id,
        "node_id": format!("R_kg{}", repo.id),
        "name": repo.name.name(),
        "full_name": repo.name.to_string(),
        "private": repo.private,
    })
}

fn installation_payload(r: &Render, id: InstallationId, account: &str, created: i64) -> Value {
    json!({
        "id": id.0,
        "account": r.user(account),
        "repository_selection": "selected",
        "access_tokens_url": format!("{}/app/installations/{id}/access_tokens", r.api),
        "repositories_url": format!("{}/installation/repositories", r.api),
        "html_url": format!("{}/settings/installations/{id}", r.html),
        "app_id": r.config.app_id,
        "app_slug": r.config.app_slug,
        "target_id": user_id(account),
        "target_type": if r.state.is_org(account) { "Organization" } else { "User" },
        "permissions": { "issues": "write", "contents": "read", "metadata": "read" },
        "events": ["issues", "issue_comment", "push", "gollum"],
        "created_at": created,
        "updated_at": created,
        "single_file_name": null,
        "suspended_at": null,
        "suspended_by": null,
    })
}
