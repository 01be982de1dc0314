//! Two `serve` processes on one PostgreSQL database against the fake GitHub: every delivery is
//! processed once, a replica killed mid-job has its job finished by the other, and the same
//! `/postmortem` sent to both opens nothing twice, and two schedulers send one digest. Skipped with a
//! notice without TEST_POSTGRES_URL.

#[path = "process_support/mod.rs"]
mod process_support;

use std::time::Duration;

use http::Method;
use postmortem_bot::fake_github::{Fault, FaultKind};
use process_support::{
    INSTALLATION, MAINTAINER, POSTMORTEM, Replica, ReplicaOptions, Schema, bot_comments,
    comment_payload, eventually, expected_titles, fake, follow_up_titles, postgres_url, repo,
};

const WAIT: Duration = Duration::from_secs(120);

/// (state, attempts, worker) of every job, oldest first.
async fn jobs(pool: &sqlx::PgPool) -> Vec<(String, i64, Option<String>)> {
    // Webhook jobs only: the schedulers queue their own sweeps beside them.
    sqlx::query_as("SELECT state, attempts, worker FROM jobs WHERE kind = 'webhook' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn all_done(pool: &sqlx::PgPool, expected: usize) -> bool {
    let jobs = jobs(pool).await;
    jobs.len() == expected && jobs.iter().all(|(state, _, _)| state == "done")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_deliveries_split_between_two_replicas_are_each_processed_once() {
    let Some(base) = postgres_url("two_hundred_deliveries_split_between_two_replicas") else {
        return;
    };
    let schema = Schema::create(&base).await;
    let fake = fake().await;
    let options = ReplicaOptions::default();
    let a = Replica::start("a", &fake, &schema.url, &options).await;
    let b = Replica::start("b", &fake, &schema.url, &options).await;

    let mut deliveries = Vec::new();
    for n in 0..200 {
        let issue = fake.add_issue(&repo(), MAINTAINER, &format!("Question {n}"), "How?");
        let comment = fake
            .add_comment(&repo(), issue, MAINTAINER, "/postmortem help")
            .unwrap();
        let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
        deliveries.push((issue, uuid::Uuid::new_v4().to_string(), payload));
    }
    // Even deliveries to one replica, odd to the other, all at once.
    let sends = deliveries.iter().enumerate().map(|(n, (_, id, payload))| {
        let replica = if n % 2 == 0 { &a } else { &b };
        replica.deliver("issue_comment", id, payload)
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    // GitHub redelivering some of them to the other replica changes nothing.
    for (n, (_, id, payload)) in deliveries.iter().enumerate().take(20) {
        let other = if n % 2 == 0 { &b } else { &a };
        // 200: "duplicate delivery; already queued".
        assert_eq!(other.deliver("issue_comment", id, payload).await, 200);
    }

    let pool = schema.pool().await;
    eventually("every job done", WAIT, || all_done(&pool, 200)).await;
    for (issue, _, _) in &deliveries {
        assert_eq!(bot_comments(&fake, issue.0).len(), 1, "issue #{issue}");
    }
    let jobs = jobs(&pool).await;
    let by = |prefix: &str| {
        jobs.iter()
            .filter(|(_, _, w)| w.as_deref().is_some_and(|w| w.starts_with(prefix)))
            .count()
    };
    assert_eq!(by("a-") + by("b-"), 200);
    assert!(
        by("a-") > 0 && by("b-") > 0,
        "both replicas worked: {} / {}",
        by("a-"),
        by("b-")
    );
    let deliveries_stored: i64 = sqlx::query_scalar("SELECT count(*) FROM deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deliveries_stored, 200);
    assert_eq!(fake.max_concurrent_mutations(INSTALLATION), 1);
    assert_eq!(
        fake.count(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments"
        ),
        200
    );

    a.stop().await;
    b.stop().await;
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_job_has_its_job_finished_by_the_other_once() {
    let Some(base) = postgres_url("a_replica_killed_mid_job_has_its_job_finished_by_the_other")
    else {
        return;
    };
    let schema = Schema::create(&base).await;
    let fake = fake().await;
    let options = ReplicaOptions {
        workers: 2,
        job_lease_seconds: 2,
    };
    let mut a = Replica::start("a", &fake, &schema.url, &options).await;
    let mut b = Replica::start("b", &fake, &schema.url, &options).await;
    let issue = fake.add_issue(&repo(), MAINTAINER, "Post-mortem: queue", POSTMORTEM);
    // Reading the post-mortem hangs: whoever takes the job is stuck mid-job.
    let read_issue = format!("/repos/{}/issues/{issue}", repo());
    fake.inject(Fault::new(Method::GET, read_issue, FaultKind::Hold));
    let comment = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
    assert_eq!(a.deliver("issue_comment", "kill-me", &payload).await, 202);

    fake.wait_until(WAIT, |f| f.held() == 1).await.unwrap();
    let pool = schema.pool().await;
    let holder = jobs(&pool).await[0]
        .2
        .clone()
        .expect("a running job has a worker");
    let (victim, survivor) = if holder.starts_with("a-") {
        (&mut a, b)
    } else {
        (&mut b, a)
    };
    assert!(holder.starts_with(&format!("{}-", victim.name)));
    victim.kill().await;

    eventually("the job done by the survivor", WAIT, || all_done(&pool, 1)).await;
    let (_, attempts, worker) = jobs(&pool).await.remove(0);
    assert_eq!(attempts, 2);
    assert!(worker.unwrap().starts_with(&format!("{}-", survivor.name)));
    assert_eq!(follow_up_titles(&fake), expected_titles());
    let replies = bot_comments(&fake, issue.0);
    assert_eq!(replies.len(), 1, "{replies:?}");

    survivor.stop().await;
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_command_sent_to_both_replicas_at_once_opens_nothing_twice() {
    let Some(base) = postgres_url("the_same_command_sent_to_both_replicas_at_once") else {
        return;
    };
    let schema = Schema::create(&base).await;
    let fake = fake().await;
    let options = ReplicaOptions::default();
    let a = Replica::start("a", &fake, &schema.url, &options).await;
    let b = Replica::start("b", &fake, &schema.url, &options).await;
    let issue = fake.add_issue(&repo(), MAINTAINER, "Post-mortem: queue", POSTMORTEM);

    // One delivery reaching both replicas at once (GitHub redelivering while the first is
    // still being answered): one job.
    let comment = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
    let (to_a, to_b) = tokio::join!(
        a.deliver("issue_comment", "same-delivery", &payload),
        b.deliver("issue_comment", "same-delivery", &payload)
    );
    let mut statuses = [to_a, to_b];
    statuses.sort();
    assert_eq!(statuses, [200, 202], "one queued, one known as a duplicate");
    // Two people typing `/postmortem` at once, each delivery reaching a different replica.
    let first = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let second = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let (p1, p2) = (
        comment_payload(&fake, issue.0, first, MAINTAINER),
        comment_payload(&fake, issue.0, second, MAINTAINER),
    );
    let (s1, s2) = tokio::join!(
        a.deliver("issue_comment", "first", &p1),
        b.deliver("issue_comment", "second", &p2)
    );
    assert_eq!((s1, s2), (202, 202));

    let pool = schema.pool().await;
    eventually("three jobs done", WAIT, || all_done(&pool, 3)).await;
    assert_eq!(follow_up_titles(&fake), expected_titles());
    assert_eq!(
        fake.count("POST", "/repos/{owner}/{repo}/issues"),
        3,
        "one create per follow-up"
    );
    // One summary per job; the tracking checklist lists each follow-up once.
    assert_eq!(bot_comments(&fake, issue.0).len(), 3);
    let body = fake.issue(&repo(), issue).unwrap().body.unwrap_or_default();
    for number in fake
        .issues(&repo())
        .into_iter()
        .filter(|i| i.labels.iter().any(|l| l == "follow-up"))
        .map(|i| i.number)
    {
        assert_eq!(
            body.matches(&format!("#{number}\n")).count(),
            1,
            "#{number} in {body}"
        );
    }

    a.stop().await;
    b.stop().await;
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mutations_of_one_installation_go_out_one_at_a_time_across_replicas() {
    let Some(base) = postgres_url("mutations_of_one_installation_go_out_one_at_a_time") else {
        return;
    };
    let schema = Schema::create(&base).await;
    let fake = fake().await;
    let options = ReplicaOptions::default();
    let a = Replica::start("a", &fake, &schema.url, &options).await;
    let b = Replica::start("b", &fake, &schema.url, &options).await;
    // Whichever reply goes out first is slow; the other replica must not mutate meanwhile.
    fake.inject(Fault::new(
        Method::POST,
        format!("/repos/{}/issues/{{n}}/comments", repo()),
        FaultKind::Delay(Duration::from_secs(2)),
    ));
    let mut sends = Vec::new();
    for replica in [&a, &b] {
        let issue = fake.add_issue(&repo(), MAINTAINER, "Question", "How?");
        let comment = fake
            .add_comment(&repo(), issue, MAINTAINER, "/postmortem help")
            .unwrap();
        let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
        sends.push(async move {
            replica
                .deliver("issue_comment", &uuid::Uuid::new_v4().to_string(), &payload)
                .await
        });
    }
    let statuses = futures::future::join_all(sends).await;
    assert_eq!(statuses, vec![202, 202]);
    let pool = schema.pool().await;
    eventually("both jobs done", WAIT, || all_done(&pool, 2)).await;

    // The log is in order of completion: before the slow reply completed, only its own job's
    // reaction was sent; the other job's reaction and reply came after it.
    let mutations: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.is_mutation() && r.path.starts_with("/repos/"))
        .collect();
    let slow = mutations
        .iter()
        .position(|r| r.fault.is_some())
        .expect("the slow reply");
    assert_eq!(
        slow,
        1,
        "{:#?}",
        mutations.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    assert_eq!(mutations.len(), 4);
    assert_eq!(fake.max_concurrent_mutations(INSTALLATION), 1);

    a.stop().await;
    b.stop().await;
    schema.drop_schema().await;
}

/// Digest comments the App wrote on its digest issue.
fn digest_comments(fake: &postmortem_bot::fake_github::FakeGitHub) -> Vec<String> {
    let bot = fake.bot_login();
    fake.issues(&repo())
        .into_iter()
        .filter(|issue| {
            issue.author == bot
                && issue
                    .body
                    .as_deref()
                    .is_some_and(|b| b.contains(postmortem_bot::digest::DIGEST_ISSUE_MARKER))
        })
        .flat_map(|issue| issue.comments)
        .filter(|c| c.author == bot)
        .map(|c| c.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_through_a_digest_hour_send_one_digest() {
    let Some(base) = postgres_url("two_schedulers_through_a_digest_hour") else {
        return;
    };
    let schema = Schema::create(&base).await;
    let fake = fake().await;
    let options = ReplicaOptions::default();
    let pool = schema.pool().await;

    // One replica tracks a post-mortem; then it looks tracked since last month, so this week's
    // digest (Monday 09:00 UTC by default) is due whenever the test runs.
    let first = Replica::start("first", &fake, &schema.url, &options).await;
    let issue = fake.add_issue(&repo(), MAINTAINER, "Post-mortem: queue", POSTMORTEM);
    let comment = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
    assert_eq!(first.deliver("issue_comment", "track", &payload).await, 202);
    eventually("the post-mortem tracked", WAIT, || all_done(&pool, 1)).await;
    first.stop().await;
    sqlx::query("UPDATE postmortems SET created_at = created_at - INTERVAL '30 days'")
        .execute(&pool)
        .await
        .unwrap();
    // The hour starts afresh: forget the sweeps the first replica's start-up tick queued.
    sqlx::query("DELETE FROM jobs WHERE kind <> 'webhook'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(digest_comments(&fake).is_empty());

    // Both schedulers tick at start, in the same hour, on the same database.
    let (a, b) = tokio::join!(
        Replica::start("a", &fake, &schema.url, &options),
        Replica::start("b", &fake, &schema.url, &options),
    );
    eventually("the digest sent and every job finished", WAIT, || async {
        let unfinished: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
                .fetch_one(&pool)
                .await
                .unwrap();
        unfinished == 0 && !digest_comments(&fake).is_empty()
    })
    .await;
    let sweeps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'digest_sweep'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        sweeps, 1,
        "one digest sweep for the hour, whichever replica ticked"
    );
    assert_eq!(digest_comments(&fake).len(), 1, "one digest");
    a.stop().await;
    b.stop().await;
    assert_eq!(digest_comments(&fake).len(), 1);
    schema.drop_schema().await;
}
