//! The imperative shell per event: decode the job, call the pure rooms, do the I/O.

mod apply;
mod command;
pub mod digest;
mod installation;
mod issues;
mod locks;
pub mod nag;
mod push;
pub mod schedule_settings;
mod source_commands;
mod sources;
mod wiki;
mod wiki_git;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::{debug, warn};

use crate::config::Settings;
use crate::github::webhook::WebhookEvent;
use crate::github::{GitHubApp, GitHubError};
use crate::jobs::{JobFailure, JobRunner, KIND_WEBHOOK};
use crate::metrics::Metrics;
use crate::render;
use crate::store::{DynStore, Job, StoreError};

pub use apply::{ApplyOutcome, SourceDocument, sync_source};
pub use locks::{LeaseGuard, Locks, installation_lease, mutating_installation, source_lease};

/// Everything a handler may touch.
pub struct Handlers {
    pub store: DynStore,
    pub github: Arc<GitHubApp>,
    pub metrics: Arc<Metrics>,
    pub settings: Settings,
    /// Per-source and per-installation exclusion, across replicas.
    pub locks: Locks,
    pub labels: apply::LabelCache,
    pub repo_settings: sources::SettingsCache,
    pub wikis: wiki_git::WikiCache,
}

impl Handlers {
    pub fn new(
        store: DynStore,
        github: Arc<GitHubApp>,
        metrics: Arc<Metrics>,
        settings: Settings,
    ) -> Self {
        let locks = Locks::new(store.clone(), settings.jobs.lease);
        Self {
            store,
            github,
            metrics,
            locks,
            labels: apply::LabelCache::default(),
            repo_settings: sources::SettingsCache::default(),
            wikis: wiki_git::WikiCache::new(wiki_cache_dir(&settings), settings.git_url.clone()),
            settings,
        }
    }

    /// `queued_at`: when the job was queued, so a retried job still reports what its earlier
    /// attempts opened.
    async fn handle_event(
        &self,
        event: &WebhookEvent,
        queued_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if let WebhookEvent::IssueComment(event) = event {
            // Before the installation lock: most comments are not commands and mutate nothing;
            // the rare label removal takes the lock itself.
            nag::on_comment_activity(self, event).await?;
        }
        // Held to the end of the job: mutating calls go out serially per installation.
        let _installation = match mutating_installation(event) {
            Some(installation) => Some(self.locks.installation(installation).await?),
            None => None,
        };
        match event {
            WebhookEvent::IssueComment(event) => {
                command::on_issue_comment(self, event, queued_at).await
            }
            WebhookEvent::Issues(event) => issues::on_issues(self, event).await,
            WebhookEvent::Push(event) => push::on_push(self, event, queued_at).await,
            WebhookEvent::Gollum(event) => wiki::on_gollum(self, event, queued_at).await,
            WebhookEvent::Installation(event) => installation::on_installation(self, event).await,
            WebhookEvent::InstallationRepositories(event) => {
                installation::on_installation_repositories(self, event).await
            }
            other => {
                debug!(?other, "event not handled yet");
                Ok(())
            }
        }
    }
}

/// Where wiki clones are cached: beside a SQLite database file (kept with the data, removed with
/// it), else in the temp directory, per GitHub and database so two Apps on one machine never share
/// a clone.
fn wiki_cache_dir(settings: &Settings) -> std::path::PathBuf {
    use sha2::Digest as _;
    let file = settings
        .database_url
        .strip_prefix("sqlite://")
        .filter(|rest| !rest.contains(":memory:") && !rest.contains("mode=memory"))
        .map(|rest| std::path::PathBuf::from(rest.split('?').next().unwrap_or(rest)));
    if let Some(dir) = file.as_deref().and_then(std::path::Path::parent)
        && !dir.as_os_str().is_empty()
    {
        return dir.join("postmortem-bot-wikis");
    }
    let mut hasher = sha2::Sha256::new();
    hasher.update(settings.git_url.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(settings.database_url.as_bytes());
    std::env::temp_dir()
        .join("postmortem-bot-wikis")
        .join(hex::encode(&hasher.finalize()[..8]))
}

/// Retry what a later attempt can fix; give up at once on what it cannot.
fn classify(error: anyhow::Error) -> JobFailure {
    let permanent = error.chain().any(|cause| {
        cause
            .downcast_ref::<GitHubError>()
            .is_some_and(|e| !e.is_retryable())
            || cause.downcast_ref::<serde_json::Error>().is_some()
    });
    let store_error = error
        .chain()
        .any(|cause| cause.downcast_ref::<StoreError>().is_some());
    if permanent && !store_error {
        JobFailure::Permanent(error)
    } else {
        JobFailure::Retry(error)
    }
}

#[async_trait]
impl JobRunner for Handlers {
    async fn run(&self, job: &Job) -> Result<(), JobFailure> {
        match job.kind.as_str() {
            KIND_WEBHOOK => {
                let event: WebhookEvent = serde_json::from_value(job.payload.clone())
                    .map_err(|e| JobFailure::Permanent(e.into()))?;
                self.handle_event(&event, job.created_at)
                    .await
                    .map_err(classify)
            }
            nag::KIND_NAG_SWEEP => nag::run_sweep(self, job).await.map_err(classify),
            nag::KIND_NAG => nag::run_nag(self, job).await.map_err(classify),
            digest::KIND_DIGEST_SWEEP => digest::run_sweep(self, job).await.map_err(classify),
            digest::KIND_DIGEST => digest::run_digest(self, job).await.map_err(classify),
            other => Err(JobFailure::Permanent(anyhow::anyhow!(
                "unknown job kind `{other}`"
            ))),
        }
    }

    async fn gave_up(&self, job: &Job, error: &anyhow::Error) {
        let Ok(WebhookEvent::IssueComment(event)) =
            serde_json::from_value::<WebhookEvent>(job.payload.clone())
        else {
            return;
        };
        if crate::command::parse_command(&event.comment.body).is_none() {
            return;
        }
        let Some(installation) = event.installation else {
            return;
        };
        let result = async {
            let _turn = self.locks.installation(installation).await?;
            let client = self.github.installation(installation).await?;
            client
                .create_comment(
                    &event.repo,
                    event.issue.number,
                    &render::job_gave_up(&format!("{error:#}")),
                )
                .await?;
            anyhow::Ok(())
        }
        .await;
        if let Err(error) = result {
            warn!(error = %format!("{error:#}"), "cannot tell the user the command failed");
        }
    }
}
