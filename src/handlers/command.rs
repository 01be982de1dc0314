//! `/postmortem` in an issue comment: permission check, acknowledge, sync the issue's post-mortem,
//! reply with a summary.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::Handlers;
use super::apply::{SourceDocument, sync_source};
use super::{source_commands, sources};
use crate::command::{Command, parse_command};
use crate::github::webhook::IssueCommentEvent;
use crate::ids::Source;
use crate::postmortem;
use crate::render;

pub async fn on_issue_comment(
    handlers: &Handlers,
    event: &IssueCommentEvent,
    queued_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if event.action != "created" || event.comment.user.is_bot || event.sender.is_bot {
        return Ok(());
    }
    let Some(command) = parse_command(&event.comment.body) else {
        return Ok(());
    };
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    let client = handlers.github.installation(installation).await?;
    let repo = &event.repo;
    let login = &event.comment.user.login;
    let permission = client
        .collaborator_permission(repo, login)
        .await
        .context("checking the commenter's permission")?;
    if !permission.can_write() {
        info!(%login, %repo, "refused /postmortem from a user without write access");
        client
            .create_comment(repo, event.issue.number, &render::not_allowed(login))
            .await?;
        return Ok(());
    }
    // Cosmetic: a failed reaction must not stop the work it acknowledges.
    if let Err(error) = client
        .react_to_comment(repo, event.comment.id, "eyes")
        .await
    {
        warn!(%error, "cannot react to the command");
    }
    match command {
        Command::TrackFile(path) => {
            source_commands::track_file(handlers, &client, event, &path, queued_at).await?;
        }
        Command::TrackWiki(url) => {
            source_commands::track_wiki(handlers, &client, event, &url, queued_at).await?;
        }
        Command::Sync => source_commands::sync(handlers, &client, event, queued_at).await?,
        Command::Help | Command::Unknown(_) => {
            client
                .create_comment(repo, event.issue.number, &render::usage())
                .await?;
        }
        Command::Status => super::digest::on_status_command(handlers, &client, event).await?,
        Command::Digest => super::digest::on_digest_command(handlers, &client, event).await?,
        Command::Snooze { days } => {
            super::nag::snooze(handlers, &client, event, Some(days)).await?
        }
        Command::Unsnooze => super::nag::snooze(handlers, &client, event, None).await?,
        Command::Run => {
            let issue = client
                .get_issue(repo, event.issue.number)
                .await?
                .context("the issue is gone")?;
            let body = issue.body.clone().unwrap_or_default();
            // The bot-owned checklist is ours, not part of the post-mortem.
            let parsed = postmortem::parse(&render::without_tracking_section(&body));
            let settings = sources::repo_settings(handlers, &client, repo).await?;
            let source = Source::Issue {
                repo: repo.clone(),
                number: issue.number,
            };
            let outcome = sync_source(
                handlers,
                &client,
                SourceDocument {
                    installation,
                    repo,
                    source: source.to_string(),
                    title: parsed.title.clone().unwrap_or_else(|| issue.title.clone()),
                    tracking_issue: issue.number,
                    author: Some(issue.user.login.clone()),
                    origin_link: format!("#{}", issue.number),
                    follow_ups: &parsed.follow_ups,
                    since: queued_at,
                    settings: &settings,
                    // The post-mortem's own issue: its title is its author's.
                    retitle: None,
                },
            )
            .await?;
            handlers
                .store
                .set_time_to_resolve(
                    outcome.postmortem.id,
                    parsed.figures.time_to_resolve_minutes,
                )
                .await?;
            client
                .create_comment(
                    repo,
                    event.issue.number,
                    &render::summary_comment(&outcome.summary),
                )
                .await?;
        }
    }
    Ok(())
}
