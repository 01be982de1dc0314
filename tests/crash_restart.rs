//! The real binary on SQLite, killed (SIGKILL) after acknowledging a delivery and in the middle of
//! its job, then started again on the same file: the work is completed, exactly once.

#[path = "process_support/mod.rs"]
mod process_support;

use std::time::Duration;

use http::Method;
use postmortem_bot::fake_github::{Fault, FaultKind};
use process_support::{
    MAINTAINER, POSTMORTEM, Replica, ReplicaOptions, bot_comments, comment_payload, eventually,
    expected_titles, fake, follow_up_titles, repo,
};

const WAIT: Duration = Duration::from_secs(120);

async fn jobs(pool: &sqlx::SqlitePool) -> Vec<(String, i64)> {
    // Webhook jobs only: the scheduler queues its own sweeps beside them.
    sqlx::query_as("SELECT state, attempts FROM jobs WHERE kind = 'webhook' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_killed_mid_job_completes_the_work_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let fake = fake().await;
    let options = ReplicaOptions {
        workers: 2,
        job_lease_seconds: 2,
    };
    let mut first = Replica::start("single", &fake, &url, &options).await;
    let issue = fake.add_issue(&repo(), MAINTAINER, "Post-mortem: queue", POSTMORTEM);
    // The job hangs reading the post-mortem, after the command was acknowledged.
    fake.inject(Fault::new(
        Method::GET,
        format!("/repos/{}/issues/{issue}", repo()),
        FaultKind::Hold,
    ));
    let comment = fake
        .add_comment(&repo(), issue, MAINTAINER, "/postmortem")
        .unwrap();
    let payload = comment_payload(&fake, issue.0, comment, MAINTAINER);
    assert_eq!(
        first
            .deliver("issue_comment", "the-delivery", &payload)
            .await,
        202
    );
    fake.wait_until(WAIT, |f| f.held() == 1).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    assert_eq!(jobs(&pool).await, vec![("running".to_string(), 1)]);
    first.kill().await;
    assert!(follow_up_titles(&fake).is_empty());

    let second = Replica::start("single", &fake, &url, &options).await;
    // The restarted process still knows the delivery.
    assert_eq!(
        second
            .deliver("issue_comment", "the-delivery", &payload)
            .await,
        200
    );
    eventually("the job done after the restart", WAIT, || async {
        jobs(&pool).await == vec![("done".to_string(), 2)]
    })
    .await;
    assert_eq!(follow_up_titles(&fake), expected_titles());
    assert_eq!(fake.count("POST", "/repos/{owner}/{repo}/issues"), 3);
    assert_eq!(bot_comments(&fake, issue.0).len(), 1);
    second.stop().await;
}
