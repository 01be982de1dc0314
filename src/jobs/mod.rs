//! The durable job queue's shell: workers that claim jobs from the store, run them, and retry
//! with backoff or give up visibly.

pub mod backoff;
pub mod scheduler;
pub mod worker;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::{Job, NewJob};

/// Job kind of a webhook delivery; its payload is the decoded `WebhookEvent`.
pub const KIND_WEBHOOK: &str = "webhook";

/// How a failed attempt should be treated.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth another attempt later (GitHub 5xx, rate limit, a lost answer, a busy database).
    Retry(anyhow::Error),
    /// Will never succeed (a malformed payload, a 404): give up now.
    Permanent(anyhow::Error),
}

impl JobFailure {
    pub fn error(&self) -> &anyhow::Error {
        match self {
            JobFailure::Retry(error) | JobFailure::Permanent(error) => error,
        }
    }
}

/// Runs jobs; implemented by the handlers.
#[async_trait]
pub trait JobRunner: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> Result<(), JobFailure>;

    /// Called once when a job is given up, so a waiting user hears about it.
    async fn gave_up(&self, job: &Job, error: &anyhow::Error);
}

pub type DynJobRunner = Arc<dyn JobRunner>;

/// A webhook job for a decoded event.
pub fn webhook_job(
    event: &crate::github::webhook::WebhookEvent,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        kind: KIND_WEBHOOK.to_string(),
        payload: serde_json::to_value(event)?,
        unique_key: None,
        run_at: now,
        max_attempts,
    })
}
