//! The nag sweep and the weekly digest over 10,000 repositories × 20 follow-ups, store side: how
//! long planning, queueing and rendering take, and how many GitHub calls the work would make
//! (counted, not made). A benchmark, so `#[ignore]`d; run with
//! `cargo test --release --test app_schedule_bench -- --ignored --nocapture` (PostgreSQL figures
//! need `TEST_POSTGRES_URL`). It still checks the counts it reports.

#[path = "store/fixture.rs"]
#[allow(dead_code)] // the bench uses only part of the fixture
mod fixture;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone as _, Utc};
use postmortem_bot::handlers::digest::{build_digest, digest_job, plan_digest_sweep};
use postmortem_bot::handlers::nag::{NagPayload, plan_nag_sweep};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::policy::ScheduleSettings;
use postmortem_bot::store::{DynStore, FollowUpState, NewJob, NewPostMortem, TrackedFollowUp};

const REPOS: usize = 10_000;
const PER_REPO: usize = 20;
const REPOS_PER_INSTALLATION: usize = 10;

/// Wednesday 2026-11-25 12:00 UTC: Monday's digest is due, and the sweep runs.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// Item `i` of a repository: 5 stale, 5 closed, 1 due in two days, 1 overdue, 1 snoozed and
/// stale, 7 fresh.
fn follow_up(postmortem_id: i64, i: usize, repo_n: usize) -> TrackedFollowUp {
    let now = now();
    let jitter = chrono::Duration::seconds(repo_n as i64);
    let mut f = TrackedFollowUp {
        postmortem_id,
        key: format!("key{i:02}"),
        title: format!("Follow-up number {i} of repository {repo_n}, with a realistic length"),
        issue: Some(IssueNumber(100 + i as u64)),
        adopted: false,
        state: FollowUpState::Open,
        done_in_doc: false,
        owner: Some(format!("@owner{}", i % 4)),
        due: None,
        priority: None,
        body_hash: "h".into(),
        position: i as i64,
        last_human_activity: None,
        nag_count: 0,
        last_nag_at: None,
        escalated: false,
        snoozed_until: None,
        created_at: now - days(2) - jitter,
        closed_at: None,
    };
    match i {
        0..=4 => f.created_at = now - days(30) - jitter,
        5..=9 => {
            f.created_at = now - days(40) - jitter;
            f.state = FollowUpState::Closed;
            f.closed_at = Some(now - days(i as i64));
        }
        10 => f.due = Some((now + days(2)).date_naive().to_string()),
        11 => f.due = Some((now - days(3)).date_naive().to_string()),
        12 => {
            f.created_at = now - days(30) - jitter;
            f.snoozed_until = Some(now + days(7));
        }
        _ => {}
    }
    f
}

/// Writes the store through its own trait, `writers` at a time (SQLite takes one writer anyway;
/// more only queue on its file lock).
async fn fill(store: &DynStore, writers: usize) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in (t..REPOS).step_by(writers) {
                    if n % 2_000 == 0 {
                        eprintln!("filling: repository {n}");
                    }
                    let pm = store
                        .upsert_postmortem(
                            &NewPostMortem {
                                installation_id: InstallationId(
                                    (n / REPOS_PER_INSTALLATION) as u64 + 1,
                                ),
                                repo: RepoName::new(format!("org{}", n / 100), format!("repo{n}")),
                                source: format!("issue:org{}/repo{n}#1", n / 100),
                                title: format!("Outage {n}"),
                                tracking_issue: Some(IssueNumber(1)),
                                author: Some("lead".into()),
                            },
                            now() - days(60),
                        )
                        .await
                        .unwrap();
                    store
                        .set_time_to_resolve(pm.id, Some(30 + (n % 90) as i64))
                        .await
                        .unwrap();
                    for i in 0..PER_REPO {
                        store
                            .upsert_follow_up(&follow_up(pm.id, i, n))
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

async fn run(name: &str, store: DynStore, writers: usize) {
    let fill_time = fill(&store, writers).await;
    let defaults = ScheduleSettings::default();
    let settings: &(dyn Fn(&RepoName) -> ScheduleSettings + Sync) = &|_| defaults.clone();

    // The nag sweep: plan from the store, then queue one uniquely keyed job per nag.
    let started = Instant::now();
    let plan = plan_nag_sweep(store.as_ref(), now(), settings, 14)
        .await
        .unwrap();
    let plan_time = started.elapsed();
    let started = Instant::now();
    let mut queued = 0;
    for nag in &plan.nags {
        let f = &nag.candidate.follow_up;
        let job = NewJob {
            kind: "nag".into(),
            payload: serde_json::to_value(NagPayload {
                installation: nag.candidate.installation_id,
                repo: nag.candidate.repo.clone(),
                postmortem_id: f.postmortem_id,
                key: f.key.clone(),
                day: nag.day,
                now: now(),
            })
            .unwrap(),
            unique_key: Some(nag.unique_key()),
            run_at: now(),
            max_attempts: 6,
        };
        if store.enqueue(job.clone(), now()).await.unwrap().is_some() {
            queued += 1;
        }
    }
    let queue_time = started.elapsed();
    let calls: u64 = plan.nags.iter().map(|n| n.github_calls()).sum();
    // 5 stale + 1 overdue + 1 due-soon per repository; the snoozed one waits.
    assert_eq!(plan.nags.len(), REPOS * 7);
    assert_eq!(queued, REPOS * 7);
    assert_eq!(plan.skipped(), 0);
    assert_eq!(calls as usize, REPOS * (6 * 4 + 2));
    // The same sweep again (a restart, a replica): every job already exists.
    let started = Instant::now();
    let again = plan_nag_sweep(store.as_ref(), now(), settings, 14)
        .await
        .unwrap();
    let mut requeued = 0;
    for nag in &again.nags {
        let job = NewJob {
            kind: "nag".into(),
            payload: serde_json::json!({}),
            unique_key: Some(nag.unique_key()),
            run_at: now(),
            max_attempts: 6,
        };
        if store.enqueue(job, now()).await.unwrap().is_some() {
            requeued += 1;
        }
    }
    let again_time = started.elapsed();
    assert_eq!(requeued, 0);

    // The digest: which repositories are due, then each one's digest from the store.
    let started = Instant::now();
    let due = plan_digest_sweep(store.as_ref(), now(), settings)
        .await
        .unwrap();
    let digest_plan_time = started.elapsed();
    assert_eq!(due.len(), REPOS);
    let started = Instant::now();
    let mut bytes = 0;
    let mut largest = 0;
    for (repo, week) in &due {
        let body = build_digest(
            store.as_ref(),
            &repo.repo,
            &week.week,
            now(),
            &defaults,
            "https://github.com",
        )
        .await
        .unwrap()
        .expect("every repository has open items");
        bytes += body.len();
        largest = largest.max(body.len());
        let _ = digest_job(repo, week, now(), 6).unwrap();
    }
    let render_time = started.elapsed();
    // Steady state: one comment per repository. The first digest also looks for and opens the
    // digest issue (two more calls).
    let digest_calls = due.len();
    let first_digest_calls = due.len() * 3;

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\n== {name}: {REPOS} repositories × {PER_REPO} follow-ups ({} rows) ==",
        REPOS * PER_REPO
    );
    println!("fill                          {:>10.0} ms", ms(fill_time));
    println!(
        "nag sweep: plan               {:>10.0} ms  ({} candidates examined, {} nags owed)",
        ms(plan_time),
        plan.examined,
        plan.nags.len()
    );
    println!(
        "nag sweep: queue {queued:>6} jobs   {:>10.0} ms  ({:.0} µs per job)",
        ms(queue_time),
        queue_time.as_secs_f64() * 1e6 / queued as f64
    );
    println!(
        "nag sweep: again (all dedup)  {:>10.0} ms  (0 queued)",
        ms(again_time)
    );
    println!("nag GitHub calls (counted)    {calls:>10}  (4 per counting nag, 2 per reminder)");
    println!(
        "digest: plan                  {:>10.0} ms  ({} repositories due)",
        ms(digest_plan_time),
        due.len()
    );
    println!(
        "digest: build {} bodies    {:>10.0} ms  ({:.2} ms per repository; {} KiB total, largest {} B)",
        due.len(),
        ms(render_time),
        ms(render_time) / due.len() as f64,
        bytes / 1024,
        largest
    );
    println!(
        "digest GitHub calls (counted) {digest_calls:>10}  (1 comment each; {first_digest_calls} the first week, with the digest issue)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn sweep_and_digest_over_ten_thousand_repositories() {
    let fx = fixture::Fixture::sqlite().await;
    run("SQLite", fx.store.clone(), 1).await;
    fx.finish().await;
    if let Some(base) = fixture::postgres_url() {
        use futures::FutureExt as _;
        let fx = fixture::Fixture::postgres(&base).await;
        // Drop the (large) schema even when the run fails, then report the failure.
        let outcome = std::panic::AssertUnwindSafe(run("PostgreSQL", fx.store.clone(), 8))
            .catch_unwind()
            .await;
        fx.finish().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
