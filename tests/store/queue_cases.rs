//! Conformance cases for deliveries and the job queue.

use std::collections::HashSet;

use chrono::Duration;
use postmortem_bot::ids::DeliveryId;
use postmortem_bot::store::{DeliveryOutcome, NewJob, QueueStats, StoreError};
use serde_json::json;

use super::fixture::{Fixture, t};

fn job(n: u32) -> NewJob {
    NewJob {
        kind: "webhook".into(),
        payload: json!({ "n": n, "nested": { "list": [1, 2, 3], "text": "é ✓" } }),
        unique_key: None,
        run_at: t(0),
        max_attempts: 3,
    }
}

fn keyed(key: &str) -> NewJob {
    NewJob {
        unique_key: Some(key.into()),
        kind: "digest".into(),
        ..job(0)
    }
}

fn at(n: u32, seconds: i64) -> NewJob {
    NewJob {
        run_at: t(seconds),
        ..job(n)
    }
}

fn delivery(id: &str) -> DeliveryId {
    DeliveryId(id.into())
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

pub async fn ping(fx: &Fixture) {
    fx.store.ping().await.unwrap();
}

pub async fn accept_delivery_queues_once(fx: &Fixture) {
    let s = &fx.store;
    let first = s
        .accept_delivery(&delivery("d-1"), "issue_comment", job(1), t(0))
        .await
        .unwrap();
    let DeliveryOutcome::Accepted { job_id } = first else {
        panic!("first delivery not accepted: {first:?}");
    };
    // A redelivery (even with another body) queues nothing.
    let again = s
        .accept_delivery(&delivery("d-1"), "issue_comment", job(2), t(5))
        .await
        .unwrap();
    assert_eq!(again, DeliveryOutcome::Duplicate);
    assert_eq!(s.queue_stats(t(5)).await.unwrap().ready, 1);

    let other = s
        .accept_delivery(&delivery("d-2"), "issues", job(3), t(6))
        .await
        .unwrap();
    let DeliveryOutcome::Accepted { job_id: other_id } = other else {
        panic!("second delivery not accepted: {other:?}");
    };
    assert_ne!(other_id, job_id);

    let claimed = s.claim_job("w", t(10), minutes(1)).await.unwrap().unwrap();
    assert_eq!(claimed.id, job_id);
    assert_eq!(claimed.payload, job(1).payload);
    assert_eq!(claimed.created_at, t(0));
    let claimed = s.claim_job("w", t(10), minutes(1)).await.unwrap().unwrap();
    assert_eq!(claimed.id, other_id);
    assert!(s.claim_job("w", t(10), minutes(1)).await.unwrap().is_none());
}

pub async fn accept_delivery_with_a_taken_unique_key_queues_nothing(fx: &Fixture) {
    let s = &fx.store;
    s.enqueue(keyed("source:o/r#1"), t(0))
        .await
        .unwrap()
        .unwrap();
    let outcome = s
        .accept_delivery(&delivery("d-k"), "push", keyed("source:o/r#1"), t(1))
        .await
        .unwrap();
    assert_eq!(outcome, DeliveryOutcome::Duplicate);
    let outcome = s
        .accept_delivery(&delivery("d-k"), "push", job(1), t(2))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        DeliveryOutcome::Duplicate,
        "the delivery was recorded"
    );
    assert_eq!(s.queue_stats(t(2)).await.unwrap().ready, 1);
}

pub async fn unique_keys_hold_in_every_state(fx: &Fixture) {
    let s = &fx.store;
    let queued = s.enqueue(keyed("digest:o/r:2025-W09"), t(0)).await.unwrap();
    assert!(queued.is_some());
    assert_eq!(
        s.enqueue(keyed("digest:o/r:2025-W09"), t(1)).await.unwrap(),
        None
    );

    let running = s.claim_job("w", t(1), minutes(1)).await.unwrap().unwrap();
    assert_eq!(Some(running.id), queued);
    assert_eq!(running.unique_key.as_deref(), Some("digest:o/r:2025-W09"));
    assert_eq!(
        s.enqueue(keyed("digest:o/r:2025-W09"), t(2)).await.unwrap(),
        None
    );

    s.complete_job(running.id, t(3)).await.unwrap();
    assert_eq!(
        s.enqueue(keyed("digest:o/r:2025-W09"), t(4)).await.unwrap(),
        None
    );

    s.enqueue(keyed("nag:o/r#7:1"), t(5))
        .await
        .unwrap()
        .unwrap();
    let doomed = s.claim_job("w", t(5), minutes(1)).await.unwrap().unwrap();
    s.bury_job(doomed.id, "gave up", t(6)).await.unwrap();
    assert_eq!(s.enqueue(keyed("nag:o/r#7:1"), t(7)).await.unwrap(), None);

    // Jobs without a key never collide.
    let a = s.enqueue(job(1), t(8)).await.unwrap().unwrap();
    let b = s.enqueue(job(1), t(8)).await.unwrap().unwrap();
    assert_ne!(a, b);
    // Another key is another job.
    assert!(
        s.enqueue(keyed("digest:o/r:2025-W10"), t(9))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn claims_take_the_oldest_runnable_job(fx: &Fixture) {
    let s = &fx.store;
    let late = s.enqueue(at(1, 20), t(0)).await.unwrap().unwrap();
    let early = s.enqueue(at(2, 10), t(1)).await.unwrap().unwrap();
    let early_too = s.enqueue(at(3, 10), t(2)).await.unwrap().unwrap();
    let future = s.enqueue(at(4, 100), t(3)).await.unwrap().unwrap();

    let mut order = Vec::new();
    while let Some(job) = s.claim_job("w", t(50), minutes(10)).await.unwrap() {
        order.push(job.id);
    }
    assert_eq!(order, vec![early, early_too, late], "by run_at, then by id");

    let job = s
        .claim_job("w", t(100), minutes(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, future);
    assert_eq!(job.kind, "webhook");
    assert_eq!(job.payload, job_payload(4));
    assert_eq!(job.unique_key, None);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.max_attempts, 3);
    assert_eq!(job.created_at, t(3));
    assert_eq!(job.last_error, None);
}

fn job_payload(n: u32) -> serde_json::Value {
    job(n).payload
}

pub async fn an_expired_lease_is_taken_over(fx: &Fixture) {
    let s = &fx.store;
    let id = s.enqueue(job(1), t(0)).await.unwrap().unwrap();
    let first = s.claim_job("w1", t(0), minutes(1)).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempts), (id, 1));

    assert!(
        s.claim_job("w2", t(59), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    let stats = s.queue_stats(t(30)).await.unwrap();
    assert_eq!((stats.running, stats.ready), (1, 0));
    let stats = s.queue_stats(t(60)).await.unwrap();
    assert_eq!(
        (stats.running, stats.ready),
        (0, 1),
        "an expired lease is runnable"
    );

    let second = s.claim_job("w2", t(60), minutes(1)).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (id, 2));

    // The first worker learns it lost the job; the new holder keeps it.
    let lost = s.extend_lease(id, "w1", t(200)).await;
    assert!(
        matches!(lost, Err(StoreError::LeaseLost { job_id, .. }) if job_id == id),
        "{lost:?}"
    );
    s.extend_lease(id, "w2", t(200)).await.unwrap();
    assert!(
        s.claim_job("w3", t(199), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn extending_a_lease_keeps_the_job(fx: &Fixture) {
    let s = &fx.store;
    let id = s.enqueue(job(1), t(0)).await.unwrap().unwrap();
    s.claim_job("w1", t(0), minutes(1)).await.unwrap().unwrap();
    s.extend_lease(id, "w1", t(300)).await.unwrap();
    assert!(
        s.claim_job("w2", t(200), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.next_run_at().await.unwrap(), Some(t(300)));
    let taken = s
        .claim_job("w2", t(300), minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.id, taken.attempts), (id, 2));
    // A job that is not running has no lease to extend.
    s.complete_job(id, t(301)).await.unwrap();
    assert!(matches!(
        s.extend_lease(id, "w2", t(400)).await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(matches!(
        s.extend_lease(9_999, "w2", t(400)).await,
        Err(StoreError::LeaseLost { .. })
    ));
}

pub async fn a_worker_dying_on_the_last_attempt_buries_the_job(fx: &Fixture) {
    let s = &fx.store;
    let id = s
        .enqueue(
            NewJob {
                max_attempts: 2,
                ..keyed("crashy")
            },
            t(0),
        )
        .await
        .unwrap()
        .unwrap();
    let one = s.claim_job("w1", t(0), minutes(1)).await.unwrap().unwrap();
    let two = s.claim_job("w2", t(60), minutes(1)).await.unwrap().unwrap();
    assert_eq!((one.id, one.attempts, two.id, two.attempts), (id, 1, id, 2));

    let stats = s.queue_stats(t(120)).await.unwrap();
    assert_eq!((stats.ready, stats.running, stats.dead), (0, 0, 1));
    assert!(
        s.claim_job("w3", t(120), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    let stats = s.queue_stats(t(120)).await.unwrap();
    assert_eq!(
        stats,
        QueueStats {
            dead: 1,
            ..QueueStats::default()
        }
    );
    assert_eq!(s.next_run_at().await.unwrap(), None);
    // Dead but not forgotten: the key is still taken, and late calls change nothing.
    assert_eq!(s.enqueue(keyed("crashy"), t(121)).await.unwrap(), None);
    s.retry_job(id, "late", t(121)).await.unwrap();
    assert!(
        s.claim_job("w3", t(200), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn completed_jobs_are_gone_from_the_queue(fx: &Fixture) {
    let s = &fx.store;
    let id = s.enqueue(job(1), t(0)).await.unwrap().unwrap();
    let job = s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    s.complete_job(job.id, t(1)).await.unwrap();
    assert_eq!(s.queue_stats(t(1)).await.unwrap(), QueueStats::default());
    assert_eq!(s.next_run_at().await.unwrap(), None);
    assert!(
        s.claim_job("w", t(10_000), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    // A late retry or bury from a worker that lost the lease does not bring it back.
    s.retry_job(id, "late", t(2)).await.unwrap();
    s.bury_job(id, "late", t(2)).await.unwrap();
    assert_eq!(s.queue_stats(t(3)).await.unwrap(), QueueStats::default());
    assert!(
        s.claim_job("w", t(10_000), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn retried_jobs_wait_and_keep_their_error(fx: &Fixture) {
    let s = &fx.store;
    let id = s.enqueue(job(1), t(0)).await.unwrap().unwrap();
    s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    s.retry_job(id, "GitHub answered 502", t(30)).await.unwrap();

    let stats = s.queue_stats(t(10)).await.unwrap();
    assert_eq!(
        stats,
        QueueStats {
            scheduled: 1,
            ..QueueStats::default()
        }
    );
    assert_eq!(s.next_run_at().await.unwrap(), Some(t(30)));
    assert!(s.claim_job("w", t(29), minutes(1)).await.unwrap().is_none());

    let again = s.claim_job("w2", t(30), minutes(1)).await.unwrap().unwrap();
    assert_eq!(again.id, id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.last_error.as_deref(), Some("GitHub answered 502"));
    assert_eq!(again.payload, job_payload(1));
    // The retry released the old lease: only the new holder may extend it.
    s.extend_lease(id, "w2", t(100)).await.unwrap();
    assert!(matches!(
        s.extend_lease(id, "w", t(100)).await,
        Err(StoreError::LeaseLost { .. })
    ));
}

pub async fn buried_jobs_stay_visible_as_dead(fx: &Fixture) {
    let s = &fx.store;
    let id = s.enqueue(job(1), t(0)).await.unwrap().unwrap();
    s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    s.bury_job(id, "404 Not Found", t(1)).await.unwrap();
    assert_eq!(
        s.queue_stats(t(1)).await.unwrap(),
        QueueStats {
            dead: 1,
            ..QueueStats::default()
        }
    );
    assert!(
        s.claim_job("w", t(10_000), minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    s.complete_job(id, t(2)).await.unwrap();
    assert_eq!(s.queue_stats(t(2)).await.unwrap().dead, 1);
}

pub async fn queue_stats_count_every_state(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.queue_stats(t(0)).await.unwrap(), QueueStats::default());
    // Claimed in this order (by run_at): expired, running, dead, done.
    for n in 0..4 {
        s.enqueue(at(n, -10 + i64::from(n)), t(-20))
            .await
            .unwrap()
            .unwrap();
    }
    let expired = s
        .claim_job("w", t(0), Duration::seconds(5))
        .await
        .unwrap()
        .unwrap();
    let running = s.claim_job("w", t(0), minutes(10)).await.unwrap().unwrap();
    let dead = s.claim_job("w", t(0), minutes(10)).await.unwrap().unwrap();
    let done = s.claim_job("w", t(0), minutes(10)).await.unwrap().unwrap();
    assert_eq!(expired.payload, job_payload(0));
    s.bury_job(dead.id, "x", t(1)).await.unwrap();
    s.complete_job(done.id, t(1)).await.unwrap();
    s.enqueue(at(10, 0), t(0)).await.unwrap().unwrap(); // ready
    s.enqueue(at(11, 60), t(0)).await.unwrap().unwrap(); // scheduled
    s.enqueue(at(12, 61), t(0)).await.unwrap().unwrap(); // scheduled

    let stats = s.queue_stats(t(10)).await.unwrap();
    assert_eq!(
        stats,
        QueueStats {
            ready: 2,
            scheduled: 2,
            running: 1,
            dead: 1
        }
    );
    assert_ne!(running.id, expired.id);
    // Time moves: the scheduled jobs come due, and so does the running job's lease.
    let later = s.queue_stats(t(601)).await.unwrap();
    assert_eq!(
        later,
        QueueStats {
            ready: 5,
            scheduled: 0,
            running: 0,
            dead: 1
        }
    );
}

pub async fn next_run_at_follows_queue_and_leases(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.next_run_at().await.unwrap(), None);
    let later = s.enqueue(at(1, 50), t(0)).await.unwrap().unwrap();
    let sooner = s.enqueue(at(2, 20), t(0)).await.unwrap().unwrap();
    assert_eq!(s.next_run_at().await.unwrap(), Some(t(20)));

    let job = s
        .claim_job("w", t(20), Duration::seconds(100))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, sooner);
    assert_eq!(s.next_run_at().await.unwrap(), Some(t(50)));

    let job = s
        .claim_job("w", t(50), Duration::seconds(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.id, later);
    assert_eq!(
        s.next_run_at().await.unwrap(),
        Some(t(60)),
        "the shorter lease"
    );

    s.complete_job(later, t(55)).await.unwrap();
    assert_eq!(s.next_run_at().await.unwrap(), Some(t(120)));
    s.complete_job(sooner, t(56)).await.unwrap();
    assert_eq!(s.next_run_at().await.unwrap(), None);
}

/// Many claimers on two independent connections (two processes or replicas): each job once.
pub async fn concurrent_claimers_never_share_a_job(fx: &Fixture) {
    const JOBS: u32 = 60;
    const CLAIMERS: usize = 8;
    let other = fx.open_again().await;
    let mut expected = HashSet::new();
    for n in 0..JOBS {
        expected.insert(fx.store.enqueue(job(n), t(0)).await.unwrap().unwrap());
    }

    let mut tasks = Vec::new();
    for c in 0..CLAIMERS {
        let store = if c % 2 == 0 {
            fx.store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            let worker = format!("worker-{c}");
            let mut mine = Vec::new();
            while let Some(job) = store.claim_job(&worker, t(1), minutes(10)).await.unwrap() {
                assert_eq!(job.attempts, 1, "job {} claimed twice", job.id);
                store.complete_job(job.id, t(2)).await.unwrap();
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(seen.insert(id), "job {id} claimed by two workers");
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(
        other.queue_stats(t(3)).await.unwrap(),
        QueueStats::default()
    );
}

/// Two connections to one database see one set of deliveries.
pub async fn deliveries_are_unique_across_connections(fx: &Fixture) {
    let other = fx.open_again().await;
    let mut tasks = Vec::new();
    for c in 0..6 {
        let store = if c % 2 == 0 {
            fx.store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            store
                .accept_delivery(&delivery("same"), "issue_comment", job(c), t(0))
                .await
                .unwrap()
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if let DeliveryOutcome::Accepted { .. } = task.await.unwrap() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(fx.store.queue_stats(t(0)).await.unwrap().ready, 1);
}

/// Whatever JSON a webhook carries comes back as it went in: NUL escapes, emoji, a big body.
pub async fn payloads_round_trip_exactly(fx: &Fixture) {
    let s = &fx.store;
    let payload = json!({
        "comment": { "body": "nul \u{0} here, quote \" and emoji 🚒, newline\n" },
        "numbers": [0, -1, 1.5, 9_007_199_254_740_993u64],
        "empty": {},
        "null": null,
        "big": "x".repeat(2 * 1024 * 1024),
    });
    let id = s
        .enqueue(
            NewJob {
                payload: payload.clone(),
                ..job(0)
            },
            t(0),
        )
        .await
        .unwrap()
        .unwrap();
    let claimed = s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    assert_eq!(claimed.payload, payload);
}

/// `enqueue_many` answers per job as `enqueue` one by one would: a key taken in any state, or
/// earlier in the batch, gives None; the rest are queued as given.
pub async fn enqueue_many_dedupes_like_enqueue(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.enqueue_many(&[], t(0)).await.unwrap(), vec![]);
    s.enqueue(keyed("done"), t(0)).await.unwrap().unwrap();
    let done = s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    s.complete_job(done.id, t(0)).await.unwrap();
    let queued = s.enqueue(keyed("queued"), t(0)).await.unwrap().unwrap();

    let with = |n: u32, key: &str, seconds: i64| NewJob {
        payload: json!({ "n": n }),
        run_at: t(seconds),
        ..keyed(key)
    };
    let batch = vec![
        with(1, "queued", 0),
        at(2, 30),
        with(3, "new", 20),
        with(4, "new", 5),
        at(5, 10),
        with(6, "done", 0),
    ];
    let ids = s.enqueue_many(&batch, t(1)).await.unwrap();
    assert_eq!(ids.len(), batch.len());
    assert_eq!([ids[0], ids[3], ids[5]], [None, None, None]);
    let (two, three, five) = (ids[1].unwrap(), ids[2].unwrap(), ids[4].unwrap());
    assert_eq!(
        HashSet::from([two, three, five, queued, done.id]).len(),
        5,
        "every queued job has an id of its own"
    );

    // Each id is its own job, queued as given (oldest run_at first).
    let mut claimed = Vec::new();
    while let Some(job) = s.claim_job("w", t(100), minutes(1)).await.unwrap() {
        claimed.push(job);
    }
    let order: Vec<i64> = claimed.iter().map(|j| j.id).collect();
    assert_eq!(order, [queued, five, three, two]);
    assert_eq!(claimed[1].payload, batch[4].payload);
    assert_eq!(claimed[1].unique_key, None);
    assert_eq!(claimed[2].payload, json!({ "n": 3 }));
    assert_eq!(claimed[2].unique_key.as_deref(), Some("new"));
    assert_eq!(claimed[2].kind, "digest");
    assert_eq!(claimed[2].max_attempts, 3);
    assert_eq!(claimed[2].created_at, t(1));
    assert_eq!(claimed[3].payload, batch[1].payload);

    // The same batch again queues only the jobs without a key.
    let again = s.enqueue_many(&batch, t(2)).await.unwrap();
    assert_eq!(
        again.iter().map(Option::is_some).collect::<Vec<_>>(),
        [false, true, false, false, true, false]
    );
}

/// A batch larger than one chunk: of each key the first job is queued, even across chunks.
pub async fn enqueue_many_keeps_the_first_of_each_key(fx: &Fixture) {
    let s = &fx.store;
    let batch: Vec<NewJob> = (0..2_500)
        .map(|i| NewJob {
            payload: json!({ "i": i }),
            ..keyed(&format!("k{}", i % 1_200))
        })
        .collect();
    let ids = s.enqueue_many(&batch, t(0)).await.unwrap();
    assert_eq!(ids.len(), batch.len());
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(id.is_some(), i < 1_200, "job {i}");
    }
    let distinct: HashSet<i64> = ids.iter().flatten().copied().collect();
    assert_eq!(distinct.len(), 1_200);
    assert_eq!(s.queue_stats(t(0)).await.unwrap().ready, 1_200);
    // Ids follow the batch's order, so equal run_at claims in that order.
    let first = s.claim_job("w", t(0), minutes(1)).await.unwrap().unwrap();
    assert_eq!(Some(first.id), ids[0]);
    assert_eq!(first.payload, json!({ "i": 0 }));
}

/// Replicas racing on the same keys, with batches in different orders and single jobs, queue each
/// key once, and none of them fails.
pub async fn enqueue_many_races_across_connections(fx: &Fixture) {
    let other = fx.open_again().await;
    let jobs: Vec<NewJob> = (0..900).map(|i| keyed(&format!("race:{i}"))).collect();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(6));
    let mut tasks = Vec::new();
    for c in 0..6 {
        let store = if c % 2 == 0 {
            fx.store.clone()
        } else {
            other.clone()
        };
        let mut mine = jobs.clone();
        mine.rotate_left(c * 150);
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            // Connected before the start, so the batches overlap as much as they can.
            store.ping().await.unwrap();
            start.wait().await;
            if c < 4 {
                let ids = store.enqueue_many(&mine, t(0)).await.unwrap();
                ids.iter().flatten().count()
            } else {
                let mut queued = 0;
                for job in mine.into_iter().rev() {
                    if store.enqueue(job, t(0)).await.unwrap().is_some() {
                        queued += 1;
                    }
                }
                queued
            }
        }));
    }
    let mut queued = 0;
    for task in tasks {
        queued += task.await.unwrap();
    }
    assert_eq!(queued, 900);
    assert_eq!(fx.store.queue_stats(t(0)).await.unwrap().ready, 900);
}
