//! Named leases on SQLite: one upsert decides, under the database's single writer lock.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqlitePool;

use super::time;
use crate::store::StoreResult;
use crate::store::convert;

pub(super) async fn try_lease(
    pool: &SqlitePool,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> StoreResult<bool> {
    let until = convert::add_duration(now, lease)?;
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.holder = excluded.holder OR leases.until <= ?4",
    )
    .bind(name)
    .bind(holder)
    .bind(time::to_db(until))
    .bind(time::to_db(now))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

pub(super) async fn release_lease(pool: &SqlitePool, name: &str, holder: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM leases WHERE name = ?1 AND holder = ?2")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}
