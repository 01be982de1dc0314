//! A fresh, empty store per conformance case: a temp SQLite file, or a new PostgreSQL schema.

use std::sync::Once;

use chrono::{DateTime, Duration, TimeZone, Utc};
use postmortem_bot::store::{self, DynStore};

/// Env var naming the PostgreSQL server the suite also runs against.
pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

pub struct Fixture {
    /// The URL `store::connect` was given; `open_again` connects to it once more.
    pub url: String,
    pub store: DynStore,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Removed on drop, with the database file and its WAL.
    Dir {
        _dir: tempfile::TempDir,
    },
    Schema {
        admin: sqlx::PgPool,
        schema: String,
    },
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store = store::connect(&url).await.unwrap();
        Fixture {
            url,
            store,
            cleanup: Cleanup::Dir { _dir: dir },
        }
    }

    /// A store on a uniquely named schema of the server at `base`, chosen with `search_path`.
    pub async fn postgres(base: &str) -> Self {
        let admin = sqlx::PgPool::connect(base).await.unwrap();
        let schema = format!("pmb_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let store = store::connect(&url).await.unwrap();
        Fixture {
            url,
            store,
            cleanup: Cleanup::Schema { admin, schema },
        }
    }

    /// A second, independent connection to the same database: another process or replica.
    pub async fn open_again(&self) -> DynStore {
        store::connect(&self.url).await.unwrap()
    }

    pub async fn finish(self) {
        if let Cleanup::Schema { admin, schema } = self.cleanup {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .unwrap();
        }
    }
}

/// The PostgreSQL URL to test against, or None after saying (once) why those cases do nothing.
pub fn postgres_url() -> Option<String> {
    static NOTICE: Once = Once::new();
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            NOTICE.call_once(|| {
                eprintln!(
                    "notice: {POSTGRES_ENV} is not set; the store conformance suite ran on SQLite \
                     only (e.g. {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test)"
                );
            });
            None
        }
    }
}

/// A fixed clock: `t(s)` is `s` seconds after the suite's epoch.
pub fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + Duration::seconds(seconds)
}
