//! `push` to the default branch: settings changes, then the pipeline for each post-mortem file
//! the push added or changed (read at the pushed commit).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::Handlers;
use super::sources::{self, Document, SettingsUpdate};
use crate::github::InstallationClient;
use crate::github::webhook::PushEvent;
use crate::ids::{RepoName, Source};
use crate::render_sources;
use crate::repo_config::SETTINGS_PATH;
use crate::store::OnboardingState;

/// GitHub lists at most this many commits in a push payload; past it, ask for the comparison.
const MAX_PAYLOAD_COMMITS: usize = 2048;

const NULL_SHA: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Written,
    Removed,
}

/// Pure: each path the push touched, with its last change (a file added then removed is removed).
fn changed_paths(event: &PushEvent) -> BTreeMap<String, Change> {
    let mut changes = BTreeMap::new();
    for commit in &event.commits {
        for path in commit.added.iter().chain(&commit.modified) {
            changes.insert(path.clone(), Change::Written);
        }
        for path in &commit.removed {
            changes.insert(path.clone(), Change::Removed);
        }
    }
    changes
}

pub async fn on_push(
    handlers: &Handlers,
    event: &PushEvent,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !event.is_to_default_branch() || event.after == NULL_SHA {
        return Ok(());
    }
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    let client = handlers.github.installation(installation).await?;
    let repo = &event.repo;
    let mut changes = changed_paths(event);
    if (event.commits.is_empty() || event.commits.len() >= MAX_PAYLOAD_COMMITS)
        && event.before != NULL_SHA
    {
        for file in client
            .compare_files(repo, &event.before, &event.after)
            .await?
        {
            let change = if file.status == "removed" {
                Change::Removed
            } else {
                Change::Written
            };
            if let Some(previous) = file.previous_path {
                changes.insert(previous, Change::Removed);
            }
            changes.insert(file.path, change);
        }
    }

    let settings = if changes.contains_key(SETTINGS_PATH) {
        match sources::refresh_settings(handlers, &client, repo, &event.after).await? {
            SettingsUpdate::Valid(settings) => settings,
            SettingsUpdate::Broken { errors, kept } => {
                warn!(%repo, commit = %event.after, errors = errors.len(), "broken settings file");
                // The rest of the push still runs on the kept settings if the comment fails
                // (an App installed with contents: read cannot comment on commits).
                if let Err(error) = client
                    .create_commit_comment(
                        repo,
                        &event.after,
                        &render_sources::settings_error_comment(&errors),
                        None,
                        None,
                    )
                    .await
                {
                    warn!(%repo, %error, "cannot comment on the commit that broke the settings");
                }
                kept
            }
        }
    } else {
        sources::repo_settings(handlers, &client, repo).await?
    };

    let onboarding = handlers.store.get_onboarding(repo).await?;
    if onboarding.is_some_and(|o| o.state == OnboardingState::Pending) {
        info!(%repo, "onboarding pending: nothing is tracked until `/postmortem sync`");
        return Ok(());
    }

    let renamed = follow_renames(handlers, repo, &changes, &settings).await?;
    for (path, change) in &changes {
        if renamed.contains(path) {
            continue;
        }
        let source = Source::File {
            repo: repo.clone(),
            path: path.clone(),
        };
        match change {
            Change::Written if settings.matches_path(path) => {
                sync_file(handlers, &client, event, path, source, &settings, queued_at).await?;
            }
            Change::Removed => file_removed(handlers, &client, repo, path, &source, event).await?,
            Change::Written => {}
        }
    }
    Ok(())
}

/// Pure: pairs deleted tracked files with added untracked ones, as a rename shows in a push: by
/// equal file name first, then a lone pair of whatever is left.
fn pair_renames(removed: &[String], added: &[String]) -> Vec<(String, String)> {
    let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    let mut removed: Vec<&String> = removed.iter().collect();
    let mut added: Vec<&String> = added.iter().collect();
    let mut pairs = Vec::new();
    removed.retain(|old| {
        let same: Vec<usize> = (0..added.len())
            .filter(|&i| name(added[i]) == name(old))
            .collect();
        if let [only] = same.as_slice() {
            pairs.push(((*old).clone(), added.remove(*only).clone()));
            false
        } else {
            true
        }
    });
    if let ([old], [new]) = (removed.as_slice(), added.as_slice()) {
        pairs.push(((*old).clone(), (*new).clone()));
    }
    pairs
}

/// A tracked post-mortem file moved in this push keeps its tracking issue and follow-ups: its
/// store rows move to the new path (items then match by wording). Returns the old paths.
async fn follow_renames(
    handlers: &Handlers,
    repo: &RepoName,
    changes: &BTreeMap<String, Change>,
    settings: &crate::repo_config::RepoSettings,
) -> anyhow::Result<BTreeSet<String>> {
    let file_source = |path: &str| {
        Source::File {
            repo: repo.clone(),
            path: path.to_string(),
        }
        .to_string()
    };
    let tracked = handlers.store.list_postmortems(repo).await?;
    let parts_of = |path: &str| -> Vec<String> {
        let base = file_source(path);
        tracked
            .iter()
            .map(|p| p.source.clone())
            .filter(|s| {
                *s == base
                    || s.strip_prefix(&base)
                        .is_some_and(|rest| rest.starts_with('@'))
            })
            .collect()
    };
    let removed: Vec<String> = changes
        .iter()
        .filter(|(path, change)| **change == Change::Removed && !parts_of(path).is_empty())
        .map(|(path, _)| path.clone())
        .collect();
    let added: Vec<String> = changes
        .iter()
        .filter(|(path, change)| {
            **change == Change::Written && settings.matches_path(path) && parts_of(path).is_empty()
        })
        .map(|(path, _)| path.clone())
        .collect();
    let mut moved = BTreeSet::new();
    for (old, new) in pair_renames(&removed, &added) {
        let (old_base, new_base) = (file_source(&old), file_source(&new));
        for source in parts_of(&old) {
            let renamed = format!("{new_base}{}", &source[old_base.len()..]);
            handlers
                .store
                .rename_postmortem_source(&source, &renamed, Utc::now())
                .await?;
        }
        info!(%repo, %old, %new, "followed a renamed post-mortem file");
        moved.insert(old);
    }
    Ok(moved)
}

async fn sync_file(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &PushEvent,
    path: &str,
    source: Source,
    settings: &crate::repo_config::RepoSettings,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let repo = &event.repo;
    let Some(bytes) = client.get_file(repo, path, &event.after).await? else {
        return Ok(());
    };
    let Some(text) = sources::document_text(path, &bytes) else {
        return Ok(());
    };
    let fallback = sources::file_title(path);
    let outcomes = sources::sync_document(
        handlers,
        client,
        Document {
            installation: client.installation_id(),
            repo,
            source,
            place: sources::file_place(handlers, repo, &event.default_branch, path),
            text: &text,
            fallback_title: &fallback,
            author: (!event.sender.is_bot).then(|| event.sender.login.clone()),
            since: queued_at,
            settings,
            tracking_issue: None,
        },
    )
    .await?;
    info!(%repo, path, parts = outcomes.len(), "post-mortem file in step");
    Ok(())
}

/// A deleted post-mortem file: its tracking issues hear of it once; the follow-ups stay as they are.
async fn file_removed(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    path: &str,
    source: &Source,
    event: &PushEvent,
) -> anyhow::Result<()> {
    let prefix = source.to_string();
    let tracked = handlers.store.list_postmortems(repo).await?;
    for postmortem in tracked.iter().filter(|p| {
        p.source == prefix
            || p.source
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with('@'))
    }) {
        let Some(issue) = postmortem.tracking_issue else {
            continue;
        };
        // A deletion is rare and the same push may be delivered again: one read to stay quiet.
        let marker = render_sources::file_deleted_marker(path, &event.after);
        let said = client
            .list_comments(repo, issue)
            .await?
            .iter()
            .any(|c| c.body.contains(&marker));
        if !said {
            client
                .create_comment(
                    repo,
                    issue,
                    &render_sources::file_deleted_comment(path, &event.after),
                )
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::webhook::{PushCommit, User};

    #[test]
    fn renames_pair_by_file_name_then_alone() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pair_renames(
                &v(&["pm/a.md", "pm/b.md"]),
                &v(&["pm/2024/b.md", "pm/2024/a.md"])
            ),
            [
                ("pm/a.md".to_string(), "pm/2024/a.md".to_string()),
                ("pm/b.md".to_string(), "pm/2024/b.md".to_string())
            ]
        );
        assert_eq!(
            pair_renames(&v(&["pm/a.md"]), &v(&["pm/outage.md"])),
            [("pm/a.md".to_string(), "pm/outage.md".to_string())]
        );
        assert!(pair_renames(&v(&["pm/a.md", "pm/b.md"]), &v(&["pm/c.md"])).is_empty());
        assert!(pair_renames(&v(&["pm/a.md"]), &[]).is_empty());
    }

    #[test]
    fn the_last_change_of_each_path_wins() {
        let commit = |added: &[&str], modified: &[&str], removed: &[&str]| PushCommit {
            id: "c".into(),
            added: added.iter().map(|s| s.to_string()).collect(),
            modified: modified.iter().map(|s| s.to_string()).collect(),
            removed: removed.iter().map(|s| s.to_string()).collect(),
        };
        let event = PushEvent {
            installation: None,
            repo: RepoName::new("o", "r"),
            git_ref: "refs/heads/main".into(),
            before: "a".into(),
            after: "b".into(),
            default_branch: "main".into(),
            commits: vec![
                commit(&["x.md", "y.md"], &[], &[]),
                commit(&[], &["x.md"], &["y.md"]),
                commit(&["z.md"], &[], &[]),
            ],
            sender: User::new("mona", Some("User")),
        };
        let changes = changed_paths(&event);
        assert_eq!(
            changes.into_iter().collect::<Vec<_>>(),
            [
                ("x.md".to_string(), Change::Written),
                ("y.md".to_string(), Change::Removed),
                ("z.md".to_string(), Change::Written),
            ]
        );
    }
}
