//! Named leases on PostgreSQL: the upsert locks the row, so of two replicas racing for one name
//! the second sees the first's lease and gets nothing.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgPool;

use crate::store::StoreResult;
use crate::store::convert;

pub(super) async fn try_lease(
    pool: &PgPool,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> StoreResult<bool> {
    let until = convert::add_duration(now, lease)?;
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
         WHERE leases.holder = EXCLUDED.holder OR leases.until <= $4",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

pub(super) async fn release_lease(pool: &PgPool, name: &str, holder: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}
