//! Workers: claim, run, then complete, retry or bury; wake on new work or at the next retry time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{Instrument as _, error, info, info_span, warn};

use super::backoff::next_attempt_at;
use super::{DynJobRunner, JobFailure};
use crate::config::JobSettings;
use crate::metrics::Metrics;
use crate::store::{DynStore, Job};

/// Longest an idle worker sleeps before looking again (covers jobs queued by other processes).
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Wakes workers when a job is queued, and tells watchers when a job finished.
#[derive(Debug, Default)]
pub struct QueueSignals {
    pub job_queued: Notify,
    finished: watch::Sender<u64>,
}

impl QueueSignals {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Counts finished attempts; tests and the scheduler wait on it instead of sleeping.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }

    fn job_finished(&self) {
        self.finished.send_modify(|n| *n += 1);
    }
}

pub struct WorkerPool {
    handles: Vec<JoinHandle<()>>,
    shutdown: watch::Sender<bool>,
}

impl WorkerPool {
    pub fn start(
        store: DynStore,
        runner: DynJobRunner,
        settings: JobSettings,
        metrics: Arc<Metrics>,
        signals: Arc<QueueSignals>,
    ) -> Self {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let handles = (0..settings.workers)
            .map(|n| {
                let worker = Worker {
                    name: format!("{}-{}-{n}", hostname(), std::process::id()),
                    store: store.clone(),
                    runner: runner.clone(),
                    settings: settings.clone(),
                    metrics: metrics.clone(),
                    signals: signals.clone(),
                };
                tokio::spawn(worker.run(shutdown_rx.clone()))
            })
            .collect();
        Self { handles, shutdown }
    }

    /// Lets running jobs finish, then stops.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("FLY_MACHINE_ID"))
        .unwrap_or_else(|_| "worker".to_string())
}

struct Worker {
    name: String,
    store: DynStore,
    runner: DynJobRunner,
    settings: JobSettings,
    metrics: Arc<Metrics>,
    signals: Arc<QueueSignals>,
}

impl Worker {
    async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let lease = chrono::Duration::from_std(self.settings.lease)
                .unwrap_or(chrono::Duration::minutes(5));
            match self.store.claim_job(&self.name, Utc::now(), lease).await {
                Ok(Some(job)) => {
                    self.run_job(job).await;
                    continue;
                }
                Ok(None) => {}
                Err(error) => warn!(%error, "cannot claim a job; will look again"),
            }
            let sleep = self.idle_sleep().await;
            tokio::select! {
                _ = self.signals.job_queued.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn idle_sleep(&self) -> Duration {
        match self.store.next_run_at().await {
            Ok(Some(at)) => (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(1), IDLE_POLL),
            _ => IDLE_POLL,
        }
    }

    /// Runs the job while renewing its lease, so a slow job is not taken over by another worker.
    async fn run_keeping_lease(&self, job: &Job) -> Result<(), JobFailure> {
        let run = self.runner.run(job);
        tokio::pin!(run);
        let mut renew = tokio::time::interval(self.settings.lease / 3);
        renew.tick().await;
        loop {
            tokio::select! {
                result = &mut run => return result,
                _ = renew.tick() => {
                    let lease = chrono::Duration::from_std(self.settings.lease)
                        .unwrap_or(chrono::Duration::minutes(5));
                    if let Err(error) = self.store.extend_lease(job.id, &self.name, Utc::now() + lease).await {
                        warn!(%error, "cannot renew the job's lease");
                    }
                }
            }
        }
    }

    async fn run_job(&self, job: Job) {
        let span = info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
        async {
            let started = Instant::now();
            let result = self.run_keeping_lease(&job).await;
            let seconds = started.elapsed().as_secs_f64();
            let now = Utc::now();
            let outcome = match result {
                Ok(()) => {
                    if let Err(error) = self.store.complete_job(job.id, now).await {
                        error!(%error, "job ran but cannot be marked done; it may run again");
                    }
                    "done"
                }
                Err(failure) => {
                    let message = format!("{:#}", failure.error());
                    let retry =
                        matches!(failure, JobFailure::Retry(_)) && job.attempts < job.max_attempts;
                    if retry {
                        let at = next_attempt_at(
                            now,
                            job.attempts,
                            self.settings.backoff,
                            self.settings.max_backoff,
                        );
                        warn!(error = %message, retry_at = %at, "job failed; will retry");
                        if let Err(error) = self.store.retry_job(job.id, &message, at).await {
                            error!(%error, "cannot schedule the retry");
                        }
                        "retried"
                    } else {
                        error!(error = %message, "job failed; giving up");
                        self.runner.gave_up(&job, failure.error()).await;
                        if let Err(error) = self.store.bury_job(job.id, &message, now).await {
                            error!(%error, "cannot record the failed job");
                        }
                        "dead"
                    }
                }
            };
            info!(outcome, seconds, "job finished");
            self.metrics.job_finished(&job.kind, outcome, seconds);
            self.signals.job_finished();
        }
        .instrument(span)
        .await
    }
}
