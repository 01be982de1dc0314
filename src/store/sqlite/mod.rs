//! SQLite backend of the store (the embedded default): connection setup and the `Store` impl.
//!
//! Timestamps are integer microseconds (see `time`), so SQL compares them as numbers.

mod queue;
mod time;
mod tracking;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{
    DeliveryOutcome, Job, NewJob, NewPostMortem, QueueStats, Store, StoreResult, TrackedFollowUp,
    TrackedPostMortem,
};
use crate::ids::{DeliveryId, InstallationId, IssueNumber, RepoName};

/// Several readers help `/healthz` and the scheduler while a worker writes; SQLite takes one writer
/// at a time anyway, so more connections would only queue on the file lock.
const FILE_POOL_SIZE: u32 = 4;

/// How long a writer waits for another (thread or process) to release the file lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`: `sqlite://FILE` or
    /// `sqlite::memory:`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool_options = if in_memory {
            // An in-memory database lives as long as one connection to it: keep exactly one open
            // forever, and every caller sees the same database.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            options = options
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL is durable across application crashes in WAL mode; only a power loss
                // can drop the last commits.
                .synchronous(SqliteSynchronous::Normal);
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE)
        };
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The underlying pool, for tools (such as a data migration) that read tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn accept_delivery(
        &self,
        delivery: &DeliveryId,
        event: &str,
        job: NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryOutcome> {
        queue::accept_delivery(&self.pool, delivery, event, job, now).await
    }

    async fn enqueue(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
        queue::enqueue(&self.pool, job, now).await
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Option<Job>> {
        queue::claim_job(&self.pool, worker, now, lease).await
    }

    async fn extend_lease(
        &self,
        job_id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        queue::extend_lease(&self.pool, job_id, worker, until).await
    }

    async fn complete_job(&self, job_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        queue::complete_job(&self.pool, job_id, now).await
    }

    async fn retry_job(&self, job_id: i64, error: &str, run_at: DateTime<Utc>) -> StoreResult<()> {
        queue::retry_job(&self.pool, job_id, error, run_at).await
    }

    async fn bury_job(&self, job_id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
        queue::bury_job(&self.pool, job_id, error, now).await
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> StoreResult<QueueStats> {
        queue::queue_stats(&self.pool, now).await
    }

    async fn next_run_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        queue::next_run_at(&self.pool).await
    }

    async fn upsert_installation(
        &self,
        installation: InstallationId,
        account: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        tracking::upsert_installation(&self.pool, installation, account, now).await
    }

    async fn delete_installation(&self, installation: InstallationId) -> StoreResult<()> {
        tracking::delete_installation(&self.pool, installation).await
    }

    async fn add_repositories(
        &self,
        installation: InstallationId,
        repos: &[RepoName],
    ) -> StoreResult<()> {
        tracking::add_repositories(&self.pool, installation, repos).await
    }

    async fn remove_repositories(
        &self,
        installation: InstallationId,
        repos: &[RepoName],
    ) -> StoreResult<()> {
        tracking::remove_repositories(&self.pool, installation, repos).await
    }

    async fn list_repositories(&self, installation: InstallationId) -> StoreResult<Vec<RepoName>> {
        tracking::list_repositories(&self.pool, installation).await
    }

    async fn get_postmortem(&self, source: &str) -> StoreResult<Option<TrackedPostMortem>> {
        tracking::get_postmortem(&self.pool, source).await
    }

    async fn upsert_postmortem(
        &self,
        postmortem: &NewPostMortem,
        now: DateTime<Utc>,
    ) -> StoreResult<TrackedPostMortem> {
        tracking::upsert_postmortem(&self.pool, postmortem, now).await
    }

    async fn list_postmortems(&self, repo: &RepoName) -> StoreResult<Vec<TrackedPostMortem>> {
        tracking::list_postmortems(&self.pool, repo).await
    }

    async fn list_follow_ups(&self, postmortem_id: i64) -> StoreResult<Vec<TrackedFollowUp>> {
        tracking::list_follow_ups(&self.pool, postmortem_id).await
    }

    async fn upsert_follow_up(&self, follow_up: &TrackedFollowUp) -> StoreResult<()> {
        tracking::upsert_follow_up(&self.pool, follow_up).await
    }

    async fn find_follow_up_by_issue(
        &self,
        repo: &RepoName,
        issue: IssueNumber,
    ) -> StoreResult<Option<TrackedFollowUp>> {
        tracking::find_follow_up_by_issue(&self.pool, repo, issue).await
    }
}
