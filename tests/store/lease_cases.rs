//! Conformance cases for named leases (one replica at a time per source or installation).

use chrono::Duration;

use super::fixture::{Fixture, t};

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

pub async fn a_lease_has_one_holder_until_it_runs_out(fx: &Fixture) {
    let s = &fx.store;
    let name = "source:issue:o/r#12";
    assert!(
        s.try_lease(name, "replica-1", t(0), secs(60))
            .await
            .unwrap()
    );
    assert!(
        !s.try_lease(name, "replica-2", t(30), secs(60))
            .await
            .unwrap()
    );
    assert!(
        s.try_lease("source:issue:o/r#13", "replica-2", t(30), secs(60))
            .await
            .unwrap()
    );

    // The holder renews; the other replica waits for the renewed lease.
    assert!(
        s.try_lease(name, "replica-1", t(30), secs(60))
            .await
            .unwrap()
    );
    assert!(
        !s.try_lease(name, "replica-2", t(89), secs(60))
            .await
            .unwrap()
    );
    // A holder that went quiet (a dead replica) loses it when it runs out.
    assert!(
        s.try_lease(name, "replica-2", t(90), secs(60))
            .await
            .unwrap()
    );
    assert!(
        !s.try_lease(name, "replica-1", t(91), secs(60))
            .await
            .unwrap()
    );

    // Only the holder can give it up.
    s.release_lease(name, "replica-1").await.unwrap();
    assert!(
        !s.try_lease(name, "replica-1", t(92), secs(60))
            .await
            .unwrap()
    );
    s.release_lease(name, "replica-2").await.unwrap();
    assert!(
        s.try_lease(name, "replica-1", t(93), secs(60))
            .await
            .unwrap()
    );
    s.release_lease("never-taken", "replica-1").await.unwrap();
}

pub async fn racing_replicas_get_a_lease_once(fx: &Fixture) {
    let other = fx.open_again().await;
    let mut tasks = Vec::new();
    for c in 0..10 {
        let store = if c % 2 == 0 {
            fx.store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            let holder = format!("replica-{c}");
            store
                .try_lease("installation:42", &holder, t(0), secs(30))
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}
