//! The imperative shell per event: decode the job, call the pure rooms, do the I/O.

mod apply;
mod command;
pub mod digest;
mod installation;
mod issues;
mod locks;
pub mod nag;

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
pub use locks::SourceLocks;

/// Everything a handler may touch.
pub struct Handlers {
    pub store: DynStore,
    pub github: Arc<GitHubApp>,
    pub metrics: Arc<Metrics>,
    pub settings: Settings,
    pub locks: SourceLocks,
    pub labels: apply::LabelCache,
}

impl Handlers {
    pub fn new(
        store: DynStore,
        github: Arc<GitHubApp>,
        metrics: Arc<Metrics>,
        settings: Settings,
    ) -> Self {
        Self {
            store,
            github,
            metrics,
            settings,
            locks: SourceLocks::default(),
            labels: apply::LabelCache::default(),
        }
    }

    /// `queued_at`: when the job was queued, so a retried job still reports what its earlier
    /// attempts opened.
    async fn handle_event(
        &self,
        event: &WebhookEvent,
        queued_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        match event {
            WebhookEvent::IssueComment(event) => {
                nag::on_comment_activity(self, event).await?;
                command::on_issue_comment(self, event, queued_at).await
            }
            WebhookEvent::Issues(event) => issues::on_issues(self, event).await,
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
