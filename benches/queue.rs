//! Jobs per second through the queue, and claim latency, on SQLite and on PostgreSQL with one and
//! two replicas: `cargo bench --bench queue` (PostgreSQL rows need `TEST_POSTGRES_URL`; each run
//! uses fresh schemas it drops after).
//!
//! Two figures per setup:
//! - the bare queue: claimers that claim and complete as fast as they can (the queue's ceiling,
//!   and the latency of one claim);
//! - the real worker pool running jobs shaped like the handlers' (hold the installation's lease,
//!   spend `GITHUB_CALL` as if calling GitHub), for one installation and for many: what a
//!   deployment gets, and what replicas add.
//!
//! Replicas are separate stores (own pools, own locks) in this process; the machine's cores are
//! shared by both, so two replicas here are a lower bound of two machines.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use postmortem_bot::config::JobSettings;
use postmortem_bot::handlers::Locks;
use postmortem_bot::ids::InstallationId;
use postmortem_bot::jobs::worker::{QueueSignals, WorkerPool};
use postmortem_bot::jobs::{JobFailure, JobRunner};
use postmortem_bot::metrics::Metrics;
use postmortem_bot::store::{self, DynStore, Job, NewJob};

const BARE_JOBS: usize = 2_000;
const CLAIMERS_PER_REPLICA: usize = 4;
const POOL_JOBS: usize = 400;
const WORKERS_PER_REPLICA: usize = 4;
/// What a job spends waiting on GitHub while it holds its installation's lease.
const GITHUB_CALL: Duration = Duration::from_millis(5);

fn job(n: usize, installations: usize) -> NewJob {
    NewJob {
        kind: "bench".into(),
        payload: serde_json::json!({ "n": n, "installation": n % installations }),
        unique_key: None,
        run_at: Utc::now(),
        max_attempts: 3,
    }
}

async fn enqueue(store: &DynStore, jobs: usize, installations: usize) -> HashSet<i64> {
    let mut ids = HashSet::new();
    for n in 0..jobs {
        ids.insert(
            store
                .enqueue(job(n, installations), Utc::now())
                .await
                .expect("enqueue")
                .expect("no unique key"),
        );
    }
    ids
}

struct Bare {
    jobs_per_second: f64,
    claim_p50: Duration,
    claim_p99: Duration,
}

/// Claim + complete, nothing else; checks that no job is claimed twice.
async fn bare(replicas: &[DynStore]) -> Bare {
    let expected = enqueue(&replicas[0], BARE_JOBS, 1).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (r, store) in replicas.iter().enumerate() {
        for w in 0..CLAIMERS_PER_REPLICA {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let worker = format!("replica-{r}-claimer-{w}");
                let mut done = Vec::new();
                let mut latencies = Vec::new();
                loop {
                    let asked = Instant::now();
                    let claimed = store
                        .claim_job(&worker, Utc::now(), chrono::Duration::minutes(5))
                        .await
                        .expect("claim");
                    latencies.push(asked.elapsed());
                    let Some(job) = claimed else { break };
                    store.complete_job(job.id, Utc::now()).await.expect("done");
                    done.push(job.id);
                }
                (done, latencies)
            }));
        }
    }
    let mut seen = HashSet::new();
    let mut latencies = Vec::new();
    for task in tasks {
        let (done, mut l) = task.await.expect("claimer");
        for id in done {
            assert!(seen.insert(id), "job {id} claimed twice");
        }
        latencies.append(&mut l);
    }
    let elapsed = started.elapsed();
    assert_eq!(seen, expected, "every job claimed once");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    Bare {
        jobs_per_second: BARE_JOBS as f64 / elapsed.as_secs_f64(),
        claim_p50: at(0.50),
        claim_p99: at(0.99),
    }
}

/// A job shaped like a mutating handler's: the installation's lease held around the GitHub time.
struct LeasedWork {
    locks: Locks,
}

#[async_trait]
impl JobRunner for LeasedWork {
    async fn run(&self, job: &Job) -> Result<(), JobFailure> {
        let installation = job.payload["installation"].as_u64().unwrap_or(0);
        let _turn = self
            .locks
            .installation(InstallationId(installation))
            .await
            .map_err(|e| JobFailure::Retry(e.into()))?;
        tokio::time::sleep(GITHUB_CALL).await;
        Ok(())
    }

    async fn gave_up(&self, _: &Job, _: &anyhow::Error) {}
}

/// The real worker pools, one per replica; jobs per second until every job is done.
async fn pools(replicas: &[DynStore], installations: usize) -> f64 {
    enqueue(&replicas[0], POOL_JOBS, installations).await;
    let settings = JobSettings {
        workers: WORKERS_PER_REPLICA,
        lease: Duration::from_secs(30),
        max_attempts: 3,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    };
    let started = Instant::now();
    let mut running = Vec::new();
    for store in replicas {
        let signals = QueueSignals::new();
        let finished = signals.finished();
        let runner = Arc::new(LeasedWork {
            locks: Locks::new(store.clone(), settings.lease),
        });
        let pool = WorkerPool::start(
            store.clone(),
            runner,
            settings.clone(),
            Arc::new(Metrics::new()),
            signals,
        );
        running.push((pool, finished));
    }
    // Done when the queue is empty of runnable and running jobs.
    let store = &replicas[0];
    let mut finished: Vec<_> = running.iter().map(|(_, f)| f.clone()).collect();
    loop {
        let stats = store.queue_stats(Utc::now()).await.expect("stats");
        if stats.ready + stats.scheduled + stats.running == 0 {
            break;
        }
        let changes = finished.iter_mut().map(|f| Box::pin(f.changed()));
        let _ = futures::future::select_all(changes).await;
    }
    let elapsed = started.elapsed();
    for (pool, _) in running {
        pool.shutdown().await;
    }
    let stats = store.queue_stats(Utc::now()).await.expect("stats");
    assert_eq!(stats.dead, 0);
    POOL_JOBS as f64 / elapsed.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn measure(label: &str, open: &mut dyn FnMut() -> Setup, replicas: usize) {
    let bare_figures = {
        let setup = open();
        let stores = setup.stores(replicas).await;
        let figures = bare(&stores).await;
        setup.finish().await;
        figures
    };
    let mut pooled = Vec::new();
    for installations in [1, 16] {
        let setup = open();
        let stores = setup.stores(replicas).await;
        pooled.push(pools(&stores, installations).await);
        setup.finish().await;
    }
    println!(
        "{label:<22} {:>8.0} {:>9.2} {:>9.2} {:>12.0} {:>12.0}",
        bare_figures.jobs_per_second,
        ms(bare_figures.claim_p50),
        ms(bare_figures.claim_p99),
        pooled[0],
        pooled[1],
    );
}

/// A fresh database for one measurement.
enum Setup {
    Sqlite(tempfile::TempDir),
    Postgres { base: String, schema: String },
}

impl Setup {
    fn url(&self) -> String {
        match self {
            Setup::Sqlite(dir) => format!("sqlite://{}", dir.path().join("bench.db").display()),
            Setup::Postgres { base, schema } => {
                let separator = if base.contains('?') { '&' } else { '?' };
                format!("{base}{separator}options=-csearch_path%3D{schema}")
            }
        }
    }

    async fn stores(&self, replicas: usize) -> Vec<DynStore> {
        if let Setup::Postgres { base, schema } = self {
            let admin = sqlx::PgPool::connect(base).await.expect("PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("a schema");
        }
        let mut stores = Vec::new();
        for _ in 0..replicas {
            stores.push(store::connect(&self.url()).await.expect("the store"));
        }
        stores
    }

    async fn finish(self) {
        if let Setup::Postgres { base, schema } = self {
            let admin = sqlx::PgPool::connect(&base).await.expect("PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .expect("drop the schema");
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        println!(
            "bare queue: {BARE_JOBS} jobs, {CLAIMERS_PER_REPLICA} claimers per replica, claim + complete; \
             worker pools: {POOL_JOBS} jobs, {WORKERS_PER_REPLICA} workers per replica, each job holds \
             its installation's lease for {} ms",
            GITHUB_CALL.as_millis()
        );
        println!(
            "{:<22} {:>8} {:>9} {:>9} {:>12} {:>12}",
            "setup", "bare/s", "claim p50", "claim p99", "pool 1 inst/s", "pool 16 inst/s"
        );
        println!("{:<22} {:>8} {:>9} {:>9}", "", "", "ms", "ms");
        let mut sqlite = || Setup::Sqlite(tempfile::tempdir().expect("a temp dir"));
        measure("sqlite (file, WAL)", &mut sqlite, 1).await;
        let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
            println!("notice: TEST_POSTGRES_URL is not set; PostgreSQL rows skipped");
            return;
        };
        let mut postgres = || Setup::Postgres {
            base: base.clone(),
            schema: format!("pmb_bench_{}", uuid::Uuid::new_v4().simple()),
        };
        measure("postgres, 1 replica", &mut postgres, 1).await;
        measure("postgres, 2 replicas", &mut postgres, 2).await;
    });
}
