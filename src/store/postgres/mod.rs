//! PostgreSQL backend of the store, for several replicas on one database: connection setup; the
//! queries live in `queue`, `leases` and `tracking`.

mod leases;
mod queue;
mod schedule;
mod sources;
mod tracking;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StoreResult;

/// Per replica: workers, the webhook and the scheduler each hold a connection only per query.
const POOL_SIZE: u32 = 8;

/// A replica that cannot reach the database fails its request instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection idle this long is pinged before it is handed out (the server, or something in
/// between, may have dropped it meanwhile). Pinging every time, sqlx's default, would add a round
/// trip to every query of a busy replica.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to and migrates the database at `url` (`postgres://...`). Replicas starting at
    /// once are safe: sqlx's migrator serializes them with an advisory lock.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The underlying pool, for tools (such as a data migration) that write tables directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::store::delegate::impl_store!(PostgresStore);
