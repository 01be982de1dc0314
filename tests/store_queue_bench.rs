//! Queue throughput and claim latency per backend: a benchmark, so it is `#[ignore]`d. Run with
//! `cargo test --test store_queue_bench -- --ignored --nocapture` (PostgreSQL rows need
//! `TEST_POSTGRES_URL`). It still checks that every job was claimed exactly once.

#[path = "store/fixture.rs"]
#[allow(dead_code)] // the bench uses only part of the fixture
mod fixture;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use postmortem_bot::store::{DynStore, NewJob};

const JOBS: usize = 2_000;
const WORKERS_PER_REPLICA: usize = 4;

struct Figures {
    jobs_per_second: f64,
    claim_p50: Duration,
    claim_p99: Duration,
}

async fn run(replicas: Vec<DynStore>) -> Figures {
    let mut expected = HashSet::new();
    for n in 0..JOBS {
        let job = NewJob {
            kind: "bench".into(),
            payload: serde_json::json!({ "n": n }),
            unique_key: None,
            run_at: Utc::now(),
            max_attempts: 3,
        };
        expected.insert(replicas[0].enqueue(job, Utc::now()).await.unwrap().unwrap());
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (r, store) in replicas.iter().enumerate() {
        for w in 0..WORKERS_PER_REPLICA {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let worker = format!("replica-{r}-worker-{w}");
                let mut done = Vec::new();
                let mut latencies = Vec::new();
                loop {
                    let asked = Instant::now();
                    let claimed = store
                        .claim_job(&worker, Utc::now(), chrono::Duration::minutes(5))
                        .await
                        .unwrap();
                    latencies.push(asked.elapsed());
                    let Some(job) = claimed else { break };
                    store.complete_job(job.id, Utc::now()).await.unwrap();
                    done.push(job.id);
                }
                (done, latencies)
            }));
        }
    }
    let mut seen = HashSet::new();
    let mut latencies = Vec::new();
    for task in tasks {
        let (done, mut l) = task.await.unwrap();
        for id in done {
            assert!(seen.insert(id), "job {id} claimed twice");
        }
        latencies.append(&mut l);
    }
    let elapsed = started.elapsed();
    assert_eq!(seen, expected, "every job claimed once");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    Figures {
        jobs_per_second: JOBS as f64 / elapsed.as_secs_f64(),
        claim_p50: at(0.50),
        claim_p99: at(0.99),
    }
}

fn print(label: &str, f: &Figures) {
    println!(
        "{label:<28} {:>8.0} jobs/s   claim p50 {:>7.2} ms   p99 {:>7.2} ms",
        f.jobs_per_second,
        f.claim_p50.as_secs_f64() * 1e3,
        f.claim_p99.as_secs_f64() * 1e3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn queue_throughput() {
    println!("{JOBS} jobs, {WORKERS_PER_REPLICA} workers per replica, claim + complete each");
    let fx = fixture::Fixture::sqlite().await;
    print("sqlite (file, WAL)", &run(vec![fx.store.clone()]).await);
    fx.finish().await;

    let Some(base) = fixture::postgres_url() else {
        return;
    };
    let fx = fixture::Fixture::postgres(&base).await;
    print("postgres, 1 replica", &run(vec![fx.store.clone()]).await);
    fx.finish().await;

    let fx = fixture::Fixture::postgres(&base).await;
    let second = fx.open_again().await;
    print(
        "postgres, 2 replicas",
        &run(vec![fx.store.clone(), second]).await,
    );
    fx.finish().await;
}
