//! SQLite backend of the store (the embedded default): connection setup; the queries live in
//! `queue`, `leases` and `tracking`.
//!
//! Timestamps are integer microseconds (see `time`), so SQL compares them as numbers.

mod checkpoint;
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

/// One connection: SQLite takes one writer at a time, and writers queueing for the file lock wait
/// in SQLite's busy handler, which sleeps (measured: fewer deliveries per second, more CPU, a
/// longer tail than queueing fairly in the pool). Reads are short and take their turn.
const FILE_POOL_SIZE: u32 = 1;

/// How long a writer waits for another (thread or process) to release the file lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SqliteStore {
    pool: SqlitePool,
    /// For a file database; stops with the store.
    _checkpointer: Option<checkpoint::Checkpointer>,
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
                .synchronous(SqliteSynchronous::Normal)
                // `checkpoint` does it beside the writer instead.
                .pragma("wal_autocheckpoint", "0");
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE)
        };
        // A connection is a handle on a local file, with no server to hang up on it: sqlx's ping
        // before every use would only add a round trip to the connection's thread per query.
        let pool = pool_options
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let checkpointer = if in_memory {
            None
        } else {
            Some(checkpoint::Checkpointer::start(&options).await?)
        };
        Ok(Self {
            pool,
            _checkpointer: checkpointer,
        })
    }

    /// The underlying pool, for tools (such as a data migration) that read tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::store::delegate::impl_store!(SqliteStore);
