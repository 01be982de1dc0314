//! WAL checkpoints off the request path: a task with its own connection copies the write-ahead
//! log into the database file every second, so no commit ever pays for that copy and its fsync.
//!
//! SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 pages: on a busy
//! webhook endpoint that one request waits for a full database fsync (seen as a p99 of 100+ ms).
//! A passive checkpoint on another connection runs beside the writer instead of in front of it.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Connection as _};
use tokio::task::JoinHandle;
use tracing::warn;

/// How often the log is copied; the log stays around what one second of writes produces.
const EVERY: Duration = Duration::from_secs(1);

/// The running checkpoint task; stops when dropped (with its store).
pub(super) struct Checkpointer(JoinHandle<()>);

impl Checkpointer {
    pub(super) async fn start(options: &SqliteConnectOptions) -> sqlx::Result<Self> {
        let mut connection = options.connect().await?;
        Ok(Self(tokio::spawn(async move {
            let mut interval = tokio::time::interval(EVERY);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(error) = checkpoint(&mut connection).await {
                    warn!(%error, "WAL checkpoint failed; trying again in a second");
                }
            }
        })))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn checkpoint(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    connection.ping().await?;
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(&mut *connection)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection as _, Row as _};

    use super::super::SqliteStore;

    /// Rows in the database file itself: `immutable=1` reads the file and ignores the log.
    async fn rows_in_file(path: &std::path::Path) -> i64 {
        let url = format!("sqlite://{}?immutable=1&mode=ro", path.display());
        let Ok(mut connection) = sqlx::SqliteConnection::connect(&url).await else {
            return -1;
        };
        sqlx::query("SELECT COUNT(*) AS n FROM notes")
            .fetch_one(&mut connection)
            .await
            .map_or(-1, |row| row.get("n"))
    }

    #[tokio::test]
    async fn commits_reach_the_database_file_without_a_commit_paying_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = SqliteStore::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (n INTEGER)")
            .execute(store.pool())
            .await
            .unwrap();
        for n in 0..50 {
            sqlx::query("INSERT INTO notes (n) VALUES (?1)")
                .bind(n)
                .execute(store.pool())
                .await
                .unwrap();
        }
        let mut seen = rows_in_file(&path).await;
        for _ in 0..50 {
            if seen == 50 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            seen = rows_in_file(&path).await;
        }
        assert_eq!(seen, 50, "the checkpoint task copied the log into the file");
    }
}
