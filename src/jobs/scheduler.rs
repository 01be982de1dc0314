//! The scheduler: a tick every minute that reads the clock once and queues the hour's nag sweep
//! and digest sweep as durable jobs with unique keys, so restarts and replicas never double them;
//! the sweeps queue per-item jobs keyed by follow-up and day, or repository and ISO week.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::warn;

use super::worker::QueueSignals;
use crate::app::App;
use crate::config::Settings;
use crate::handlers::digest::{KIND_DIGEST_SWEEP, build_digest, digest_job, plan_digest_sweep};
use crate::handlers::nag::{KIND_NAG_SWEEP, SweepPayload, plan_nag_sweep};
use crate::handlers::schedule_settings::{self, ScheduleBook};
use crate::ids::RepoName;
use crate::policy::{self, DigestDue};
use crate::store::{DigestRepository, DynStore, NewJob, Store, StoreResult};

/// How often the scheduler looks at the clock.
pub const TICK: Duration = Duration::from_secs(60);

/// What one tick queued (false: that hour's sweep was already queued, here or by a replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickOutcome {
    pub nag_sweep: bool,
    pub digest_sweep: bool,
}

/// A sweep job of `kind` for the clock reading `now`; `unique_key` None for a manual run.
pub fn sweep_job(
    kind: &str,
    now: DateTime<Utc>,
    unique_key: Option<String>,
    max_attempts: u32,
) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        kind: kind.to_string(),
        payload: serde_json::to_value(SweepPayload { now })?,
        unique_key,
        // `now` may be a test's or `--now`'s clock; the queue runs on the real one.
        run_at: now.min(Utc::now()),
        max_attempts,
    })
}

/// Queues this hour's sweeps, once per hour across restarts and replicas. Hourly is fine-grained
/// enough: digest times are whole hours, and nags are at most daily.
pub async fn tick(
    store: &dyn Store,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> StoreResult<TickOutcome> {
    let hour = now.format("%Y-%m-%dT%H");
    let mut outcome = TickOutcome::default();
    for (kind, queued) in [
        (KIND_NAG_SWEEP, &mut outcome.nag_sweep),
        (KIND_DIGEST_SWEEP, &mut outcome.digest_sweep),
    ] {
        let job = sweep_job(kind, now, Some(format!("{kind}:{hour}")), max_attempts)
            .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        *queued = store.enqueue(job, Utc::now()).await?.is_some();
    }
    Ok(outcome)
}

/// The running tick loop of `serve`.
pub struct Scheduler {
    handle: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

impl Scheduler {
    /// Ticks at once (so a digest missed while the App was down goes out now), then every `every`.
    pub fn start(
        store: DynStore,
        signals: Arc<QueueSignals>,
        max_attempts: u32,
        every: Duration,
    ) -> Self {
        let (shutdown, mut stop) = watch::channel(false);
        let handle = tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    _ = stop.changed() => return,
                }
                match tick(store.as_ref(), Utc::now(), max_attempts).await {
                    Ok(outcome) if outcome.nag_sweep || outcome.digest_sweep => {
                        signals.job_queued.notify_waiters();
                    }
                    Ok(_) => {}
                    Err(error) => warn!(%error, "scheduler tick failed; trying again next tick"),
                }
            }
        });
        Self { handle, shutdown }
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.handle.await;
    }
}

/// What `postmortem-bot nag` / `digest` runs once.
#[derive(Debug, Clone)]
pub enum Sweep {
    Nag,
    Digest { repo: Option<RepoName> },
}

/// One sweep now, as `serve` would run it at `now`, with the same settings and database. A dry run
/// reads the store only and prints what would be sent; a real run queues the sweep, works the
/// queue until it is idle and stops. Per-item unique keys keep it from repeating what a running
/// `serve` already sent.
pub async fn run_once(
    settings: Settings,
    sweep: Sweep,
    now: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<String> {
    if dry_run {
        let store = crate::store::connect(&settings.database_url)
            .await
            .context("cannot open the database")?;
        return describe(store.as_ref(), &sweep, now, settings.github_url.as_str()).await;
    }
    if settings.credentials.is_none() {
        anyhow::bail!(
            "a real sweep needs the App's credentials (GITHUB_APP_ID, GITHUB_PRIVATE_KEY)"
        );
    }
    let max_attempts = settings.jobs.max_attempts;
    let app = App::start(settings).await?;
    let store = app.store().clone();
    let report = match &sweep {
        Sweep::Nag => {
            store
                .enqueue(
                    sweep_job(KIND_NAG_SWEEP, now, None, max_attempts)?,
                    Utc::now(),
                )
                .await?;
            "nag sweep done".to_string()
        }
        Sweep::Digest { repo: None } => {
            store
                .enqueue(
                    sweep_job(KIND_DIGEST_SWEEP, now, None, max_attempts)?,
                    Utc::now(),
                )
                .await?;
            "digest sweep done".to_string()
        }
        Sweep::Digest { repo: Some(repo) } => {
            let (tracked, due) = due_for(store.as_ref(), repo, now).await?;
            let queued = store
                .enqueue(digest_job(&tracked, &due, now, max_attempts)?, Utc::now())
                .await?;
            match queued {
                Some(_) => format!("digest of {repo} for {} posted", due.week),
                None => format!("the digest of {repo} for {} was already sent", due.week),
            }
        }
    };
    app.state.signals.job_queued.notify_waiters();
    app.wait_idle().await?;
    let stats = store.queue_stats(Utc::now()).await?;
    app.shutdown().await;
    Ok(format!(
        "{report}; {} dead job(s) in the queue\n",
        stats.dead
    ))
}

/// The digest `repo` is owed at `now` (the latest slot, even if tracking began after it).
async fn due_for(
    store: &dyn Store,
    repo: &RepoName,
    now: DateTime<Utc>,
) -> anyhow::Result<(DigestRepository, DigestDue)> {
    let tracked = store
        .digest_repositories()
        .await?
        .into_iter()
        .find(|r| &r.repo == repo)
        .with_context(|| format!("no post-mortem is tracked in {repo}"))?;
    let settings = schedule_settings::for_repo(store, repo).await?;
    let due = policy::digest_due(&settings.digest, now, DateTime::<Utc>::MIN_UTC)
        .with_context(|| format!("digests are turned off for {repo}"))?;
    Ok((tracked, due))
}

/// The dry run's report.
async fn describe(
    store: &dyn Store,
    sweep: &Sweep,
    now: DateTime<Utc>,
    html_base: &str,
) -> anyhow::Result<String> {
    let mut out = String::new();
    let book = ScheduleBook::load(store).await?;
    let settings_for = |repo: &RepoName| book.settings_for(repo);
    match sweep {
        Sweep::Nag => {
            let plan = plan_nag_sweep(store, now, &settings_for, book.stale_floor_days()).await?;
            for nag in &plan.nags {
                let _ = writeln!(out, "{}", nag.describe());
            }
            let calls: u64 = plan.nags.iter().map(|n| n.github_calls()).sum();
            let _ = writeln!(
                out,
                "{} follow-up(s) examined; {} message(s) would be sent ({calls} GitHub calls); \
                 {} over budget, left for the next sweep",
                plan.examined,
                plan.nags.len(),
                plan.skipped()
            );
        }
        Sweep::Digest { repo } => {
            let due = match repo {
                Some(repo) => vec![due_for(store, repo, now).await?],
                None => plan_digest_sweep(store, now, &settings_for).await?,
            };
            for (tracked, due) in &due {
                let repo = &tracked.repo;
                let sent = store
                    .digest_history(repo, 1)
                    .await?
                    .first()
                    .is_some_and(|r| r.week == due.week);
                if sent {
                    let _ = writeln!(out, "{repo} {}: already sent", due.week);
                    continue;
                }
                match build_digest(store, repo, &due.week, now, book.get(repo), html_base).await? {
                    Some(body) => {
                        let _ = writeln!(out, "{repo} {}: would post\n\n{body}", due.week);
                    }
                    None => {
                        let _ = writeln!(out, "{repo} {}: nothing open, skipped", due.week);
                    }
                }
            }
            let _ = writeln!(out, "{} digest(s) due", due.len());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[tokio::test]
    async fn one_sweep_of_each_kind_per_hour() {
        let store = crate::store::connect("sqlite::memory:").await.unwrap();
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap();
        let both = TickOutcome {
            nag_sweep: true,
            digest_sweep: true,
        };
        assert_eq!(tick(store.as_ref(), at(9, 0), 3).await.unwrap(), both);
        assert_eq!(
            tick(store.as_ref(), at(9, 59), 3).await.unwrap(),
            TickOutcome::default()
        );
        assert_eq!(tick(store.as_ref(), at(10, 0), 3).await.unwrap(), both);
        assert_eq!(store.queue_stats(Utc::now()).await.unwrap().ready, 4);
    }

    #[tokio::test]
    async fn the_loop_ticks_at_start_and_stops_on_shutdown() {
        let store = crate::store::connect("sqlite::memory:").await.unwrap();
        let signals = QueueSignals::new();
        let notified = signals.job_queued.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let scheduler = Scheduler::start(store.clone(), signals.clone(), 3, TICK);
        notified.await;
        scheduler.shutdown().await;
        let stats = store.queue_stats(Utc::now()).await.unwrap();
        assert_eq!(stats.ready, 2, "this hour's nag and digest sweeps");
    }
}
