//! The nag sweep and the weekly digest over 10,000 repositories × 20 follow-ups, store side: how
//! long planning, queueing and rendering take, and how many GitHub calls the work would make
//! (counted, not made). A benchmark, so `#[ignore]`d; run with
//! `cargo test --release --test app_schedule_bench -- --ignored --nocapture` (PostgreSQL figures
//! need `TEST_POSTGRES_URL`). It still checks the counts it reports.
//!
//! PostgreSQL's reads are timed twice: right after the bulk fill, before the planner has any
//! statistics (as on a server with autovacuum off, or before it got round to the tables), and
//! after an `ANALYZE` (the steady state autovacuum keeps).

#[path = "store/fixture.rs"]
#[allow(dead_code)] // the bench uses only part of the fixture
mod fixture;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone as _, Utc};
use postmortem_bot::handlers::digest::{build_digest, digest_job, plan_digest_sweep};
use postmortem_bot::handlers::nag::{NagSweepPlan, plan_nag_sweep};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::policy::{DigestDue, ScheduleSettings};
use postmortem_bot::store::{
    DigestRepository, DynStore, FollowUpState, NewJob, NewPostMortem, TrackedFollowUp,
};

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

/// Plans the nag sweep and builds every due repository's digest body: the read side, timed.
struct ReadSide {
    plan: NagSweepPlan,
    plan_time: Duration,
    due: Vec<(DigestRepository, DigestDue)>,
    digest_plan_time: Duration,
    render_time: Duration,
    /// The store reads of every digest alone (three per repository).
    reads_time: Duration,
    bytes: usize,
    largest: usize,
}

async fn read_side(store: &DynStore) -> ReadSide {
    let started = Instant::now();
    let plan = plan_nag_sweep(
        store.as_ref(),
        now(),
        &|_: &RepoName| ScheduleSettings::default(),
        14,
    )
    .await
    .unwrap();
    let plan_time = started.elapsed();
    let started = Instant::now();
    let due = plan_digest_sweep(store.as_ref(), now(), &|_: &RepoName| {
        ScheduleSettings::default()
    })
    .await
    .unwrap();
    let digest_plan_time = started.elapsed();
    let started = Instant::now();
    let (mut bytes, mut largest) = (0, 0);
    for (repo, week) in &due {
        let body = build_digest(
            store.as_ref(),
            &repo.repo,
            &week.week,
            now(),
            &ScheduleSettings::default(),
            "https://github.com",
        )
        .await
        .unwrap()
        .expect("every repository has open items");
        bytes += body.len();
        largest = largest.max(body.len());
    }
    let render_time = started.elapsed();
    // The same reads again without the rendering: the store's share of a digest.
    let started = Instant::now();
    for (repo, _) in &due {
        let r = &repo.repo;
        store.list_postmortems(r).await.unwrap();
        store.list_repo_follow_ups(r).await.unwrap();
        store.times_to_resolve(r).await.unwrap();
    }
    ReadSide {
        plan,
        plan_time,
        due,
        digest_plan_time,
        render_time,
        reads_time: started.elapsed(),
        bytes,
        largest,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `ANALYZE` on the bench's schema: what autovacuum does on its own soon after a bulk load, on a
/// server where it runs.
async fn analyze(url: &str) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let autovacuum: String = sqlx::query_scalar("SHOW autovacuum")
        .fetch_one(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    sqlx::query("ANALYZE postmortems, follow_ups, jobs")
        .execute(&pool)
        .await
        .unwrap();
    let took = started.elapsed();
    println!(
        "ANALYZE                       {:>10.0} ms  (autovacuum is {autovacuum} on this server)",
        ms(took)
    );
    pool.close().await;
}

/// Fills the store, then times the sweeps. `analyze_url`: a PostgreSQL store, whose read side is
/// timed once before planner statistics exist (fresh after the bulk load) and once after.
async fn run(name: &str, store: DynStore, writers: usize, analyze_url: Option<&str>) {
    let fill_time = fill(&store, writers).await;
    println!(
        "\n== {name}: {REPOS} repositories × {PER_REPO} follow-ups ({} rows) ==",
        REPOS * PER_REPO
    );
    println!("fill                          {:>10.0} ms", ms(fill_time));
    if let Some(url) = analyze_url {
        let fresh = read_side(&store).await;
        println!(
            "no statistics: nag plan       {:>10.0} ms  ({} candidates)",
            ms(fresh.plan_time),
            fresh.plan.examined
        );
        println!(
            "no statistics: digest bodies  {:>10.0} ms  ({:.2} ms per repository)",
            ms(fresh.render_time),
            ms(fresh.render_time) / fresh.due.len() as f64
        );
        analyze(url).await;
    }
    let read = read_side(&store).await;
    let plan = &read.plan;

    // The nag sweep: one uniquely keyed job per nag, queued in one batch as `run_sweep` does.
    let jobs = plan.jobs(now(), 6).unwrap();
    let started = Instant::now();
    let ids = store.enqueue_many(&jobs, now()).await.unwrap();
    let queue_time = started.elapsed();
    let queued = ids.iter().flatten().count();
    let calls: u64 = plan.nags.iter().map(|n| n.github_calls()).sum();
    // 5 stale + 1 overdue + 1 due-soon per repository; the snoozed one waits.
    assert_eq!(plan.nags.len(), REPOS * 7);
    assert_eq!(queued, REPOS * 7);
    assert_eq!(plan.skipped(), 0);
    assert_eq!(calls as usize, REPOS * (6 * 4 + 2));
    // The same sweep again (a restart, a replica): every job already exists.
    let started = Instant::now();
    let again = plan_nag_sweep(
        store.as_ref(),
        now(),
        &|_: &RepoName| ScheduleSettings::default(),
        14,
    )
    .await
    .unwrap();
    let again_plan_time = started.elapsed();
    let again_jobs = again.jobs(now(), 6).unwrap();
    let started = Instant::now();
    let requeued = store
        .enqueue_many(&again_jobs, now())
        .await
        .unwrap()
        .iter()
        .flatten()
        .count();
    let again_queue_time = started.elapsed();
    assert_eq!(requeued, 0);
    // For comparison, jobs queued one `enqueue` (one round trip and commit) at a time.
    const SINGLES: usize = 1_000;
    let started = Instant::now();
    for mut job in jobs.into_iter().take(SINGLES) {
        job.unique_key = job.unique_key.map(|k| format!("single:{k}"));
        assert!(store.enqueue(job, now()).await.unwrap().is_some());
    }
    let single_time = started.elapsed();

    // The digest sweep: one uniquely keyed job per due repository, in one batch.
    assert_eq!(read.due.len(), REPOS);
    let digest_jobs: Vec<NewJob> = read
        .due
        .iter()
        .map(|(repo, week)| digest_job(repo, week, now(), 6).unwrap())
        .collect();
    let started = Instant::now();
    let digests_queued = store
        .enqueue_many(&digest_jobs, now())
        .await
        .unwrap()
        .iter()
        .flatten()
        .count();
    let digest_queue_time = started.elapsed();
    assert_eq!(digests_queued, REPOS);
    // Steady state: one comment per repository. The first digest also looks for, opens and pins
    // the digest issue (three more calls).
    let digest_calls = read.due.len();
    let first_digest_calls = read.due.len() * 4;

    println!(
        "nag sweep: plan               {:>10.0} ms  ({} candidates examined, {} nags owed)",
        ms(read.plan_time),
        plan.examined,
        plan.nags.len()
    );
    println!(
        "nag sweep: queue {queued:>6} jobs   {:>10.0} ms  ({:.0} µs per job, enqueue_many)",
        ms(queue_time),
        queue_time.as_secs_f64() * 1e6 / queued as f64
    );
    println!(
        "nag sweep: again, all dedup   {:>10.0} ms  (plan {:.0} ms + enqueue_many {:.0} ms; 0 queued)",
        ms(again_plan_time + again_queue_time),
        ms(again_plan_time),
        ms(again_queue_time)
    );
    println!(
        "  one by one, {SINGLES} jobs        {:>10.0} ms  ({:.0} µs per job, enqueue)",
        ms(single_time),
        single_time.as_secs_f64() * 1e6 / SINGLES as f64
    );
    println!("nag GitHub calls (counted)    {calls:>10}  (4 per counting nag, 2 per reminder)");
    println!(
        "digest: plan                  {:>10.0} ms  ({} repositories due)",
        ms(read.digest_plan_time),
        read.due.len()
    );
    println!(
        "digest: queue {digests_queued} jobs      {:>10.0} ms  (enqueue_many)",
        ms(digest_queue_time)
    );
    println!(
        "digest: build {} bodies    {:>10.0} ms  ({:.2} ms per repository; {} KiB total, largest {} B)",
        read.due.len(),
        ms(read.render_time),
        ms(read.render_time) / read.due.len() as f64,
        read.bytes / 1024,
        read.largest
    );
    println!(
        "  their store reads alone     {:>10.0} ms  ({:.2} ms per repository, 3 queries each)",
        ms(read.reads_time),
        ms(read.reads_time) / read.due.len() as f64
    );
    println!(
        "digest GitHub calls (counted) {digest_calls:>10}  (1 comment each; {first_digest_calls} the first week, with the digest issue)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn sweep_and_digest_over_ten_thousand_repositories() {
    let fx = fixture::Fixture::sqlite().await;
    run("SQLite", fx.store.clone(), 1, None).await;
    fx.finish().await;
    if let Some(base) = fixture::postgres_url() {
        use futures::FutureExt as _;
        let fx = fixture::Fixture::postgres(&base).await;
        // Drop the (large) schema even when the run fails, then report the failure.
        let outcome =
            std::panic::AssertUnwindSafe(run("PostgreSQL", fx.store.clone(), 8, Some(&fx.url)))
                .catch_unwind()
                .await;
        fx.finish().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
