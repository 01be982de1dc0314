//! Deliveries and the durable job queue on PostgreSQL.
//!
//! Replicas claim with `FOR UPDATE SKIP LOCKED`: each claimer locks a different runnable row and
//! never waits on another, and a row whose lease expired (its replica died) is runnable again.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use crate::ids::DeliveryId;
use crate::store::convert::{self, DEAD, DONE, QUEUED, RUNNING};
use crate::store::{DeliveryOutcome, Job, NewJob, QueueStats, StoreError, StoreResult};

pub(super) async fn accept_delivery(
    pool: &PgPool,
    delivery: &DeliveryId,
    event: &str,
    job: NewJob,
    now: DateTime<Utc>,
) -> StoreResult<DeliveryOutcome> {
    let mut tx = pool.begin().await?;
    // A concurrent insert of the same id (another replica) waits here for the first to commit,
    // then does nothing.
    let recorded = sqlx::query(
        "INSERT INTO deliveries (id, event, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&delivery.0)
    .bind(event)
    .bind(now)
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
    sqlx::query("UPDATE deliveries SET job_id = $1 WHERE id = $2")
        .bind(job_id)
        .bind(&delivery.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(DeliveryOutcome::Accepted { job_id })
}

pub(super) async fn enqueue(
    pool: &PgPool,
    job: NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    insert_job(pool, &job, now).await
}

/// Queues a chunk per statement: the jobs go in as arrays, each row taking its id from the jobs'
/// sequence up front, so the ids `RETURNING` gives say which input rows the unique keys let through.
pub(super) async fn enqueue_many(
    pool: &PgPool,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Option<i64>>> {
    let mut ids = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(convert::ENQUEUE_CHUNK) {
        // Of two jobs with one key in a chunk only the first is sent: the second would find the
        // key taken, as with `enqueue` in order, and the statement never meets its own rows.
        let mut keys_seen = HashSet::new();
        let sent: Vec<bool> = chunk
            .iter()
            .map(|job| {
                job.unique_key
                    .as_deref()
                    .is_none_or(|k| keys_seen.insert(k))
            })
            .collect();
        let mut kinds = Vec::with_capacity(chunk.len());
        let mut payloads = Vec::with_capacity(chunk.len());
        let mut keys = Vec::with_capacity(chunk.len());
        let mut run_ats = Vec::with_capacity(chunk.len());
        let mut max_attempts = Vec::with_capacity(chunk.len());
        for (job, _) in chunk.iter().zip(&sent).filter(|(_, sent)| **sent) {
            kinds.push(job.kind.as_str());
            payloads.push(payload_text(job)?);
            keys.push(job.unique_key.as_deref());
            run_ats.push(job.run_at);
            max_attempts.push(convert::count_to_db(job.max_attempts));
        }
        let sending = kinds.len();
        // Rows go in by key: two batches racing on the same keys then wait on each other in one
        // order and cannot deadlock.
        let rows = sqlx::query(
            "WITH input AS MATERIALIZED (
                 SELECT t.*, nextval(pg_get_serial_sequence('jobs', 'id')) AS id
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[])
                      WITH ORDINALITY AS t (kind, payload, unique_key, run_at, max_attempts, n)),
             inserted AS (
                 INSERT INTO jobs (id, kind, payload, unique_key, state, run_at, max_attempts,
                                   created_at)
                 OVERRIDING SYSTEM VALUE
                 SELECT id, kind, payload, unique_key, $6, run_at, max_attempts, $7
                 FROM input ORDER BY unique_key COLLATE \"C\", n
                 ON CONFLICT (unique_key) DO NOTHING
                 RETURNING id)
             SELECT inserted.id FROM input LEFT JOIN inserted ON inserted.id = input.id
             ORDER BY input.n",
        )
        .bind(kinds)
        .bind(payloads)
        .bind(keys)
        .bind(run_ats)
        .bind(max_attempts)
        .bind(QUEUED)
        .bind(now)
        .fetch_all(pool)
        .await?;
        if rows.len() != sending {
            return Err(StoreError::Corrupt(format!(
                "enqueue_many: {} answers for {sending} jobs",
                rows.len()
            )));
        }
        let mut answers = rows.iter();
        for sent in sent {
            let answer = if sent { answers.next() } else { None };
            ids.push(
                answer
                    .map(|r| r.try_get::<Option<i64>, _>("id"))
                    .transpose()?
                    .flatten(),
            );
        }
    }
    Ok(ids)
}

fn payload_text(job: &NewJob) -> StoreResult<String> {
    serde_json::to_string(&job.payload)
        .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))
}

/// Inserts a queued job; None when its unique key is taken (by a job in any state).
async fn insert_job<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let payload = payload_text(job)?;
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (unique_key) DO NOTHING
         RETURNING id",
    )
    .bind(&job.kind)
    .bind(payload)
    .bind(&job.unique_key)
    .bind(QUEUED)
    .bind(job.run_at)
    .bind(convert::count_to_db(job.max_attempts))
    .bind(now)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| r.try_get::<i64, _>("id")).transpose()?)
}

pub(super) async fn claim_job(
    pool: &PgPool,
    worker: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> StoreResult<Option<Job>> {
    let lease_until = convert::add_duration(now, lease)?;
    // One round trip. `buried`: a worker that died on the job's last allowed attempt gets no
    // successor, the job is dead. The claim: the locking subquery re-checks a row another replica
    // just claimed and skips one it is claiming, so the update only touches a row this statement
    // holds (the two parts never pick the same row: the claim wants attempts < max_attempts).
    let row = sqlx::query(
        "WITH buried AS (
             UPDATE jobs SET state = $6, finished_at = $5, worker = NULL, lease_until = NULL,
                    last_error = COALESCE(last_error || E'\\n', '')
                                 || 'lease expired on the last attempt (worker ' || worker || ')'
             WHERE state = $1 AND lease_until <= $5 AND attempts >= max_attempts
             RETURNING id)
         UPDATE jobs SET state = $1, worker = $2, lease_until = $3, attempts = attempts + 1
         WHERE id = (
             SELECT id FROM jobs
             WHERE (state = $4 AND run_at <= $5)
                OR (state = $1 AND lease_until <= $5 AND attempts < max_attempts)
             ORDER BY run_at, id
             LIMIT 1
             FOR UPDATE SKIP LOCKED)
         RETURNING id, kind, payload, unique_key, attempts, max_attempts, created_at, last_error",
    )
    .bind(RUNNING)
    .bind(worker)
    .bind(lease_until)
    .bind(QUEUED)
    .bind(now)
    .bind(DEAD)
    .fetch_optional(pool)
    .await?;
    row.map(|r| job_from_row(&r)).transpose()
}

fn job_from_row(row: &PgRow) -> StoreResult<Job> {
    let payload: String = row.try_get("payload")?;
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        unique_key: row.try_get("unique_key")?,
        attempts: convert::count_from_db(row.try_get("attempts")?, "attempts")?,
        max_attempts: convert::count_from_db(row.try_get("max_attempts")?, "max_attempts")?,
        created_at: row.try_get("created_at")?,
        last_error: row.try_get("last_error")?,
    })
}

pub(super) async fn extend_lease(
    pool: &PgPool,
    job_id: i64,
    worker: &str,
    until: DateTime<Utc>,
) -> StoreResult<()> {
    let updated = sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND state = $3 AND worker = $4",
    )
    .bind(until)
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
    pool: &PgPool,
    job_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = $1, finished_at = $2, lease_until = NULL
         WHERE id = $3 AND state = $4",
    )
    .bind(DONE)
    .bind(now)
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn retry_job(
    pool: &PgPool,
    job_id: i64,
    error: &str,
    run_at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, worker = NULL, lease_until = NULL
         WHERE id = $4 AND state = $5",
    )
    .bind(QUEUED)
    .bind(run_at)
    .bind(error)
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn bury_job(
    pool: &PgPool,
    job_id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = $1, last_error = $2, finished_at = $3, lease_until = NULL
         WHERE id = $4 AND state = $5",
    )
    .bind(DEAD)
    .bind(error)
    .bind(now)
    .bind(job_id)
    .bind(RUNNING)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn queue_stats(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<QueueStats> {
    let row = sqlx::query(
        "SELECT
             COUNT(*) FILTER (WHERE (state = $1 AND run_at <= $3)
                 OR (state = $2 AND lease_until <= $3 AND attempts < max_attempts)) AS ready,
             COUNT(*) FILTER (WHERE state = $1 AND run_at > $3) AS scheduled,
             COUNT(*) FILTER (WHERE state = $2 AND lease_until > $3) AS running,
             -- a dead worker's job on its last attempt is buried by the next claim
             COUNT(*) FILTER (WHERE state = $4
                 OR (state = $2 AND lease_until <= $3 AND attempts >= max_attempts)) AS dead
         FROM jobs WHERE state <> $5",
    )
    .bind(QUEUED)
    .bind(RUNNING)
    .bind(now)
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

pub(super) async fn next_run_at(pool: &PgPool) -> StoreResult<Option<DateTime<Utc>>> {
    let next: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT LEAST(
             (SELECT MIN(run_at) FROM jobs WHERE state = $1),
             (SELECT MIN(lease_until) FROM jobs WHERE state = $2))",
    )
    .bind(QUEUED)
    .bind(RUNNING)
    .fetch_one(pool)
    .await?;
    Ok(next)
}
