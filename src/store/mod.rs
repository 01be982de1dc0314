//! Persistence behind the `Store` trait: deliveries, the job queue, installations, tracked post-mortems.
//!
//! Nothing above this module knows which backend runs; `connect` picks one from the database URL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DeliveryId, InstallationId, IssueNumber, RepoName};

mod convert;
mod delegate;
pub mod postgres;
pub mod sqlite;

pub type DynStore = Arc<dyn Store>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}` (expected sqlite://... or postgres://...)")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// The job is no longer running under this worker (its lease expired and another worker took it,
    /// or it finished): the caller must stop working on it.
    #[error("job {job_id} is no longer leased to worker `{worker}`")]
    LeaseLost { job_id: i64, worker: String },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A unit of durable work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    /// What the worker dispatches on, e.g. `webhook`, `nag`, `digest`.
    pub kind: String,
    pub payload: serde_json::Value,
    /// At most one job ever exists per unique key (the digest for repo R and week W, ...).
    pub unique_key: Option<String>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub unique_key: Option<String>,
    /// Attempts started so far, this one included.
    pub attempts: u32,
    pub max_attempts: u32,
    pub created_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// First time we see this delivery id: the job is queued.
    Accepted { job_id: i64 },
    /// A redelivery: acknowledged, nothing queued.
    Duplicate,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Runnable now.
    pub ready: u64,
    /// Waiting for their `run_at` (retries with backoff).
    pub scheduled: u64,
    /// Claimed by a worker whose lease has not expired.
    pub running: u64,
    /// Gave up after `max_attempts`.
    pub dead: u64,
}

/// A post-mortem the bot tracks: one per source (and incident, for multi-incident pages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedPostMortem {
    pub id: i64,
    pub installation_id: InstallationId,
    pub repo: RepoName,
    /// `Source`'s string form, plus `@incident` for one incident of a multi-incident page.
    pub source: String,
    pub title: String,
    pub tracking_issue: Option<IssueNumber>,
    /// Login of the post-mortem's author (nagged when an item has no owner).
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPostMortem {
    pub installation_id: InstallationId,
    pub repo: RepoName,
    pub source: String,
    pub title: String,
    pub tracking_issue: Option<IssueNumber>,
    pub author: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Open,
    Closed,
    /// The item left its document; its issue stays as GitHub has it.
    Removed,
}

impl FollowUpState {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpState::Open => "open",
            FollowUpState::Closed => "closed",
            FollowUpState::Removed => "removed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(FollowUpState::Open),
            "closed" => Some(FollowUpState::Closed),
            "removed" => Some(FollowUpState::Removed),
            _ => None,
        }
    }
}

/// A follow-up bound (or being bound) to a GitHub issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedFollowUp {
    pub postmortem_id: i64,
    /// Stable identity, also written as the hidden marker in the issue body.
    pub key: String,
    pub title: String,
    /// None while a create is in flight: the marker must be searched before creating again.
    pub issue: Option<IssueNumber>,
    /// True when the bot adopted an issue the document named instead of opening one.
    pub adopted: bool,
    pub state: FollowUpState,
    /// The document marks the item done.
    pub done_in_doc: bool,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub priority: Option<String>,
    /// Hash of the body the bot last wrote, so unchanged items cost no call.
    pub body_hash: String,
    /// Order in the document.
    pub position: i64,
    pub last_human_activity: Option<DateTime<Utc>>,
    pub nag_count: u32,
    pub last_nag_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A repository's last valid `.github/postmortem.yml`, kept so a broken edit leaves it in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRepoSettings {
    pub installation_id: InstallationId,
    pub repo: RepoName,
    /// The file's text; empty when the repository has no settings file (the defaults apply).
    pub text: String,
    /// The commit the text was read at, when known.
    pub commit: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnboardingState {
    /// The onboarding issue is open: nothing is tracked until `/postmortem sync`.
    Pending,
    /// A maintainer ran `/postmortem sync`: the repository is tracked like any other.
    Done,
}

impl OnboardingState {
    pub fn as_str(self) -> &'static str {
        match self {
            OnboardingState::Pending => "pending",
            OnboardingState::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(OnboardingState::Pending),
            "done" => Some(OnboardingState::Done),
            _ => None,
        }
    }
}

/// A follow-up a nag sweep looks at, with what the nag needs from its post-mortem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NagCandidate {
    pub installation_id: InstallationId,
    pub repo: RepoName,
    pub postmortem_title: String,
    pub tracking_issue: Option<IssueNumber>,
    pub author: Option<String>,
    pub follow_up: TrackedFollowUp,
}

impl NagCandidate {
    /// Where a sweep that stopped at this candidate resumes.
    pub fn cursor(&self) -> SweepCursor {
        SweepCursor {
            activity: self
                .follow_up
                .last_human_activity
                .unwrap_or(self.follow_up.created_at),
            postmortem_id: self.follow_up.postmortem_id,
            key: self.follow_up.key.clone(),
        }
    }
}

/// What the App did when installed on a repository that already held post-mortems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Onboarding {
    pub installation_id: InstallationId,
    pub repo: RepoName,
    /// None while the onboarding issue is being opened.
    pub issue: Option<IssueNumber>,
    pub state: OnboardingState,
    pub updated_at: DateTime<Utc>,
}

/// A position in the nag sweep's order: quietest first (`COALESCE(last_human_activity,
/// created_at)`), then post-mortem id, then key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepCursor {
    pub activity: DateTime<Utc>,
    pub postmortem_id: i64,
    pub key: String,
}

/// A repository with tracked post-mortems, hence a weekly digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRepository {
    pub installation_id: InstallationId,
    pub repo: RepoName,
    /// When its first post-mortem was tracked.
    pub tracked_since: DateTime<Utc>,
}

/// A digest that went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRecord {
    pub repo: RepoName,
    /// `2026-W48`.
    pub week: String,
    pub issue: IssueNumber,
    pub sent_at: DateTime<Utc>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap round trip for `/healthz`.
    async fn ping(&self) -> StoreResult<()>;

    /// Records the delivery and queues its job in one transaction; a known delivery id queues nothing.
    /// A job whose `unique_key` already exists is also `Duplicate` (the work is already queued).
    async fn accept_delivery(
        &self,
        delivery: &DeliveryId,
        event: &str,
        job: NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<DeliveryOutcome>;

    /// Queues a job; returns None when a job with the same unique key already exists (in any state).
    async fn enqueue(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<Option<i64>>;

    /// Queues each job as `enqueue` would, in order, in a few round trips and commits instead of
    /// one each: per job its id, or None when its unique key already exists (in any state, or
    /// earlier in `jobs`). Each job is queued or found taken as a whole; the jobs go in chunks,
    /// each committed on its own, so a failure may leave earlier chunks queued (as a loop of
    /// `enqueue` leaves the jobs before the one that failed), and running the same batch again
    /// queues only what is missing.
    async fn enqueue_many(
        &self,
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Option<i64>>>;

    /// Claims the oldest runnable job: queued with `run_at <= now`, or running with an expired lease
    /// (its worker died). Increments `attempts`. Oldest means smallest `run_at`, then smallest id.
    /// A job whose worker died on its last allowed attempt is buried instead of claimed again, so a
    /// job that crashes its worker cannot loop forever.
    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<Option<Job>>;

    /// Extends the lease of a job still being worked on; `LeaseLost` when `worker` no longer holds it.
    async fn extend_lease(
        &self,
        job_id: i64,
        worker: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Marks a running job done. The row stays, so its unique key keeps blocking new jobs.
    /// This and `retry_job`/`bury_job` only touch a running job: a late call from a worker that
    /// lost its lease cannot bring a finished job back.
    async fn complete_job(&self, job_id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// Puts the job back in the queue to run at `run_at`, keeping the error.
    async fn retry_job(&self, job_id: i64, error: &str, run_at: DateTime<Utc>) -> StoreResult<()>;

    /// Gives up on the job: it stays visible as dead.
    async fn bury_job(&self, job_id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()>;

    async fn queue_stats(&self, now: DateTime<Utc>) -> StoreResult<QueueStats>;

    /// When the next queued job becomes runnable (or a running job's lease runs out, so a dead
    /// worker's job is taken over), so idle workers can sleep until then.
    async fn next_run_at(&self) -> StoreResult<Option<DateTime<Utc>>>;

    /// Takes the named lease for `holder` until `now + lease`, or renews it when `holder` already
    /// holds it; false while another holder's lease runs. Replicas use it so that one post-mortem
    /// source is applied, or one installation's mutating calls go out, on one replica at a time
    /// (`source:{source}`, `installation:{id}`); a dead replica's lease simply runs out.
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StoreResult<bool>;

    /// Gives the lease up early; nothing happens when `holder` no longer holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;

    async fn upsert_installation(
        &self,
        installation: InstallationId,
        account: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Deletes the installation and everything recorded for it: repositories, post-mortems and
    /// their follow-ups, settings, onboardings, and its repositories' digest issues and digest
    /// history. Jobs and deliveries are left alone.
    async fn delete_installation(&self, installation: InstallationId) -> StoreResult<()>;

    async fn add_repositories(
        &self,
        installation: InstallationId,
        repos: &[RepoName],
    ) -> StoreResult<()>;

    async fn remove_repositories(
        &self,
        installation: InstallationId,
        repos: &[RepoName],
    ) -> StoreResult<()>;

    async fn list_repositories(&self, installation: InstallationId) -> StoreResult<Vec<RepoName>>;

    async fn get_postmortem(&self, source: &str) -> StoreResult<Option<TrackedPostMortem>>;

    /// Inserts or updates by `source`; returns the stored row. A `None` tracking issue or author
    /// keeps the stored one, so a tracking issue, once known, is never forgotten.
    async fn upsert_postmortem(
        &self,
        postmortem: &NewPostMortem,
        now: DateTime<Utc>,
    ) -> StoreResult<TrackedPostMortem>;

    async fn list_postmortems(&self, repo: &RepoName) -> StoreResult<Vec<TrackedPostMortem>>;

    /// The post-mortem's follow-ups in document order.
    async fn list_follow_ups(&self, postmortem_id: i64) -> StoreResult<Vec<TrackedFollowUp>>;

    /// Inserts or replaces by (`postmortem_id`, `key`); a replace keeps the first `created_at`.
    async fn upsert_follow_up(&self, follow_up: &TrackedFollowUp) -> StoreResult<()>;

    /// The follow-up bound to an issue of `repo` (the repository of its post-mortem), whichever
    /// post-mortem it belongs to; the most recently created one if several adopted the same issue.
    async fn find_follow_up_by_issue(
        &self,
        repo: &RepoName,
        issue: IssueNumber,
    ) -> StoreResult<Option<TrackedFollowUp>>;

    /// The repository's last valid settings file, if one was ever read.
    async fn get_repo_settings(&self, repo: &RepoName) -> StoreResult<Option<StoredRepoSettings>>;

    /// Every repository's last valid settings file, ordered by repository: what a sweep reads once.
    async fn list_repo_settings(&self) -> StoreResult<Vec<StoredRepoSettings>>;

    /// Inserts or replaces by repository. Deleted with the installation.
    async fn put_repo_settings(&self, settings: &StoredRepoSettings) -> StoreResult<()>;

    /// Moves a tracked post-mortem (and so its follow-ups) to a new source name, as when its file
    /// is renamed. False, changing nothing, when `old` is unknown or `new` is already tracked.
    async fn rename_postmortem_source(
        &self,
        old: &str,
        new: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    async fn get_onboarding(&self, repo: &RepoName) -> StoreResult<Option<Onboarding>>;

    /// Inserts or replaces by repository. Deleted with the installation.
    async fn put_onboarding(&self, onboarding: &Onboarding) -> StoreResult<()>;
    /// Open follow-ups with an issue, not escalated, not snoozed at `now`, that are quiet since
    /// `stale_before` or have a due date or priority (which may make them due), quietest first,
    /// strictly after `after`; at most `limit`. The nag policy decides on each.
    async fn nag_candidates(
        &self,
        stale_before: DateTime<Utc>,
        now: DateTime<Utc>,
        after: Option<&SweepCursor>,
        limit: u32,
    ) -> StoreResult<Vec<NagCandidate>>;

    /// Records a nag (or the escalation) on one follow-up, touching only its nag fields.
    async fn record_nag(
        &self,
        postmortem_id: i64,
        key: &str,
        nag_count: u32,
        at: DateTime<Utc>,
        escalated: bool,
    ) -> StoreResult<()>;

    /// A human commented on `issue`: every follow-up bound to it gets `last_human_activity` (never
    /// moved back), and its nag count and escalation reset. Returns how many follow-ups matched.
    async fn record_human_activity(
        &self,
        repo: &RepoName,
        issue: IssueNumber,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Snoozes one follow-up until `until`, or ends its snooze with `None`.
    async fn set_snooze(
        &self,
        postmortem_id: i64,
        key: &str,
        until: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;

    /// Every follow-up of every post-mortem of `repo`, by post-mortem id then document order.
    async fn list_repo_follow_ups(&self, repo: &RepoName) -> StoreResult<Vec<TrackedFollowUp>>;

    /// Repositories with at least one tracked post-mortem, by name.
    async fn digest_repositories(&self) -> StoreResult<Vec<DigestRepository>>;

    /// The long-lived issue the repository's digests are posted on.
    async fn digest_issue(&self, repo: &RepoName) -> StoreResult<Option<IssueNumber>>;

    async fn set_digest_issue(&self, repo: &RepoName, issue: IssueNumber) -> StoreResult<()>;

    /// Records a digest as sent; recording the same week again keeps the first record.
    async fn record_digest(&self, record: &DigestRecord) -> StoreResult<()>;

    /// The repository's digests, newest week first, at most `limit`.
    async fn digest_history(&self, repo: &RepoName, limit: u32) -> StoreResult<Vec<DigestRecord>>;

    /// Keeps the post-mortem's time to resolve (minutes, from its timeline) for the digest.
    async fn set_time_to_resolve(
        &self,
        postmortem_id: i64,
        minutes: Option<i64>,
    ) -> StoreResult<()>;

    /// `(postmortem id, minutes)` for the repository's post-mortems whose time to resolve is known.
    async fn times_to_resolve(&self, repo: &RepoName) -> StoreResult<Vec<(i64, i64)>>;
}

/// Opens (and migrates) the store named by a database URL: `sqlite:...` (a file, or
/// `sqlite::memory:`) or `postgres://...` / `postgresql://...`.
pub async fn connect(url: &str) -> StoreResult<DynStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}
