//! Nags: the sweep that picks follow-ups owed a message (oldest first, within a budget per
//! installation) and queues one uniquely keyed job each; the job that re-checks the issue on GitHub
//! and sends the nag or the escalation; human activity; snooze and unsnooze.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::Handlers;
use super::schedule_settings::{self, ScheduleBook};
use super::sources::repo_settings;
use crate::github::webhook::IssueCommentEvent;
use crate::github::{InstallationClient, IssueState};
use crate::ids::{InstallationId, IssueNumber, RepoName};
use crate::policy::{self, Decision, IssueFacts, ScheduleSettings, messages};
use crate::store::{Job, NagCandidate, NewJob, Store, StoreResult};

pub const KIND_NAG_SWEEP: &str = "nag_sweep";
pub const KIND_NAG: &str = "nag";

/// Candidates read per store round trip.
const PAGE: u32 = 1_000;

const STALE_LABEL_COLOR: &str = "fbca04";

/// The payload of a sweep job: the clock reading of the tick that queued it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepPayload {
    pub now: DateTime<Utc>,
}

/// One nag job: follow-up `key` of post-mortem `postmortem_id`, on the local `day`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NagPayload {
    pub installation: InstallationId,
    pub repo: RepoName,
    pub postmortem_id: i64,
    pub key: String,
    pub day: NaiveDate,
    pub now: DateTime<Utc>,
}

/// A follow-up the sweep found owed something, as far as the store can tell.
#[derive(Debug, Clone)]
pub struct PlannedNag {
    pub candidate: NagCandidate,
    pub decision: Decision,
    /// The local day that keys the job: one nag per follow-up per day.
    pub day: NaiveDate,
}

impl PlannedNag {
    pub fn unique_key(&self) -> String {
        format!(
            "nag:{}:{}:{}",
            self.candidate.follow_up.postmortem_id, self.candidate.follow_up.key, self.day
        )
    }

    /// GitHub calls the job will make when it acts: read the issue, comment, and for a counting
    /// nag make sure the label exists and add it. Dry runs and benchmarks count with this.
    pub fn github_calls(&self) -> u64 {
        match &self.decision {
            Decision::Nag(nag) if nag.counts => 4,
            Decision::Nag(_) | Decision::Escalate => 2,
            Decision::Nothing(_) => 0,
        }
    }

    /// One line for `nag --dry-run`.
    pub fn describe(&self) -> String {
        let f = &self.candidate.follow_up;
        let who = messages::recipient(f.owner.as_deref(), self.candidate.author.as_deref())
            .map_or_else(|| "nobody to mention".to_string(), |l| format!("@{l}"));
        let issue = f.issue.map_or_else(String::new, |n| format!("#{n}"));
        let what = match &self.decision {
            Decision::Nag(nag) => match &nag.reason {
                policy::NagReason::Stale { quiet_days } => {
                    format!("stale nag {} (quiet {quiet_days} days)", nag.nag_count)
                }
                policy::NagReason::DueSoon { due } => format!("reminder: due {due}"),
                policy::NagReason::Overdue { due, days_late } => {
                    format!(
                        "overdue nag {} (due {due}, {days_late} days late)",
                        nag.nag_count
                    )
                }
            },
            Decision::Escalate => "escalation in the tracking issue".to_string(),
            Decision::Nothing(why) => format!("nothing ({why:?})"),
        };
        format!("{}{issue}: {what} → {who}", self.candidate.repo)
    }
}

#[derive(Debug, Default)]
pub struct NagSweepPlan {
    pub nags: Vec<PlannedNag>,
    /// Candidates the store returned.
    pub examined: u64,
    /// Nags left for the next sweep because the installation's budget ran out.
    pub over_budget: BTreeMap<InstallationId, u64>,
}

impl NagSweepPlan {
    pub fn skipped(&self) -> u64 {
        self.over_budget.values().sum()
    }

    /// One uniquely keyed nag job per planned nag, for the sweep that planned at `now`.
    pub fn jobs(&self, now: DateTime<Utc>, max_attempts: u32) -> serde_json::Result<Vec<NewJob>> {
        self.nags
            .iter()
            .map(|nag| {
                let f = &nag.candidate.follow_up;
                Ok(NewJob {
                    kind: KIND_NAG.to_string(),
                    payload: serde_json::to_value(NagPayload {
                        installation: nag.candidate.installation_id,
                        repo: nag.candidate.repo.clone(),
                        postmortem_id: f.postmortem_id,
                        key: f.key.clone(),
                        day: nag.day,
                        now,
                    })?,
                    unique_key: Some(nag.unique_key()),
                    run_at: Utc::now(),
                    max_attempts,
                })
            })
            .collect()
    }
}

/// Decides, from the store alone, which follow-ups are owed a nag at `now`: quietest first, at
/// most each installation's budget. What is over budget is counted and, being oldest-first and not
/// nagged, comes first in the next sweep.
pub async fn plan_nag_sweep(
    store: &dyn Store,
    now: DateTime<Utc>,
    settings_for: &(dyn Fn(&RepoName) -> ScheduleSettings + Sync),
    stale_floor_days: u32,
) -> StoreResult<NagSweepPlan> {
    let stale_before = now - Duration::days(i64::from(stale_floor_days));
    let mut plan = NagSweepPlan::default();
    let mut used: BTreeMap<InstallationId, u32> = BTreeMap::new();
    let mut settings: BTreeMap<RepoName, ScheduleSettings> = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .nag_candidates(stale_before, now, after.as_ref(), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        plan.examined += page.len() as u64;
        for candidate in page {
            let s = settings
                .entry(candidate.repo.clone())
                .or_insert_with(|| settings_for(&candidate.repo));
            let decision = policy::decide(&candidate.follow_up, None, s, now);
            if !decision.acts() {
                continue;
            }
            let spent = used.entry(candidate.installation_id).or_insert(0);
            if *spent >= s.budget.nags_per_run {
                *plan
                    .over_budget
                    .entry(candidate.installation_id)
                    .or_insert(0) += 1;
                continue;
            }
            *spent += 1;
            let day = policy::local_day(now, s.quiet.tz());
            plan.nags.push(PlannedNag {
                candidate,
                decision,
                day,
            });
        }
    }
    Ok(plan)
}

/// The sweep job: plan, then queue one uniquely keyed job per nag.
pub async fn run_sweep(handlers: &Handlers, job: &Job) -> anyhow::Result<()> {
    let payload: SweepPayload = serde_json::from_value(job.payload.clone())?;
    let book = ScheduleBook::load(handlers.store.as_ref()).await?;
    let plan = plan_nag_sweep(
        handlers.store.as_ref(),
        payload.now,
        &|repo| book.settings_for(repo),
        book.stale_floor_days(),
    )
    .await?;
    let jobs = plan.jobs(payload.now, handlers.settings.jobs.max_attempts)?;
    let queued = handlers.store.enqueue_many(&jobs, Utc::now()).await?;
    let queued = queued.iter().flatten().count();
    let skipped = plan.skipped();
    if skipped > 0 {
        handlers.metrics.skipped("nag_budget", skipped);
        for (installation, n) in &plan.over_budget {
            warn!(%installation, skipped = n, "nag budget spent; the rest wait for the next sweep");
        }
    }
    info!(
        examined = plan.examined,
        owed = plan.nags.len(),
        queued,
        skipped,
        "nag sweep done"
    );
    Ok(())
}

/// True when an earlier attempt of this job already left `marker` on the issue.
async fn already_said(
    client: &InstallationClient,
    repo: &RepoName,
    issue: IssueNumber,
    marker: &str,
    job: &Job,
) -> anyhow::Result<bool> {
    if job.attempts <= 1 {
        return Ok(false);
    }
    let comments = client.list_comments(repo, issue).await?;
    Ok(comments.iter().any(|c| c.body.contains(marker)))
}

/// The nag job: asks GitHub about the issue, decides again, and sends what is owed.
pub async fn run_nag(handlers: &Handlers, job: &Job) -> anyhow::Result<()> {
    let p: NagPayload = serde_json::from_value(job.payload.clone())?;
    let store = &handlers.store;
    let Some(follow_up) = store
        .list_follow_ups(p.postmortem_id)
        .await?
        .into_iter()
        .find(|f| f.key == p.key)
    else {
        return Ok(());
    };
    let Some(issue_number) = follow_up.issue else {
        return Ok(());
    };
    let postmortem = store
        .list_postmortems(&p.repo)
        .await?
        .into_iter()
        .find(|pm| pm.id == p.postmortem_id);
    // Comments and labels go out serially per installation, like every other job's.
    let _turn = handlers.locks.installation(p.installation).await?;
    let client = handlers.github.installation(p.installation).await?;
    let settings = repo_settings(handlers, &client, &p.repo).await?.schedule();
    let Some(issue) = client.get_issue(&p.repo, issue_number).await? else {
        info!(issue = %issue_number, "the follow-up's issue is gone; no nag");
        return Ok(());
    };
    let facts = IssueFacts {
        open: issue.state == IssueState::Open,
        labels: &issue.labels,
    };
    let decision = policy::decide(&follow_up, Some(facts), &settings, p.now);
    let author = postmortem.as_ref().and_then(|pm| pm.author.as_deref());
    let recipient = messages::recipient(follow_up.owner.as_deref(), author);
    match decision {
        Decision::Nag(nag) => {
            let marker = messages::nag_marker(&follow_up.key, p.day);
            if !already_said(&client, &p.repo, issue_number, &marker, job).await? {
                let body = messages::nag_comment(
                    &nag,
                    recipient,
                    &follow_up.key,
                    p.day,
                    settings.stale.max_nags,
                );
                client.create_comment(&p.repo, issue_number, &body).await?;
            }
            if nag.counts {
                let label = settings.stale.label.clone();
                client
                    .ensure_label(
                        &p.repo,
                        &label,
                        STALE_LABEL_COLOR,
                        "No activity for a while (postmortem-bot)",
                    )
                    .await
                    .context("creating the stale label")?;
                client.add_labels(&p.repo, issue_number, &[label]).await?;
            }
            store
                .record_nag(p.postmortem_id, &p.key, nag.nag_count, p.now, false)
                .await?;
            info!(issue = %issue_number, count = nag.nag_count, "nagged");
        }
        Decision::Escalate => {
            if let Some(tracking) = postmortem.as_ref().and_then(|pm| pm.tracking_issue) {
                let marker = messages::escalation_marker(&follow_up.key);
                if !already_said(&client, &p.repo, tracking, &marker, job).await? {
                    let body = messages::escalation_comment(
                        issue_number,
                        &follow_up.title,
                        recipient,
                        follow_up.nag_count,
                        &follow_up.key,
                    );
                    client.create_comment(&p.repo, tracking, &body).await?;
                }
            }
            store
                .record_nag(p.postmortem_id, &p.key, follow_up.nag_count, p.now, true)
                .await?;
            info!(issue = %issue_number, "escalated");
        }
        Decision::Nothing(why) => info!(issue = %issue_number, ?why, "nothing owed after all"),
    }
    Ok(())
}

/// A person commented on an issue: if it is a follow-up, its quiet clock and nags reset and the
/// stale label goes. Bots (the App included) do not count.
pub async fn on_comment_activity(
    handlers: &Handlers,
    event: &IssueCommentEvent,
) -> anyhow::Result<()> {
    if event.action != "created" || event.comment.user.is_bot || event.sender.is_bot {
        return Ok(());
    }
    let touched = handlers
        .store
        .record_human_activity(&event.repo, event.issue.number, Utc::now())
        .await?;
    let label = schedule_settings::for_repo(handlers.store.as_ref(), &event.repo)
        .await?
        .stale
        .label;
    if touched == 0 || !event.issue.labels.iter().any(|l| l == &label) {
        return Ok(());
    }
    let installation = event
        .installation
        .context("the delivery names no installation")?;
    // Cosmetic next to the reset itself, and this job also carries the comment's command: a
    // failed removal is logged rather than retried (the next nag sweep will not re-add it early).
    let removed = async {
        let _turn = handlers.locks.installation(installation).await?;
        let client = handlers.github.installation(installation).await?;
        client
            .remove_label(&event.repo, event.issue.number, &label)
            .await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = removed {
        warn!(error = %format!("{error:#}"), issue = %event.issue.number, "cannot remove the stale label");
    }
    Ok(())
}

/// `/postmortem snooze 2w` (`days`) or `/postmortem unsnooze` (`None`) on a follow-up issue.
pub async fn snooze(
    handlers: &Handlers,
    client: &InstallationClient,
    event: &IssueCommentEvent,
    days: Option<u32>,
) -> anyhow::Result<()> {
    let repo = &event.repo;
    let number = event.issue.number;
    let Some(follow_up) = handlers.store.find_follow_up_by_issue(repo, number).await? else {
        let what = if days.is_some() { "snooze" } else { "unsnooze" };
        client
            .create_comment(repo, number, &messages::not_a_follow_up_reply(what))
            .await?;
        return Ok(());
    };
    let now = Utc::now();
    let reply = match days {
        Some(days) => {
            let until = now + Duration::days(i64::from(days));
            handlers
                .store
                .set_snooze(follow_up.postmortem_id, &follow_up.key, Some(until))
                .await?;
            messages::snoozed_reply(until)
        }
        None => {
            let was = follow_up.snoozed_until.is_some_and(|u| u > now);
            handlers
                .store
                .set_snooze(follow_up.postmortem_id, &follow_up.key, None)
                .await?;
            messages::unsnoozed_reply(was)
        }
    };
    client.create_comment(repo, number, &reply).await?;
    Ok(())
}
