//! Exclusion across replicas: one writer per post-mortem source, one mutating job per installation.
//!
//! Each lock is an in-process mutex (so jobs of one replica queue without touching the database)
//! in front of a named store lease (so jobs of different replicas exclude each other). The lease is
//! renewed while held and released after; a replica that dies simply lets it run out.
//!
//! Lock order: a job takes its installation's lock before any source lock, and never waits for an
//! installation while holding a source, so two jobs can never wait on each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::OwnedMutexGuard;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::command::parse_command;
use crate::github::webhook::WebhookEvent;
use crate::ids::InstallationId;
use crate::store::{DynStore, StoreResult};

/// First and longest pause between two tries of a lease another replica holds.
const RETRY_FIRST: Duration = Duration::from_millis(20);
const RETRY_MAX: Duration = Duration::from_millis(200);

/// A named lease never outlives this without renewal, whatever the job lease: a dead replica's
/// locks are free again quickly, while its jobs wait for their own (longer) lease.
const MAX_LEASE: Duration = Duration::from_secs(30);

/// The store lease guarding one post-mortem source.
pub fn source_lease(source: &str) -> String {
    format!("source:{source}")
}

/// The store lease guarding one installation's mutating GitHub calls.
pub fn installation_lease(installation: InstallationId) -> String {
    format!("installation:{installation}")
}

/// The installation whose lock a webhook job holds while it runs, if its work may mutate GitHub.
///
/// GitHub asks for mutations to go out serially per installation. Holding one lock for the whole
/// job (rather than per call) also keeps a job's read-then-write of a tracking issue's body whole,
/// and costs one store round trip per job; events that never mutate skip it so they do not queue
/// behind a slow job. New event kinds mutate unless listed here as not.
pub fn mutating_installation(event: &WebhookEvent) -> Option<InstallationId> {
    let mutates = match event {
        // Any command may reply, open issues or edit the tracking section.
        WebhookEvent::IssueComment(e) => {
            e.action == "created"
                && !e.comment.user.is_bot
                && !e.sender.is_bot
                && parse_command(&e.comment.body).is_some()
        }
        // The actions `issues::on_issues` acts on (it re-ticks or rewrites the checklist).
        WebhookEvent::Issues(e) => matches!(
            e.action.as_str(),
            "closed" | "reopened" | "deleted" | "transferred"
        ),
        // A new installation or new repositories may get their onboarding issue.
        WebhookEvent::Installation(e) => e.action == "created",
        WebhookEvent::InstallationRepositories(e) => !e.added.is_empty(),
        WebhookEvent::Ping | WebhookEvent::Other { .. } => false,
        _ => true,
    };
    if mutates { event.installation() } else { None }
}

/// The locks of one replica; `Handlers` owns one.
pub struct Locks {
    store: DynStore,
    lease: Duration,
    /// Unique per process, so holders of different replicas never look alike.
    replica: String,
    next_holder: AtomicU64,
    local: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Locks {
    /// `lease`: how long a lease lasts without renewal (capped at 30 s); renewed every third of it.
    pub fn new(store: DynStore, lease: Duration) -> Self {
        Self {
            store,
            lease: lease.clamp(Duration::from_millis(300), MAX_LEASE),
            replica: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            next_holder: AtomicU64::new(0),
            local: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until no other job, here or on another replica, works on `source`.
    pub async fn source(&self, source: &str) -> StoreResult<LeaseGuard> {
        self.acquire(source_lease(source)).await
    }

    /// Waits until no other job, here or on another replica, mutates as `installation`.
    pub async fn installation(&self, installation: InstallationId) -> StoreResult<LeaseGuard> {
        self.acquire(installation_lease(installation)).await
    }

    fn local_lock(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut local = self
            .local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget locks nobody holds, so the map stays as small as the work in flight.
        local.retain(|_, lock| Arc::strong_count(lock) > 1);
        local.entry(name.to_string()).or_default().clone()
    }

    async fn acquire(&self, name: String) -> StoreResult<LeaseGuard> {
        let local = self.local_lock(&name).lock_owned().await;
        let holder = format!(
            "{}/{}",
            self.replica,
            self.next_holder.fetch_add(1, Ordering::Relaxed)
        );
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(30));
        let mut pause = RETRY_FIRST;
        while !self
            .store
            .try_lease(&name, &holder, Utc::now(), lease)
            .await?
        {
            debug!(lease = %name, "held by another replica; waiting");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(RETRY_MAX);
        }
        let lost = Arc::new(AtomicBool::new(false));
        let renew = tokio::spawn(renew(
            self.store.clone(),
            name.clone(),
            holder.clone(),
            self.lease,
            lost.clone(),
        ));
        Ok(LeaseGuard {
            store: self.store.clone(),
            name,
            holder,
            local: Some(local),
            renew,
            lost,
        })
    }
}

async fn renew(
    store: DynStore,
    name: String,
    holder: String,
    lease: Duration,
    lost: Arc<AtomicBool>,
) {
    let chrono_lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30));
    let mut tick = tokio::time::interval(lease / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        match store
            .try_lease(&name, &holder, Utc::now(), chrono_lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // Only a pause longer than the whole lease gets here (a frozen process).
                warn!(lease = %name, "lost a lease while holding it; another replica may work on the same thing");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(error) => warn!(lease = %name, %error, "cannot renew a lease; trying again"),
        }
    }
}

/// Held while the work runs; dropping it gives the lease (and the in-process lock) back.
pub struct LeaseGuard {
    store: DynStore,
    name: String,
    holder: String,
    local: Option<OwnedMutexGuard<()>>,
    renew: JoinHandle<()>,
    lost: Arc<AtomicBool>,
}

impl LeaseGuard {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True once a renewal found another holder: the exclusion no longer holds.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.renew.abort();
        let local = self.local.take();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left (process exit): the lease runs out by itself.
            return;
        };
        let store = self.store.clone();
        let name = std::mem::take(&mut self.name);
        let holder = std::mem::take(&mut self.holder);
        // The in-process lock goes back only after the lease, so the next job of this replica
        // finds the lease free instead of waiting a retry pause.
        runtime.spawn(async move {
            if let Err(error) = store.release_lease(&name, &holder).await {
                warn!(lease = %name, %error, "cannot release a lease; it will run out");
            }
            drop(local);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> DynStore {
        crate::store::connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn one_holder_per_source_in_a_process() {
        let locks = Arc::new(Locks::new(store().await, Duration::from_secs(10)));
        let first = locks.source("a").await.unwrap();
        let other = locks.source("b").await.unwrap();
        let waiting = tokio::spawn({
            let locks = locks.clone();
            async move { locks.source("a").await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap().unwrap();
        drop(other);
    }

    #[tokio::test]
    async fn replicas_exclude_each_other_through_the_store() {
        let store = store().await;
        let one = Locks::new(store.clone(), Duration::from_secs(10));
        let two = Arc::new(Locks::new(store.clone(), Duration::from_secs(10)));
        let held = one.installation(InstallationId(7)).await.unwrap();
        assert_eq!(held.name(), "installation:7");
        // The other replica sees the lease taken in the store.
        assert!(
            !store
                .try_lease(
                    "installation:7",
                    "someone",
                    Utc::now(),
                    chrono::Duration::seconds(1)
                )
                .await
                .unwrap()
        );
        let (got, mut got_rx) = tokio::sync::oneshot::channel();
        let waiter = tokio::spawn({
            let two = two.clone();
            async move {
                let guard = two.installation(InstallationId(7)).await.unwrap();
                let _ = got.send(());
                guard
            }
        });
        assert!(got_rx.try_recv().is_err());
        drop(held);
        let guard = waiter.await.unwrap();
        assert!(!guard.is_lost());
        assert!(got_rx.try_recv().is_ok());
    }

    #[tokio::test]
    async fn a_dead_replicas_lease_runs_out() {
        let store = store().await;
        // A lease taken by a replica that never renews or releases it (it died).
        assert!(
            store
                .try_lease(
                    &source_lease("issue:o/r#1"),
                    "dead-replica",
                    Utc::now(),
                    chrono::Duration::milliseconds(300)
                )
                .await
                .unwrap()
        );
        let locks = Locks::new(store, Duration::from_secs(10));
        let guard = locks.source("issue:o/r#1").await.unwrap();
        assert!(!guard.is_lost());
    }

    #[test]
    fn only_work_that_may_mutate_holds_the_installation() {
        let payload = |body: &str, is_bot: bool| {
            serde_json::json!({
                "action": "created",
                "issue": {"number": 1, "title": "t", "body": null, "state": "open",
                          "user": {"login": "u", "is_bot": false}, "is_pull_request": false,
                          "html_url": "", "labels": []},
                "comment": {"id": 1, "body": body, "user": {"login": "u", "is_bot": is_bot},
                            "html_url": ""},
                "sender": {"login": "u", "is_bot": is_bot},
                "repo": "o/r",
                "installation": 7
            })
        };
        let event = |body: &str, is_bot: bool| {
            WebhookEvent::IssueComment(serde_json::from_value(payload(body, is_bot)).unwrap())
        };
        assert_eq!(
            mutating_installation(&event("/postmortem", false)),
            Some(InstallationId(7))
        );
        assert_eq!(mutating_installation(&event("just talk", false)), None);
        assert_eq!(mutating_installation(&event("/postmortem", true)), None);
        assert_eq!(mutating_installation(&WebhookEvent::Ping), None);
        // A new installation may be onboarded (an issue opened); an uninstall only deletes rows.
        let installation = |action: &str| {
            WebhookEvent::Installation(
                serde_json::from_value(serde_json::json!({
                    "action": action, "installation": 7, "account": "o", "repositories": ["o/r"]
                }))
                .unwrap(),
            )
        };
        assert_eq!(
            mutating_installation(&installation("created")),
            Some(InstallationId(7))
        );
        assert_eq!(mutating_installation(&installation("deleted")), None);
    }
}
