//! One conformance suite for every store backend: each case runs on a fresh SQLite file always, and
//! on a fresh PostgreSQL schema when `TEST_POSTGRES_URL` is set (a notice is printed when it is not).

#[path = "store/fixture.rs"]
mod fixture;
#[path = "store/lease_cases.rs"]
mod lease_cases;
#[path = "store/queue_cases.rs"]
mod queue_cases;
#[path = "store/schedule_cases.rs"]
mod schedule_cases;
#[path = "store/source_cases.rs"]
mod source_cases;
#[path = "store/tracking_cases.rs"]
mod tracking_cases;

/// Declares each case once per backend, so a failure names both the case and the backend.
macro_rules! conformance {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fx = crate::fixture::Fixture::sqlite().await;
                    crate::$module::$case(&fx).await;
                    fx.finish().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    use futures::FutureExt;
                    let Some(base) = crate::fixture::postgres_url() else {
                        return;
                    };
                    let fx = crate::fixture::Fixture::postgres(&base).await;
                    // Drop the schema even when the case fails, then report the failure.
                    let outcome = std::panic::AssertUnwindSafe(crate::$module::$case(&fx))
                        .catch_unwind()
                        .await;
                    fx.finish().await;
                    if let Err(panic) = outcome {
                        std::panic::resume_unwind(panic);
                    }
                }
            )*
        }
    };
}

conformance!(
    queue_cases::ping,
    queue_cases::accept_delivery_queues_once,
    queue_cases::accept_delivery_with_a_taken_unique_key_queues_nothing,
    queue_cases::unique_keys_hold_in_every_state,
    queue_cases::claims_take_the_oldest_runnable_job,
    queue_cases::an_expired_lease_is_taken_over,
    queue_cases::extending_a_lease_keeps_the_job,
    queue_cases::a_worker_dying_on_the_last_attempt_buries_the_job,
    queue_cases::completed_jobs_are_gone_from_the_queue,
    queue_cases::retried_jobs_wait_and_keep_their_error,
    queue_cases::buried_jobs_stay_visible_as_dead,
    queue_cases::queue_stats_count_every_state,
    queue_cases::next_run_at_follows_queue_and_leases,
    queue_cases::concurrent_claimers_never_share_a_job,
    queue_cases::deliveries_are_unique_across_connections,
    queue_cases::payloads_round_trip_exactly,
    queue_cases::enqueue_many_dedupes_like_enqueue,
    queue_cases::enqueue_many_keeps_the_first_of_each_key,
    queue_cases::enqueue_many_races_across_connections,
    lease_cases::a_lease_has_one_holder_until_it_runs_out,
    lease_cases::racing_replicas_get_a_lease_once,
    tracking_cases::repositories_follow_installation_events,
    tracking_cases::deleting_an_installation_deletes_its_data,
    tracking_cases::postmortems_upsert_by_source,
    tracking_cases::follow_ups_upsert_replace_and_keep_document_order,
    tracking_cases::an_issue_adopted_twice_finds_the_newest_follow_up,
    tracking_cases::a_follow_up_needs_its_postmortem,
    source_cases::repo_settings_replace_by_repository,
    source_cases::onboarding_moves_from_pending_to_done,
    source_cases::uninstalling_deletes_settings_and_onboarding,
    source_cases::a_renamed_postmortem_keeps_its_follow_ups,
    schedule_cases::nag_candidates_are_quiet_open_unsnoozed_items_quietest_first,
    schedule_cases::nags_activity_and_snoozes_touch_only_their_fields,
    schedule_cases::digests_are_recorded_once_per_week,
    schedule_cases::uninstalling_deletes_digest_issues_and_history,
);

/// What only the SQLite backend promises: the in-memory URL, WAL on files, and the URL check.
mod sqlite_only {
    use postmortem_bot::ids::DeliveryId;
    use postmortem_bot::store::{self, DeliveryOutcome, NewJob, StoreError, sqlite::SqliteStore};

    use crate::fixture::t;

    fn job() -> NewJob {
        NewJob {
            kind: "webhook".into(),
            payload: serde_json::json!({}),
            unique_key: None,
            run_at: t(0),
            max_attempts: 1,
        }
    }

    #[tokio::test]
    async fn an_in_memory_store_is_one_database_for_every_caller() {
        let s = store::connect("sqlite::memory:").await.unwrap();
        let mut tasks = Vec::new();
        for n in 0..20 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.enqueue(job(), t(n)).await.unwrap().unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(s.queue_stats(t(0)).await.unwrap().ready, 20);
        // Another in-memory store is another database.
        let fresh = store::connect("sqlite::memory:").await.unwrap();
        assert_eq!(fresh.queue_stats(t(0)).await.unwrap().ready, 0);
    }

    #[tokio::test]
    async fn a_file_store_uses_wal_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        {
            let s = SqliteStore::connect(&url).await.unwrap();
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(s.pool())
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(s.pool())
                .await
                .unwrap();
            assert_eq!(fk, 1);
            let outcome =
                store::Store::accept_delivery(&s, &DeliveryId("d".into()), "push", job(), t(0))
                    .await
                    .unwrap();
            assert!(matches!(outcome, DeliveryOutcome::Accepted { .. }));
            s.pool().close().await;
        }
        let reopened = store::connect(&url).await.unwrap();
        let again = reopened
            .accept_delivery(&DeliveryId("d".into()), "push", job(), t(1))
            .await
            .unwrap();
        assert_eq!(again, DeliveryOutcome::Duplicate);
        assert_eq!(reopened.queue_stats(t(1)).await.unwrap().ready, 1);
    }

    #[tokio::test]
    async fn unknown_database_urls_are_refused() {
        let result = store::connect("mysql://localhost/db").await;
        assert!(matches!(result, Err(StoreError::UnsupportedUrl(_))));
    }
}
