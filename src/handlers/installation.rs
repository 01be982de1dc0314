//! `installation` and `installation_repositories` events: which repositories the App can see, and
//! onboarding: a repository that already holds post-mortems gets one issue listing them, and
//! nothing else until a maintainer comments `/postmortem sync` there.

use chrono::Utc;
use tracing::{info, warn};

use super::Handlers;
use super::sources;
use crate::github::webhook::{InstallationEvent, InstallationRepositoriesEvent};
use crate::github::{GitHubError, InstallationClient, NewIssue};
use crate::ids::{InstallationId, RepoName};
use crate::postmortem;
use crate::render;
use crate::render_sources::{self, Found};
use crate::store::{Onboarding, OnboardingState};

pub async fn on_installation(handlers: &Handlers, event: &InstallationEvent) -> anyhow::Result<()> {
    let store = &handlers.store;
    match event.action.as_str() {
        "deleted" => {
            // Wiki clones are this installation's data too.
            for repo in store.list_repositories(event.installation).await? {
                handlers.wikis.forget(&repo).await?;
            }
            store.delete_installation(event.installation).await?;
            info!(installation = %event.installation, "uninstalled: its data is deleted");
        }
        "created" | "new_permissions_accepted" | "unsuspend" => {
            store
                .upsert_installation(event.installation, &event.account, Utc::now())
                .await?;
            store
                .add_repositories(event.installation, &event.repositories)
                .await?;
            if event.action == "created" {
                onboard_all(handlers, event.installation, &event.repositories).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub async fn on_installation_repositories(
    handlers: &Handlers,
    event: &InstallationRepositoriesEvent,
) -> anyhow::Result<()> {
    let store = &handlers.store;
    store
        .upsert_installation(event.installation, &event.account, Utc::now())
        .await?;
    store
        .add_repositories(event.installation, &event.added)
        .await?;
    store
        .remove_repositories(event.installation, &event.removed)
        .await?;
    for repo in &event.removed {
        handlers.wikis.forget(repo).await?;
    }
    onboard_all(handlers, event.installation, &event.added).await
}

async fn onboard_all(
    handlers: &Handlers,
    installation: InstallationId,
    repos: &[RepoName],
) -> anyhow::Result<()> {
    if repos.is_empty() {
        return Ok(());
    }
    let client = handlers.github.installation(installation).await?;
    // One repository's trouble must not keep the others from being onboarded; a retry of the
    // job skips the ones already done.
    let mut first_error = None;
    for repo in repos {
        match onboard(handlers, &client, repo).await {
            Ok(()) => {}
            Err(error) if is_not_found(&error) => {
                warn!(%repo, "the repository is not reachable: not onboarded");
            }
            Err(error) => {
                warn!(%repo, error = %format!("{error:#}"), "onboarding failed");
                first_error.get_or_insert(error);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn is_not_found(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| matches!(cause.downcast_ref(), Some(GitHubError::NotFound)))
}

/// Looks for the repository's post-mortems; when there are any, opens the one onboarding issue.
/// Idempotent: a repository onboarded (or tracked) before is left alone, and a retry finds the
/// issue an earlier attempt opened by its marker.
async fn onboard(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
) -> anyhow::Result<()> {
    let store = &handlers.store;
    let previous = store.get_onboarding(repo).await?;
    if previous.as_ref().is_some_and(|o| o.issue.is_some()) {
        return Ok(());
    }
    if previous.is_none() && !store.list_postmortems(repo).await?.is_empty() {
        return Ok(());
    }
    let settings = sources::repo_settings(handlers, client, repo).await?;
    let found: Vec<Found> = sources::scan(handlers, client, repo, &settings)
        .await?
        .into_iter()
        .flat_map(|candidate| {
            let parsed = postmortem::parse(&candidate.text);
            sources::parts(&parsed, &candidate.fallback_title)
                .into_iter()
                .filter(|part| !part.follow_ups.is_empty())
                .map(|part| Found {
                    place: candidate.place.clone(),
                    title: part.title,
                    follow_ups: part
                        .follow_ups
                        .iter()
                        .filter(|f| !f.done)
                        .map(|f| f.title.clone())
                        .collect(),
                    done: part.follow_ups.iter().filter(|f| f.done).count(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if found.is_empty() {
        info!(%repo, "no post-mortems found: nothing to onboard");
        return Ok(());
    }
    let mut onboarding = Onboarding {
        installation_id: client.installation_id(),
        repo: repo.clone(),
        issue: None,
        state: OnboardingState::Pending,
        updated_at: Utc::now(),
    };
    // Intent first: a retry that sees it looks for the issue before opening one.
    store.put_onboarding(&onboarding).await?;
    let existing = match previous {
        Some(_) => {
            sources::find_bot_issue(
                handlers,
                client,
                repo,
                render_sources::has_onboarding_marker,
            )
            .await?
        }
        None => None,
    };
    let issue = match existing {
        Some(issue) => issue,
        None => {
            handlers.labels.ensure(client, repo).await?;
            client
                .create_issue(
                    repo,
                    &NewIssue {
                        title: render_sources::onboarding_title(found.len()),
                        body: render_sources::onboarding_body(&found),
                        labels: vec![render::LABEL_POSTMORTEM.to_string()],
                        assignees: Vec::new(),
                    },
                )
                .await?
                .number
        }
    };
    onboarding.issue = Some(issue);
    onboarding.updated_at = Utc::now();
    store.put_onboarding(&onboarding).await?;
    info!(%repo, %issue, found = found.len(), "opened the onboarding issue");
    Ok(())
}
