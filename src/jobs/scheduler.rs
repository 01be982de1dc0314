//! The scheduler: a tick every minute that reads the clock once and queues the hour's nag sweep
//! and digest sweep as durable jobs with unique keys, so restarts and replicas never double them;
//! the sweeps queue per-item jobs keyed by follow-up and day, or repository and ISO week.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::warn;

use super::worker::QueueSignals;
use crate::handlers::digest::KIND_DIGEST_SWEEP;
use crate::handlers::nag::{KIND_NAG_SWEEP, SweepPayload};
use crate::store::{DynStore, NewJob, Store, StoreResult};

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
