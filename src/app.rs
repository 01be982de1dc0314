//! Wires the App together: store, GitHub client, handlers, workers and router, for `serve` and tests.

use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context as _;
use secrecy::SecretString;
use tokio::sync::watch;
use tracing::info;

use crate::config::Settings;
use crate::github::{AppCredentials, GitHubApp};
use crate::handlers::Handlers;
use crate::jobs::worker::{QueueSignals, WorkerPool};
use crate::metrics::Metrics;
use crate::store::DynStore;

/// Shared by the router and the setup flow.
pub struct AppState {
    pub store: DynStore,
    pub metrics: Arc<Metrics>,
    pub signals: Arc<QueueSignals>,
    pub settings: Settings,
    webhook_secret: RwLock<Option<SecretString>>,
    workers: Mutex<Option<WorkerPool>>,
    /// Anti-forgery states of setup forms in flight.
    pub setup_states: Mutex<Vec<String>>,
}

impl AppState {
    pub fn webhook_secret(&self) -> Option<SecretString> {
        self.webhook_secret
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn has_credentials(&self) -> bool {
        self.workers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    /// Takes new App credentials (from the setup flow) and starts the workers with them.
    pub fn configure(
        &self,
        credentials: AppCredentials,
        webhook_secret: SecretString,
    ) -> anyhow::Result<()> {
        *self
            .webhook_secret
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(webhook_secret);
        self.start_workers(credentials)
    }

    fn start_workers(&self, credentials: AppCredentials) -> anyhow::Result<()> {
        let github = GitHubApp::new(
            credentials,
            self.settings.api_url.clone(),
            self.metrics.clone(),
            self.settings.github_retry.clone(),
        )
        .context("cannot build the GitHub client from the App credentials")?;
        let handlers = Handlers::new(
            self.store.clone(),
            Arc::new(github),
            self.metrics.clone(),
            self.settings.clone(),
        );
        let pool = WorkerPool::start(
            self.store.clone(),
            Arc::new(handlers),
            self.settings.jobs.clone(),
            self.metrics.clone(),
            self.signals.clone(),
        );
        let mut workers = self
            .workers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *workers = Some(pool);
        // Jobs may have been queued while nobody could run them.
        self.signals.job_queued.notify_one();
        Ok(())
    }
}

/// A running App (without its listener, so tests can drive the router directly).
pub struct App {
    pub state: Arc<AppState>,
}

impl App {
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        let store = crate::store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database {}",
                    redact(&settings.database_url)
                )
            })?;
        let state = Arc::new(AppState {
            store,
            metrics: Arc::new(Metrics::new()),
            signals: QueueSignals::new(),
            webhook_secret: RwLock::new(settings.webhook_secret.clone()),
            workers: Mutex::new(None),
            setup_states: Mutex::new(Vec::new()),
            settings,
        });
        match state.settings.credentials.clone() {
            Some(credentials) => state.start_workers(credentials)?,
            None => info!("no App credentials: serving the setup page; jobs wait until it is done"),
        }
        Ok(Self { state })
    }

    pub fn router(&self) -> axum::Router {
        crate::server::router(self.state.clone())
    }

    pub fn store(&self) -> &DynStore {
        &self.state.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.state.metrics
    }

    /// Finished job attempts so far; changes after each one.
    pub fn jobs_finished(&self) -> watch::Receiver<u64> {
        self.state.signals.finished()
    }

    /// Waits until no job is queued, scheduled for retry, or running.
    pub async fn wait_idle(&self) -> anyhow::Result<()> {
        let mut finished = self.jobs_finished();
        loop {
            let stats = self.state.store.queue_stats(chrono::Utc::now()).await?;
            if stats.ready + stats.scheduled + stats.running == 0 {
                return Ok(());
            }
            finished.changed().await.context("workers stopped")?;
        }
    }

    /// Stops the workers after their current jobs.
    pub async fn shutdown(self) {
        let pool = self
            .state
            .workers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(pool) = pool {
            pool.shutdown().await;
        }
    }
}

/// A database URL safe to log: any password replaced.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
