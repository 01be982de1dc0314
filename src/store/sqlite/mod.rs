//! SQLite backend of the store (the embedded default): connection setup; the queries live in
//! `queue`, `leases` and `tracking`.
//!
//! Timestamps are integer microseconds (see `time`), so SQL compares them as numbers.

mod leases;
mod queue;
mod schedule;
mod sources;
mod time;
mod tracking;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StoreResult;

/// Several readers help `/healthz` and the scheduler while a worker writes; SQLite takes one writer
/// at a time anyway, so more connections would only queue on the file lock.
const FILE_POOL_SIZE: u32 = 4;

/// How long a writer waits for another (thread or process) to release the file lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`: `sqlite://FILE` or
    /// `sqlite::memory:`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool_options = if in_memory {
            // An in-memory database lives as long as one connection to it: keep exactly one open
            // forever, and every caller sees the same database.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            options = options
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL is durable across application crashes in WAL mode; only a power loss
                // can drop the last commits.
                .synchronous(SqliteSynchronous::Normal);
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE)
        };
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The underlying pool, for tools (such as a data migration) that read tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::store::delegate::impl_store!(SqliteStore);
