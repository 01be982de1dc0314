//! `/postmortem PATH`, `/postmortem WIKI-URL` and `/postmortem sync`: the commenter's issue tracks
//! a file or wiki page, or every post-mortem of the repository is tracked (ending onboarding).

use chrono::{DateTime, Utc};
use tracing::warn;

use super::Handlers;
use super::sources::{self, Document, PartOutcome};
use super::wiki::{WikiRequest, sync_page};
use crate::github::webhook::IssueCommentEvent;
use crate::github::{InstallationClient, IssuePatch, IssueState};
use crate::ids::Source;
use crate::render;
use crate::render_sources::{self, Synced};
use crate::store::{Onboarding, OnboardingState};

/// The reply for what a command synced: the usual summary for one post-mortem, a list for several.
fn reply(outcomes: &[PartOutcome]) -> String {
    match outcomes {
        [one] => render::summary_comment(&one.summary),
        many => render_sources::sync_summary(
            &many
                .iter()
                .map(|o| Synced {
                    title: o.title.clone(),
                    tracking_issue: o.tracking_issue,
                    opened: o.summary.opened.len(),
                    total: o.summary.total_in_document(),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

pub async fn track_file(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
    path: &str,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let repo = &event.repo;
    let settings = sources::repo_settings(handlers, client, repo).await?;
    let bytes = client.get_file_on_default_branch(repo, path).await?;
    let text = bytes.and_then(|b| sources::document_text(path, &b));
    let Some(text) = text else {
        let what = format!("the file `{}`", path.replace('`', "'"));
        client
            .create_comment(
                repo,
                event.issue.number,
                &render_sources::nothing_there(&what),
            )
            .await?;
        return Ok(());
    };
    let branch = client.get_repo(repo).await?.default_branch;
    let fallback = sources::file_title(path);
    let outcomes = sources::sync_document(
        handlers,
        client,
        Document {
            installation: client.installation_id(),
            repo,
            source: Source::File {
                repo: repo.clone(),
                path: path.to_string(),
            },
            place: sources::file_place(handlers, repo, &branch, path),
            text: &text,
            fallback_title: &fallback,
            author: Some(event.comment.user.login.clone()),
            since: queued_at,
            settings: &settings,
            tracking_issue: Some(event.issue.number),
        },
    )
    .await?;
    client
        .create_comment(repo, event.issue.number, &reply(&outcomes))
        .await?;
    Ok(())
}

pub async fn track_wiki(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
    url: &str,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let repo = &event.repo;
    let settings = sources::repo_settings(handlers, client, repo).await?;
    let what = format!("the wiki page {}", url.replace('`', "'"));
    let outcomes = match sources::wiki_page_from_url(url, repo) {
        Some(page) => {
            let title = page.replace('-', " ");
            sync_page(
                handlers,
                client,
                WikiRequest {
                    repo,
                    page_name: &page,
                    title: &title,
                    rev: "HEAD",
                    author: Some(event.comment.user.login.clone()),
                    since: queued_at,
                    settings: &settings,
                    tracking_issue: Some(event.issue.number),
                },
            )
            .await?
        }
        None => None,
    };
    let body = match outcomes {
        Some(outcomes) => reply(&outcomes),
        None => render_sources::nothing_there(&what),
    };
    client
        .create_comment(repo, event.issue.number, &body)
        .await?;
    Ok(())
}

pub async fn sync(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let repo = &event.repo;
    let store = &handlers.store;
    let onboarding = store.get_onboarding(repo).await?;
    if let Some(onboarding) = &onboarding
        && onboarding.state == OnboardingState::Pending
    {
        store
            .put_onboarding(&Onboarding {
                state: OnboardingState::Done,
                updated_at: Utc::now(),
                ..onboarding.clone()
            })
            .await?;
    }
    let outcomes = sources::sync_all(
        handlers,
        client,
        repo,
        Some(event.comment.user.login.clone()),
        queued_at,
    )
    .await?;
    let synced: Vec<Synced> = outcomes
        .iter()
        .map(|o| Synced {
            title: o.title.clone(),
            tracking_issue: o.tracking_issue,
            opened: o.summary.opened.len(),
            total: o.summary.total_in_document(),
        })
        .collect();
    client
        .create_comment(
            repo,
            event.issue.number,
            &render_sources::sync_summary(&synced),
        )
        .await?;
    // The onboarding issue has done its job. Cosmetic: a failure leaves it open, nothing else.
    let in_onboarding_issue = onboarding.is_some_and(|o| o.issue == Some(event.issue.number));
    if in_onboarding_issue
        && let Err(error) = client
            .update_issue(
                repo,
                event.issue.number,
                &IssuePatch {
                    state: Some(IssueState::Closed),
                    state_reason: Some("completed".to_string()),
                    ..IssuePatch::default()
                },
            )
            .await
    {
        warn!(%error, "cannot close the onboarding issue");
    }
    Ok(())
}
