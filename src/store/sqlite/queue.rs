//! Deliveries and the durable job queue on SQLite.
//!
//! Every change is one statement or one `BEGIN IMMEDIATE` transaction: SQLite then holds the single
//! writer lock for the whole change, so two workers (threads or processes) never claim one job.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use super::time;
use crate::ids::DeliveryId;
use crate::store::convert::{self, DEAD, DONE, QUEUED, RUNNING};
use crate::store::{DeliveryOutcome, Job, NewJob, QueueStats, StoreError, StoreResult};

pub(super) async fn accept_delivery(
    pool: &SqlitePool,
    delivery: &DeliveryId,
    event: &str,
    job: NewJob,
    now: DateTime<Utc>,
) -> StoreResult<DeliveryOutcome> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let recorded = sqlx::query(
        "INSERT INTO deliveries (id, event, received_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&delivery.0)
    .bind(event)
    .bind(time::to_db(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if recorded == 0 {
        tx.rollback().await?;
        return Ok(DeliveryOutcome::Duplicate);
    }
    let Some(job_id) = insert_job(&mut *tx, &job, now).await? else {
        // The work is already queued under this unique key; the delivery stays recorded so a
        // redelivery is dropped too.
        tx.commit().await?;
        return Ok(DeliveryOutcome::Duplicate);
    };
    sqlx::query("UPDATE deliveries SET job_id = ?1 WHERE id = ?2")
        .bind(job_id)
        .bind(&delivery.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(DeliveryOutcome::Accepted { job_id })
}

pub(super) async fn enqueue(
    pool: &SqlitePool,
    job: NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    insert_job(pool, &job, now).await
}

/// One transaction per chunk: on SQLite a statement is cheap and the commit is what costs.
pub(super) async fn enqueue_many(
    pool: &SqlitePool,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Option<i64>>> {
    let mut ids = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(convert::ENQUEUE_CHUNK) {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for job in chunk {
            ids.push(insert_job(&mut *tx, job, now).await?);
        }
        tx.commit().await?;
    }
    Ok(ids)
}

/// Inserts a queued job; None when its unique key is taken (by a job in any state).
async fn insert_job<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let payload = serde_json::to_string(&job.payload)
        .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?;
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (unique_key) DO NOTHING
         RETURNING id",
    )
    .bind(&job.kind)
    .bind(payload)
    .bind(&job.unique_key)
    .bind(QUEUED)
    .bind(time::to_db(job.run_at))
    .bind(convert::count_to_db(job.max_attempts))
    .bind(time::to_db(now))
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| r.try_get::<i64, _>("id")).transpose()?)
}

pub(super) async fn claim_job(
    pool: &SqlitePool,
    worker: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> StoreResult<Option<Job>> {
    let now_db = time::to_db(now);
    let lease_until = time::to_db(convert::add_duration(now, lease)?);
    // A worker that died on the job's last allowed attempt gets no successor: the job is dead.
    sqlx::query(
        "UPDATE jobs SET state = ?1, finished_at = ?2, worker = NULL, lease_until = NULL,
                last_error = COALESCE(last_error || char(10), '')
                             || 'lease expired on the last attempt (worker ' || worker || ')'
         WHERE state = ?3 AND lease_until <= ?2 AND attempts >= max_attempts",
    )
    .bind(DEAD)
    .bind(now_db)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    // One statement: SQLite takes the write lock before reading, so the chosen row cannot be
    // claimed by anybody else in between.
    let row = sqlx::query(
        "UPDATE jobs SET state = ?1, worker = ?2, lease_until = ?3, attempts = attempts + 1
         WHERE id = (
             SELECT id FROM jobs
             WHERE (state = ?4 AND run_at <= ?5)
                OR (state = ?1 AND lease_until <= ?5 AND attempts < max_attempts)
             ORDER BY run_at, id
             LIMIT 1)
         RETURNING id, kind, payload, unique_key, attempts, max_attempts, created_at, last_error",
    )
    .bind(RUNNING)
    .bind(worker)
    .bind(lease_until)
    .bind(QUEUED)
    .bind(now_db)
    .fetch_optional(pool)
    .await?;
    row.map(|r| job_from_row(&r)).transpose()
}

fn job_from_row(row: &SqliteRow) -> StoreResult<Job> {
    let payload: String = row.try_get("payload")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        unique_key: row.try_get("unique_key")?,
        attempts: convert::count_from_db(row.try_get("attempts")?, "attempts")?,
        max_attempts: convert::count_from_db(row.try_get("max_attempts")?, "max_attempts")?,
        created_at: time::from_db(row.try_get("created_at")?)?,
        last_error: row.try_get("last_error")?,
    })
}

pub(super) async fn extend_lease(
    pool: &SqlitePool,
    job_id: i64,
    worker: &str,
    until: DateTime<Utc>,
) -> StoreResult<()> {
    let updated = sqlx::query(
        "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND state = ?3 AND worker = ?4",
    )
    .bind(time::to_db(until))
    .bind(job_id)
    .bind(RUNNING)
    .bind(worker)
    .execute(pool)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::LeaseLost {
            job_id,
            worker: worker.to_string(),
        });
    }
    Ok(())
}

pub(super) async fn complete_job(
    pool: &SqlitePool,
    job_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = ?1, finished_at = ?2, lease_until = NULL
         WHERE id = ?3 AND state = ?4",
    )
    .bind(DONE)
    .bind(time::to_db(now))
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn retry_job(
    pool: &SqlitePool,
    job_id: i64,
    error: &str,
    run_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = ?1, run_at = ?2, last_error = ?3, worker = NULL, lease_until = NULL
         WHERE id = ?4 AND state = ?5",
    )
    .bind(QUEUED)
    .bind(time::to_db(run_at))
    .bind(error)
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn bury_job(
    pool: &SqlitePool,
    job_id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = ?1, last_error = ?2, finished_at = ?3, lease_until = NULL
         WHERE id = ?4 AND state = ?5",
    )
    .bind(DEAD)
    .bind(error)
    .bind(time::to_db(now))
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn queue_stats(pool: &SqlitePool, now: DateTime<Utc>) -> StoreResult<QueueStats> {
    let row = sqlx::query(
        "SELECT
             COALESCE(SUM(state = ?1 AND run_at <= ?3), 0)
               + COALESCE(SUM(state = ?2 AND lease_until <= ?3 AND attempts < max_attempts), 0)
               AS ready,
             COALESCE(SUM(state = ?1 AND run_at > ?3), 0) AS scheduled,
             COALESCE(SUM(state = ?2 AND lease_until > ?3), 0) AS running,
             -- a dead worker's job on its last attempt is buried by the next claim
             COALESCE(SUM(state = ?4), 0)
               + COALESCE(SUM(state = ?2 AND lease_until <= ?3 AND attempts >= max_attempts), 0)
               AS dead
         FROM jobs WHERE state <> ?5",
    )
    .bind(QUEUED)
    .bind(RUNNING)
    .bind(time::to_db(now))
    .bind(DEAD)
    .bind(DONE)
    .fetch_one(pool)
    .await?;
    let count = |name: &str| -> StoreResult<u64> { convert::id_from_db(row.try_get(name)?, name) };
    Ok(QueueStats {
        ready: count("ready")?,
        scheduled: count("scheduled")?,
        running: count("running")?,
        dead: count("dead")?,
    })
}

pub(super) async fn next_run_at(pool: &SqlitePool) -> StoreResult<Option<DateTime<Utc>>> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(t) FROM (
             SELECT MIN(run_at) AS t FROM jobs WHERE state = ?1
             UNION ALL
             SELECT MIN(lease_until) AS t FROM jobs WHERE state = ?2)",
    )
    .bind(QUEUED)
    .bind(RUNNING)
    .fetch_one(pool)
    .await?;
    time::opt_from_db(next)
}
