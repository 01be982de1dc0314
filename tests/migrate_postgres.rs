//! `postmortem-bot migrate`: a populated SQLite file copied into a fresh PostgreSQL schema gives
//! identical rows, runs again without change, resumes a partial copy, and refuses foreign data.

#[path = "process_support/mod.rs"]
mod process_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use postmortem_bot::ids::{DeliveryId, InstallationId, IssueNumber, RepoName};
use postmortem_bot::migrate::{self, NoProgress};
use postmortem_bot::store::{
    self, DynStore, FollowUpState, NewJob, NewPostMortem, TrackedFollowUp,
};
use process_support::{Schema, postgres_url};

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
        + Duration::seconds(seconds)
        + Duration::microseconds(123_457)
}

fn job(n: i64, unique: Option<&str>) -> NewJob {
    NewJob {
        kind: "webhook".into(),
        payload: serde_json::json!({ "n": n, "text": "nul \u{0000} and ünïcode", "list": [1, 2.5, null] }),
        unique_key: unique.map(str::to_string),
        run_at: t(n),
        max_attempts: 3,
    }
}

/// A store as a running single machine leaves it: jobs in every state, deliveries, installations,
/// repositories, post-mortems with follow-ups (optional fields set and unset), a lease.
async fn populate(s: &DynStore) {
    for n in 0..40 {
        let outcome = s
            .accept_delivery(
                &DeliveryId(format!("delivery-{n}")),
                "issue_comment",
                job(n, None),
                t(n),
            )
            .await
            .unwrap();
        assert!(matches!(outcome, store::DeliveryOutcome::Accepted { .. }));
    }
    s.enqueue(job(100, Some("digest:o/r:2025-W09")), t(0))
        .await
        .unwrap();
    // done, retried, dead and running jobs.
    let done = s
        .claim_job("w", t(1000), Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();
    s.complete_job(done.id, t(1001)).await.unwrap();
    let retried = s
        .claim_job("w", t(1000), Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();
    s.retry_job(retried.id, "GitHub said 502", t(5000))
        .await
        .unwrap();
    let dead = s
        .claim_job("w", t(1000), Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();
    s.bury_job(dead.id, "gave up", t(1002)).await.unwrap();
    s.claim_job("w", t(1000), Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();

    for installation in [7u64, 8] {
        s.upsert_installation(
            InstallationId(installation),
            &format!("org-{installation}"),
            t(0),
        )
        .await
        .unwrap();
        s.add_repositories(
            InstallationId(installation),
            &[
                RepoName::new(format!("org-{installation}"), "a"),
                RepoName::new(format!("org-{installation}"), "b"),
            ],
        )
        .await
        .unwrap();
    }
    for n in 0..5u64 {
        let pm = s
            .upsert_postmortem(
                &NewPostMortem {
                    installation_id: InstallationId(7),
                    repo: RepoName::new("org-7", "a"),
                    source: format!("issue:org-7/a#{n}"),
                    title: format!("Outage {n}"),
                    tracking_issue: (n % 2 == 0).then_some(IssueNumber(n)),
                    author: (n % 3 == 0).then(|| "mona".to_string()),
                },
                t(n as i64),
            )
            .await
            .unwrap();
        for k in 0..4i64 {
            let full = k % 2 == 0;
            s.upsert_follow_up(&TrackedFollowUp {
                postmortem_id: pm.id,
                key: format!("key-{n}-{k}"),
                title: format!("Follow up {k} of {n}"),
                issue: full.then_some(IssueNumber(100 + k as u64)),
                adopted: k == 2,
                state: [
                    FollowUpState::Open,
                    FollowUpState::Closed,
                    FollowUpState::Removed,
                ][(k % 3) as usize],
                done_in_doc: k == 1,
                owner: full.then(|| "octocat".to_string()),
                due: full.then(|| "2025-04-01".to_string()),
                priority: full.then(|| "P1".to_string()),
                body_hash: format!("hash-{k}"),
                position: k,
                last_human_activity: full.then(|| t(10)),
                nag_count: k as u32,
                last_nag_at: full.then(|| t(20)),
                escalated: k == 3,
                snoozed_until: full.then(|| t(30)),
                created_at: t(1),
                closed_at: (k == 1).then(|| t(40)),
            })
            .await
            .unwrap();
        }
    }
    for (n, repo) in ["a", "b"].into_iter().enumerate() {
        let repo = RepoName::new("org-7", repo);
        s.put_repo_settings(&store::StoredRepoSettings {
            installation_id: InstallationId(7),
            repo: repo.clone(),
            text: format!("nag_after_days: {}\n", 10 + n),
            commit: (n == 0).then(|| "0123abc".to_string()),
            updated_at: t(50),
        })
        .await
        .unwrap();
        s.put_onboarding(&store::Onboarding {
            installation_id: InstallationId(7),
            repo,
            issue: (n == 0).then_some(IssueNumber(77)),
            state: [
                store::OnboardingState::Pending,
                store::OnboardingState::Done,
            ][n],
            updated_at: t(60),
        })
        .await
        .unwrap();
    }
    assert!(
        s.try_lease(
            "source:issue:org-7/a#1",
            "replica-1",
            t(0),
            Duration::seconds(60)
        )
        .await
        .unwrap()
    );
}

struct Setup {
    _dir: tempfile::TempDir,
    sqlite_url: String,
    sqlite: DynStore,
    schema: Schema,
}

async fn setup(base: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let sqlite = store::connect(&sqlite_url).await.unwrap();
    populate(&sqlite).await;
    Setup {
        _dir: dir,
        sqlite_url,
        sqlite,
        schema: Schema::create(base).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_sqlite_file_becomes_identical_postgres_rows() {
    let Some(base) = postgres_url("a_populated_sqlite_file_becomes_identical_postgres_rows") else {
        return;
    };
    let Setup {
        _dir,
        sqlite_url,
        sqlite,
        schema,
    } = setup(&base).await;

    let counts = migrate::migrate(&sqlite_url, &schema.url, 7, &NoProgress)
        .await
        .unwrap();
    let count = |table: &str| counts.iter().find(|c| c.table == table).unwrap().clone();
    assert_eq!(count("jobs").source, 41);
    assert_eq!(count("deliveries").target, 40);
    assert_eq!(count("follow_ups").target, 20);
    assert_eq!(count("leases").target, 1);
    assert_eq!(count("repo_settings").target, 2);
    assert_eq!(count("onboardings").target, 2);
    assert!(counts.iter().all(|c| c.source == c.target), "{counts:?}");
    assert_eq!(
        migrate::verify(&sqlite_url, &schema.url).await.unwrap(),
        Vec::<String>::new()
    );

    // The same facts through the store API of each backend.
    let pg = store::connect(&schema.url).await.unwrap();
    let now = t(2000);
    assert_eq!(
        pg.queue_stats(now).await.unwrap(),
        sqlite.queue_stats(now).await.unwrap()
    );
    let repo = RepoName::new("org-7", "a");
    let pms = pg.list_postmortems(&repo).await.unwrap();
    assert_eq!(pms, sqlite.list_postmortems(&repo).await.unwrap());
    for pm in &pms {
        assert_eq!(
            pg.list_follow_ups(pm.id).await.unwrap(),
            sqlite.list_follow_ups(pm.id).await.unwrap()
        );
    }
    for name in ["a", "b"] {
        let repo = RepoName::new("org-7", name);
        assert_eq!(
            pg.get_repo_settings(&repo).await.unwrap(),
            sqlite.get_repo_settings(&repo).await.unwrap()
        );
        assert_eq!(
            pg.get_onboarding(&repo).await.unwrap(),
            sqlite.get_onboarding(&repo).await.unwrap()
        );
    }
    assert_eq!(
        pg.list_repositories(InstallationId(8)).await.unwrap(),
        sqlite.list_repositories(InstallationId(8)).await.unwrap()
    );
    // A known delivery stays known; the copied lease still holds.
    let again = pg
        .accept_delivery(
            &DeliveryId("delivery-3".into()),
            "issue_comment",
            job(3, None),
            now,
        )
        .await
        .unwrap();
    assert_eq!(again, store::DeliveryOutcome::Duplicate);
    assert!(
        !pg.try_lease(
            "source:issue:org-7/a#1",
            "replica-2",
            t(1),
            Duration::seconds(5)
        )
        .await
        .unwrap()
    );
    // New rows get ids after the copied ones.
    let new_id = pg.enqueue(job(999, None), now).await.unwrap().unwrap();
    assert!(new_id > 41, "new job id {new_id}");
    drop(pg);

    // Idempotent: a second run changes nothing... except the new job is not ours and is refused.
    let refused = migrate::migrate(&sqlite_url, &schema.url, 500, &NoProgress).await;
    let message = format!("{:#}", refused.unwrap_err());
    assert!(
        message.contains("`jobs` holds 1 rows that are not in the SQLite file"),
        "{message}"
    );
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_again_resumes_and_catches_up() {
    let Some(base) = postgres_url("running_again_resumes_and_catches_up") else {
        return;
    };
    let Setup {
        _dir,
        sqlite_url,
        sqlite,
        schema,
    } = setup(&base).await;
    migrate::migrate(&sqlite_url, &schema.url, 500, &NoProgress)
        .await
        .unwrap();
    // An interrupted copy: some rows never arrived.
    let pool = schema.pool().await;
    sqlx::query("DELETE FROM follow_ups WHERE position >= 2")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM deliveries WHERE id LIKE 'delivery-1%'")
        .execute(&pool)
        .await
        .unwrap();
    // The single machine went on working in the meantime.
    let job = sqlite
        .claim_job("w", t(3000), Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();
    sqlite.complete_job(job.id, t(3001)).await.unwrap();
    sqlite
        .upsert_installation(InstallationId(9), "late-org", t(3002))
        .await
        .unwrap();
    assert_ne!(
        migrate::verify(&sqlite_url, &schema.url).await.unwrap(),
        Vec::<String>::new()
    );

    let counts = migrate::migrate(&sqlite_url, &schema.url, 3, &NoProgress)
        .await
        .unwrap();
    assert!(counts.iter().all(|c| c.source == c.target), "{counts:?}");
    assert_eq!(
        migrate::verify(&sqlite_url, &schema.url).await.unwrap(),
        Vec::<String>::new()
    );
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_copies_with_a_count_table() {
    let Some(base) = postgres_url("the_command_line_copies_with_a_count_table") else {
        return;
    };
    let Setup {
        _dir,
        sqlite_url,
        sqlite: _,
        schema,
    } = setup(&base).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_postmortem-bot"))
        .args([
            "migrate",
            "--from",
            &sqlite_url,
            "--to",
            &schema.url,
            "--verify",
        ])
        .env("ENV_FILE", "/nonexistent/.env")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("follow_ups        20"), "{stdout}");
    assert!(stdout.contains("every row is identical"), "{stdout}");
    // Not a terminal: one finished bar per table on stderr.
    assert!(
        stderr.contains("jobs") && stderr.contains("41/41"),
        "{stderr}"
    );
    schema.drop_schema().await;
}
