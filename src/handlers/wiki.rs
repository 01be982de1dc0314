//! `gollum` (wiki edits): each created or edited page that looks like a post-mortem is read from
//! the wiki's git repository at the edit's commit and runs the pipeline.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::Handlers;
use super::sources::{self, Document};
use super::wiki_git::WikiError;
use crate::github::InstallationClient;
use crate::github::webhook::GollumEvent;
use crate::ids::{IssueNumber, RepoName, Source};
use crate::repo_config::RepoSettings;
use crate::store::OnboardingState;

pub async fn on_gollum(
    handlers: &Handlers,
    event: &GollumEvent,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    let client = handlers.github.installation(installation).await?;
    let repo = &event.repo;
    let settings = sources::repo_settings(handlers, &client, repo).await?;
    let pages: Vec<_> = event
        .pages
        .iter()
        .filter(|p| {
            settings.matches_wiki_page(&p.title) || settings.matches_wiki_page(&p.page_name)
        })
        .collect();
    if pages.is_empty() {
        return Ok(());
    }
    let onboarding = handlers.store.get_onboarding(repo).await?;
    if onboarding.is_some_and(|o| o.state == OnboardingState::Pending) {
        info!(%repo, "onboarding pending: nothing is tracked until `/postmortem sync`");
        return Ok(());
    }
    let author = (!event.sender.is_bot).then(|| event.sender.login.clone());
    for page in pages {
        sync_page(
            handlers,
            &client,
            WikiRequest {
                repo,
                page_name: &page.page_name,
                title: &page.title,
                rev: &page.sha,
                author: author.clone(),
                since: queued_at,
                settings: &settings,
                tracking_issue: None,
            },
        )
        .await?;
    }
    Ok(())
}

pub struct WikiRequest<'a> {
    pub repo: &'a RepoName,
    pub page_name: &'a str,
    pub title: &'a str,
    /// The commit to read the page at (`HEAD` for the latest).
    pub rev: &'a str,
    pub author: Option<String>,
    pub since: DateTime<Utc>,
    pub settings: &'a RepoSettings,
    pub tracking_issue: Option<IssueNumber>,
}

/// Reads one page from the wiki clone and runs the pipeline; `None` when the page is not there.
pub async fn sync_page(
    handlers: &Handlers,
    client: &InstallationClient,
    request: WikiRequest<'_>,
) -> anyhow::Result<Option<Vec<sources::PartOutcome>>> {
    let repo = request.repo;
    let token = client.token().await?;
    let wiki = match handlers.wikis.update(repo, &token).await {
        Ok(wiki) => wiki,
        Err(WikiError::Missing) => {
            warn!(%repo, "the wiki has no git repository");
            return Ok(None);
        }
        Err(WikiError::Other(error)) => return Err(error.context("updating the wiki clone")),
    };
    // A sha the fetch did not bring (a later edit rewrote history) reads the latest page.
    let rev = if request.rev != "HEAD" && wiki.has_commit(request.rev).await {
        request.rev
    } else {
        "HEAD"
    };
    let Some(text) = wiki.read_page(rev, request.page_name).await? else {
        info!(%repo, page = request.page_name, "the page is not in the wiki (deleted?)");
        return Ok(None);
    };
    drop(wiki);
    let outcomes = sources::sync_document(
        handlers,
        client,
        Document {
            installation: client.installation_id(),
            repo,
            source: Source::Wiki {
                repo: repo.clone(),
                page: request.page_name.to_string(),
            },
            place: sources::wiki_place(handlers, repo, request.page_name, request.title),
            text: &text,
            fallback_title: request.title,
            author: request.author,
            since: request.since,
            settings: request.settings,
            tracking_issue: request.tracking_issue,
        },
    )
    .await?;
    info!(%repo, page = request.page_name, parts = outcomes.len(), "wiki post-mortem in step");
    Ok(Some(outcomes))
}
