//! The weekly digest: the sweep that finds repositories whose digest is due (once per ISO week,
//! keyed by the job's unique key), the job that posts it on the repository's digest issue, and the
//! `/postmortem digest` and `/postmortem status` commands.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::Handlers;
use super::nag::SweepPayload;
use super::schedule_settings::ScheduleBook;
use super::sources::repo_settings;
use crate::digest::{self, DigestInput, DigestPostMortem};
use crate::github::webhook::IssueCommentEvent;
use crate::github::{InstallationClient, NewIssue};
use crate::ids::{InstallationId, IssueNumber, RepoName};
use crate::policy::{self, DigestDue, ScheduleSettings};
use crate::render;
use crate::store::{DigestRecord, DigestRepository, Job, NewJob, Store, StoreResult};

pub const KIND_DIGEST_SWEEP: &str = "digest_sweep";
pub const KIND_DIGEST: &str = "digest";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestPayload {
    pub installation: InstallationId,
    pub repo: RepoName,
    /// `2026-W48`.
    pub week: String,
    pub now: DateTime<Utc>,
}

/// The job key that makes a repository's digest happen once per week, whoever queues it.
pub fn unique_key(repo: &RepoName, week: &str) -> String {
    format!("digest:{repo}:{week}")
}

/// Repositories whose digest is due at `now` (whether or not it went out already: the unique key
/// decides that).
pub async fn plan_digest_sweep(
    store: &dyn Store,
    now: DateTime<Utc>,
    settings_for: &(dyn Fn(&RepoName) -> ScheduleSettings + Sync),
) -> StoreResult<Vec<(DigestRepository, DigestDue)>> {
    Ok(store
        .digest_repositories()
        .await?
        .into_iter()
        .filter_map(|r| {
            let due = policy::digest_due(&settings_for(&r.repo).digest, now, r.tracked_since)?;
            Some((r, due))
        })
        .collect())
}

pub fn digest_job(
    repo: &DigestRepository,
    due: &DigestDue,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        kind: KIND_DIGEST.to_string(),
        payload: serde_json::to_value(DigestPayload {
            installation: repo.installation_id,
            repo: repo.repo.clone(),
            week: due.week.clone(),
            now,
        })?,
        unique_key: Some(unique_key(&repo.repo, &due.week)),
        run_at: Utc::now(),
        max_attempts,
    })
}

/// The sweep job: one uniquely keyed digest job per repository and week.
pub async fn run_sweep(handlers: &Handlers, job: &Job) -> anyhow::Result<()> {
    let payload: SweepPayload = serde_json::from_value(job.payload.clone())?;
    let book = ScheduleBook::load(handlers.store.as_ref()).await?;
    let due = plan_digest_sweep(handlers.store.as_ref(), payload.now, &|repo| {
        book.settings_for(repo)
    })
    .await?;
    let max_attempts = handlers.settings.jobs.max_attempts;
    let mut jobs = Vec::with_capacity(due.len());
    for (repo, due) in &due {
        jobs.push(digest_job(repo, due, payload.now, max_attempts)?);
    }
    let queued = handlers.store.enqueue_many(&jobs, Utc::now()).await?;
    let queued = queued.iter().flatten().count();
    info!(due = due.len(), queued, "digest sweep done");
    Ok(())
}

/// The digest of `repo` at `now` from the store, or `None` when there is nothing to say and the
/// settings skip empty weeks.
pub async fn build_digest(
    store: &dyn Store,
    repo: &RepoName,
    week: &str,
    now: DateTime<Utc>,
    settings: &ScheduleSettings,
    html_base: &str,
) -> StoreResult<Option<String>> {
    let postmortems = store.list_postmortems(repo).await?;
    let mut follow_ups = store.list_repo_follow_ups(repo).await?;
    let times: HashMap<i64, i64> = store.times_to_resolve(repo).await?.into_iter().collect();
    follow_ups.sort_by_key(|f| f.postmortem_id);
    let groups: Vec<DigestPostMortem<'_>> = postmortems
        .iter()
        .map(|pm| {
            let start = follow_ups.partition_point(|f| f.postmortem_id < pm.id);
            let end = follow_ups.partition_point(|f| f.postmortem_id <= pm.id);
            DigestPostMortem {
                title: &pm.title,
                tracking_issue: pm.tracking_issue,
                time_to_resolve_minutes: times.get(&pm.id).copied(),
                follow_ups: &follow_ups[start..end],
            }
        })
        .collect();
    Ok(digest::render_digest(&DigestInput {
        repo,
        week,
        now,
        html_base,
        settings,
        postmortems: &groups,
    }))
}

/// The repository's digest issue: the one recorded, else one the App opened before (found by its
/// marker, in case the answer to the create was lost), else a new one.
async fn digest_issue(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
) -> anyhow::Result<IssueNumber> {
    if let Some(issue) = handlers.store.digest_issue(repo).await? {
        return Ok(issue);
    }
    let bot = handlers.github.app_info().await?.bot_login();
    let existing = client
        .list_issues_created_by(repo, &bot)
        .await
        .context("looking for a digest issue opened before")?
        .into_iter()
        .filter(|i| {
            i.body
                .as_deref()
                .is_some_and(|b| b.contains(digest::DIGEST_ISSUE_MARKER))
        })
        .min_by_key(|i| i.number);
    let issue = match existing {
        Some(issue) => issue,
        None => client
            .create_issue(
                repo,
                &NewIssue {
                    title: digest::DIGEST_ISSUE_TITLE.to_string(),
                    body: digest::digest_issue_body(),
                    labels: vec![render::LABEL_POSTMORTEM.to_string()],
                    assignees: Vec::new(),
                },
            )
            .await
            .context("opening the digest issue")?,
    };
    // Pinned so people find the one place to subscribe. Until it is recorded below, a retry
    // comes back here and pins again, which GitHub takes as a no-op.
    if let Err(error) = client.pin_issue(&issue).await {
        handlers.metrics.skipped("digest_pin", 1);
        warn!(%repo, issue = %issue.number, %error, "cannot pin the digest issue; it works unpinned");
    }
    handlers.store.set_digest_issue(repo, issue.number).await?;
    Ok(issue.number)
}

/// Posts the digest of `repo` for `week` (or, on request, as of now). A retried scheduled job
/// first looks for its own marker, so a lost answer never posts the week twice.
async fn post_digest(
    handlers: &Handlers,
    client: &InstallationClient,
    repo: &RepoName,
    week: &str,
    now: DateTime<Utc>,
    retrying: bool,
) -> anyhow::Result<Option<IssueNumber>> {
    let settings = repo_settings(handlers, client, repo).await?.schedule();
    let html_base = handlers.settings.github_url.as_str();
    let Some(body) = build_digest(
        handlers.store.as_ref(),
        repo,
        week,
        now,
        &settings,
        html_base,
    )
    .await?
    else {
        info!(%repo, week, "nothing open; digest skipped by settings");
        return Ok(None);
    };
    let issue = digest_issue(handlers, client, repo).await?;
    let marker = digest::digest_marker(week);
    let posted = retrying
        && client
            .list_comments(repo, issue)
            .await?
            .iter()
            .any(|c| c.body.contains(&marker));
    if !posted {
        client.create_comment(repo, issue, &body).await?;
    }
    Ok(Some(issue))
}

/// The digest job.
pub async fn run_digest(handlers: &Handlers, job: &Job) -> anyhow::Result<()> {
    let p: DigestPayload = serde_json::from_value(job.payload.clone())?;
    // Comments go out serially per installation, like every other job's.
    let _turn = handlers.locks.installation(p.installation).await?;
    let client = handlers.github.installation(p.installation).await?;
    if let Some(issue) =
        post_digest(handlers, &client, &p.repo, &p.week, p.now, job.attempts > 1).await?
    {
        handlers
            .store
            .record_digest(&DigestRecord {
                repo: p.repo.clone(),
                week: p.week.clone(),
                issue,
                sent_at: p.now,
            })
            .await?;
        info!(repo = %p.repo, week = %p.week, %issue, "digest posted");
    }
    Ok(())
}

/// `/postmortem digest`: this repository's digest now, on its digest issue, with a pointer here.
pub async fn on_digest_command(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let settings = repo_settings(handlers, client, &event.repo)
        .await?
        .schedule();
    let week = format!(
        "{}, on request",
        policy::iso_week(policy::local_day(now, settings.digest.tz()))
    );
    let reply = match post_digest(handlers, client, &event.repo, &week, now, false).await? {
        Some(issue) => format!("Posted this repository's digest on #{issue}."),
        None => "Nothing is open, and this repository's settings skip empty digests.".to_string(),
    };
    client
        .create_comment(&event.repo, event.issue.number, &reply)
        .await?;
    Ok(())
}

/// `/postmortem status`: the table of the post-mortem this issue tracks (or of the follow-up's).
pub async fn on_status_command(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
) -> anyhow::Result<()> {
    let store = &handlers.store;
    let repo = &event.repo;
    let number = event.issue.number;
    let postmortems = store.list_postmortems(repo).await?;
    let mut found = postmortems
        .iter()
        .find(|pm| pm.tracking_issue == Some(number));
    if found.is_none()
        && let Some(f) = store.find_follow_up_by_issue(repo, number).await?
    {
        found = postmortems.iter().find(|pm| pm.id == f.postmortem_id);
    }
    let reply = match found {
        Some(pm) => {
            let follow_ups = store.list_follow_ups(pm.id).await?;
            let settings = repo_settings(handlers, client, repo).await?.schedule();
            digest::render_status(&pm.title, &follow_ups, &settings, Utc::now())
        }
        None => "No post-mortem is tracked here yet: comment `/postmortem` on the post-mortem's \
                 issue first."
            .to_string(),
    };
    client.create_comment(repo, number, &reply).await?;
    Ok(())
}
