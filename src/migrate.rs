//! `postmortem-bot migrate`: copies a SQLite store into PostgreSQL, every table, in batches of
//! upserts, so moving from one machine to several replicas loses nothing.
//!
//! The copy is driven by the two schemas rather than by a list of tables, so a table or column
//! added by a later migration is copied too. Each row is upserted by the target's primary key (a
//! natural key wherever the table has one: delivery id, installation id, repository, source, lease
//! name); surrogate ids (jobs, post-mortems) are kept as they are, because deliveries and
//! follow-ups point at them. Running it again converges on the source: it is idempotent, and an
//! interrupted run is resumed by running it again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal as _, Write as _};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Column as _, Row as _, TypeInfo as _, ValueRef as _};

use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;

/// Rows per upsert statement (fewer for wide tables: PostgreSQL takes at most 65535 parameters).
pub const DEFAULT_BATCH: usize = 500;
const MAX_PARAMETERS: usize = 65_535;

/// Rows of one table on each side after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source: u64,
    pub target: u64,
}

/// Where the copy reports how far it got.
pub trait Progress {
    fn table_started(&self, table: &str, rows: u64);
    fn rows_copied(&self, table: &str, done: u64, rows: u64);
    fn table_finished(&self, table: &str, rows: u64);
}

/// A progress bar on standard error (one line per table when it is not a terminal).
pub struct StderrProgress {
    terminal: bool,
}

impl Default for StderrProgress {
    fn default() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl StderrProgress {
    fn bar(table: &str, done: u64, rows: u64) -> String {
        const WIDTH: u64 = 30;
        let filled = (done * WIDTH).checked_div(rows).unwrap_or(WIDTH);
        let filled = usize::try_from(filled.min(WIDTH)).unwrap_or(0);
        format!(
            "{table:<16} [{}{}] {done}/{rows}",
            "#".repeat(filled),
            ".".repeat(30 - filled)
        )
    }
}

impl Progress for StderrProgress {
    fn table_started(&self, table: &str, rows: u64) {
        if self.terminal {
            eprint!("\r{}", Self::bar(table, 0, rows));
        }
    }
    fn rows_copied(&self, table: &str, done: u64, rows: u64) {
        if self.terminal {
            eprint!("\r{}", Self::bar(table, done, rows));
            let _ = std::io::stderr().flush();
        }
    }
    fn table_finished(&self, table: &str, rows: u64) {
        if self.terminal {
            eprintln!("\r{}", Self::bar(table, rows, rows));
        } else {
            eprintln!("{}", Self::bar(table, rows, rows));
        }
    }
}

/// Reports nothing (tests, library callers).
pub struct NoProgress;

impl Progress for NoProgress {
    fn table_started(&self, _: &str, _: u64) {}
    fn rows_copied(&self, _: &str, _: u64, _: u64) {}
    fn table_finished(&self, _: &str, _: u64) {}
}

/// Copies every table of the SQLite store at `from` into the PostgreSQL store at `to` (both are
/// migrated to this version's schema first), then checks that each table holds as many rows on
/// both sides. Fails before writing anything when the target holds jobs or post-mortems that did
/// not come from this source (it must be fresh, or an earlier copy of the same file).
pub async fn migrate(
    from: &str,
    to: &str,
    batch: usize,
    progress: &dyn Progress,
) -> anyhow::Result<Vec<TableCount>> {
    let (source, target) = open(from, to).await?;
    let plan = plan_tables(source.pool(), target.pool()).await?;
    for table in &plan {
        refuse_foreign_rows(source.pool(), target.pool(), table).await?;
    }
    for table in &plan {
        copy_table(source.pool(), target.pool(), table, batch.max(1), progress).await?;
    }
    // Freshly filled tables have no planner statistics until autovacuum gets to them (never, on a
    // server where it is off), and without them PostgreSQL plans the sweeps' and digests' lookups
    // as scans of whole tables.
    if !plan.is_empty() {
        let tables: Vec<String> = plan.iter().map(|t| quote(&t.name)).collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ANALYZE {}",
            tables.join(", ")
        )))
        .execute(target.pool())
        .await
        .context("analyzing the copied tables")?;
    }
    let counts = count_tables(source.pool(), target.pool(), &plan).await?;
    let mismatched: Vec<String> = counts
        .iter()
        .filter(|c| c.source != c.target)
        .map(|c| {
            format!(
                "{} ({} in SQLite, {} in PostgreSQL)",
                c.table, c.source, c.target
            )
        })
        .collect();
    if !mismatched.is_empty() {
        bail!(
            "row counts differ after the copy: {}; if the bot was still writing to the SQLite \
             file, stop it and run migrate again to catch up",
            mismatched.join(", ")
        );
    }
    Ok(counts)
}

/// Tables whose rows differ between the two stores (compared value by value, in key order).
pub async fn verify(from: &str, to: &str) -> anyhow::Result<Vec<String>> {
    let (source, target) = open(from, to).await?;
    let plan = plan_tables(source.pool(), target.pool()).await?;
    let mut differing = Vec::new();
    for table in &plan {
        let mut left = read_source_rows(source.pool(), table, None, usize::MAX).await?;
        let mut right = read_target_rows(target.pool(), table).await?;
        left.sort_by_key(|(_, row)| sort_key(row));
        right.sort_by_key(sort_key);
        let left: Vec<Vec<Value>> = left.into_iter().map(|(_, row)| row).collect();
        if left != right {
            differing.push(table.name.clone());
        }
    }
    Ok(differing)
}

async fn open(from: &str, to: &str) -> anyhow::Result<(SqliteStore, PostgresStore)> {
    if !from.starts_with("sqlite:") {
        bail!("--from must be a sqlite://FILE URL");
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a postgres://... URL");
    }
    let path = from
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if !std::path::Path::new(path).is_file() {
        bail!("no SQLite database at {path}");
    }
    let source = SqliteStore::connect(from)
        .await
        .with_context(|| format!("cannot open {from}"))?;
    let target = PostgresStore::connect(to)
        .await
        .with_context(|| format!("cannot open {}", crate::app::redact(to)))?;
    Ok((source, target))
}

/// How a PostgreSQL column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Time,
    Text,
    Real,
    Bytes,
    Json,
}

impl Kind {
    fn from_pg(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "timestamp with time zone" => Kind::Time,
            "text" | "character varying" | "character" => Kind::Text,
            "double precision" | "real" => Kind::Real,
            "bytea" => Kind::Bytes,
            "json" | "jsonb" => Kind::Json,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null(Kind),
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
    Text(String),
    Real(f64),
    Bytes(Vec<u8>),
    Json(serde_json::Value),
}

fn sort_key(row: &Vec<Value>) -> String {
    format!("{row:?}")
}

#[derive(Debug)]
struct Table {
    name: String,
    /// The columns both sides have, with the target's kind.
    columns: Vec<(String, Kind)>,
    /// The target's primary key (the conflict target of the upsert).
    key: Vec<String>,
    /// A column the target generates (`GENERATED ... AS IDENTITY`): copied as is, then the
    /// sequence is moved past it.
    identity: Option<String>,
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The source's tables in an order that satisfies the target's foreign keys.
async fn plan_tables(source: &SqlitePool, target: &PgPool) -> anyhow::Result<Vec<Table>> {
    let source_tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'
         ORDER BY name",
    )
    .fetch_all(source)
    .await?;
    let target_tables: HashSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(target)
    .await?
    .into_iter()
    .collect();
    let mut tables = BTreeMap::new();
    for name in source_tables {
        if !target_tables.contains(&name) {
            bail!("the PostgreSQL schema has no table `{name}`: its rows would be lost");
        }
        tables.insert(name.clone(), describe(source, target, &name).await?);
    }
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(target)
    .await?;
    let mut ordered = Vec::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|name| {
                !edges.iter().any(|(child, parent)| {
                    child == *name && parent != *name && tables.contains_key(parent)
                })
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            bail!("the PostgreSQL schema's foreign keys form a cycle");
        }
        for name in ready {
            if let Some(table) = tables.remove(&name) {
                ordered.push(table);
            }
        }
    }
    Ok(ordered)
}

async fn describe(source: &SqlitePool, target: &PgPool, name: &str) -> anyhow::Result<Table> {
    let source_columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA table_info({})",
        quote(name)
    )))
    .fetch_all(source)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>("name"))
    .collect::<Result<_, _>>()?;
    let target_columns: HashMap<String, (String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, is_identity::text
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(name)
    .fetch_all(target)
    .await?
    .into_iter()
    .map(|(column, data_type, identity): (String, String, String)| (column, (data_type, identity)))
    .collect();
    let mut columns = Vec::new();
    let mut identity = None;
    for column in source_columns {
        let Some((data_type, is_identity)) = target_columns.get(&column) else {
            bail!(
                "the PostgreSQL table `{name}` has no column `{column}`: its values would be lost"
            );
        };
        let kind = Kind::from_pg(data_type).with_context(|| {
            format!("cannot copy `{name}.{column}`: PostgreSQL type `{data_type}` is not supported")
        })?;
        if is_identity == "YES" {
            identity = Some(column.clone());
        }
        columns.push((column, kind));
    }
    let key: Vec<String> = sqlx::query_scalar(
        "SELECT a.attname::text FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
           AND i.indisprimary
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
    )
    .bind(name)
    .fetch_all(target)
    .await?;
    if key.is_empty() {
        bail!("the PostgreSQL table `{name}` has no primary key to upsert by");
    }
    if let Some(missing) = key.iter().find(|k| !columns.iter().any(|(c, _)| c == *k)) {
        bail!("the SQLite table `{name}` has no column `{missing}` (part of the key)");
    }
    Ok(Table {
        name: name.to_string(),
        columns,
        key,
        identity,
    })
}

/// A target holding jobs or post-mortems with ids the source does not have is somebody else's
/// data: copying on top of it would mix two histories under the same ids.
async fn refuse_foreign_rows(
    source: &SqlitePool,
    target: &PgPool,
    table: &Table,
) -> anyhow::Result<()> {
    let Some(identity) = &table.identity else {
        return Ok(());
    };
    let sql = |t: &str| format!("SELECT {} FROM {}", quote(identity), quote(t));
    let ours: HashSet<i64> = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql(&table.name)))
        .fetch(source)
        .try_collect()
        .await?;
    let mut theirs =
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql(&table.name))).fetch(target);
    let mut foreign = 0u64;
    while let Some(id) = theirs.try_next().await? {
        if !ours.contains(&id) {
            foreign += 1;
        }
    }
    if foreign > 0 {
        bail!(
            "the PostgreSQL table `{}` holds {foreign} rows that are not in the SQLite file; \
             migrate into a fresh database (or one only this file was copied into)",
            table.name
        );
    }
    Ok(())
}

async fn copy_table(
    source: &SqlitePool,
    target: &PgPool,
    table: &Table,
    batch: usize,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    let rows = count(source, &table.name).await?;
    progress.table_started(&table.name, rows);
    let per_statement = batch
        .min(MAX_PARAMETERS / table.columns.len().max(1))
        .max(1);
    let mut after = None;
    let mut done = 0u64;
    loop {
        let page = read_source_rows(source, table, after, per_statement).await?;
        let Some((last, _)) = page.last() else {
            break;
        };
        after = Some(*last);
        let values: Vec<Vec<Value>> = page.into_iter().map(|(_, row)| row).collect();
        upsert(target, table, &values)
            .await
            .with_context(|| format!("copying rows of `{}`", table.name))?;
        done += values.len() as u64;
        progress.rows_copied(&table.name, done, rows);
    }
    if let Some(identity) = &table.identity {
        // Ids the target generates from now on must come after the copied ones.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), max_id)
             FROM (SELECT max({}) AS max_id FROM {}) m WHERE max_id IS NOT NULL",
            quote(identity),
            quote(&table.name)
        )))
        .bind(quote(&table.name))
        .bind(identity)
        .execute(target)
        .await
        .with_context(|| format!("moving the id sequence of `{}`", table.name))?;
    }
    progress.table_finished(&table.name, done);
    Ok(())
}

async fn count(pool: &SqlitePool, table: &str) -> anyhow::Result<u64> {
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {}",
        quote(table)
    )))
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn count_tables(
    source: &SqlitePool,
    target: &PgPool,
    tables: &[Table],
) -> anyhow::Result<Vec<TableCount>> {
    let mut counts = Vec::new();
    for table in tables {
        let in_target: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}",
            quote(&table.name)
        )))
        .fetch_one(target)
        .await?;
        counts.push(TableCount {
            table: table.name.clone(),
            source: count(source, &table.name).await?,
            target: u64::try_from(in_target).unwrap_or(0),
        });
    }
    Ok(counts)
}

/// Up to `limit` rows after `rowid` `after`, in rowid order, converted to the target's kinds.
async fn read_source_rows(
    source: &SqlitePool,
    table: &Table,
    after: Option<i64>,
    limit: usize,
) -> anyhow::Result<Vec<(i64, Vec<Value>)>> {
    let columns: Vec<String> = table.columns.iter().map(|(c, _)| quote(c)).collect();
    let sql = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ? ORDER BY rowid LIMIT ?",
        columns.join(", "),
        quote(&table.name)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(i64::MIN))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(source)
        .await
        .with_context(|| format!("reading `{}` from SQLite", table.name))?;
    rows.iter()
        .map(|row| {
            let rowid: i64 = row.try_get(0)?;
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (column, kind))| {
                    from_sqlite(row, i + 1, *kind)
                        .with_context(|| format!("reading `{}.{column}`", table.name))
                })
                .collect::<anyhow::Result<Vec<Value>>>()?;
            Ok((rowid, values))
        })
        .collect()
}

/// One SQLite value as the target column wants it: SQLite keeps timestamps as integer
/// microseconds (or RFC 3339 text) and booleans as integers.
fn from_sqlite(row: &SqliteRow, index: usize, kind: Kind) -> anyhow::Result<Value> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Value::Null(kind));
    }
    let stored = raw.type_info().name().to_ascii_uppercase();
    let is_integer = stored == "INTEGER" || stored == "BOOLEAN";
    Ok(match kind {
        Kind::Int => Value::Int(row.try_get(index)?),
        Kind::Bool => Value::Bool(row.try_get::<i64, _>(index)? != 0),
        Kind::Time if is_integer => {
            let micros: i64 = row.try_get(index)?;
            Value::Time(
                DateTime::from_timestamp_micros(micros)
                    .with_context(|| format!("timestamp {micros} out of range"))?,
            )
        }
        Kind::Time => {
            let text: String = row.try_get(index)?;
            Value::Time(
                DateTime::parse_from_rfc3339(&text)
                    .with_context(|| format!("`{text}` is not a timestamp"))?
                    .with_timezone(&Utc),
            )
        }
        Kind::Text => Value::Text(row.try_get(index)?),
        Kind::Real => Value::Real(row.try_get(index)?),
        Kind::Bytes => Value::Bytes(row.try_get(index)?),
        Kind::Json => {
            let text: String = row.try_get(index)?;
            Value::Json(serde_json::from_str(&text).context("not JSON")?)
        }
    })
}

fn from_postgres(row: &PgRow, index: usize, kind: Kind) -> anyhow::Result<Value> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Value::Null(kind));
    }
    let type_name = row.column(index).type_info().name().to_ascii_uppercase();
    Ok(match kind {
        Kind::Int => Value::Int(match type_name.as_str() {
            "INT2" => i64::from(row.try_get::<i16, _>(index)?),
            "INT4" => i64::from(row.try_get::<i32, _>(index)?),
            _ => row.try_get(index)?,
        }),
        Kind::Bool => Value::Bool(row.try_get(index)?),
        Kind::Time => Value::Time(row.try_get(index)?),
        Kind::Text => Value::Text(row.try_get(index)?),
        Kind::Real => Value::Real(row.try_get(index)?),
        Kind::Bytes => Value::Bytes(row.try_get(index)?),
        Kind::Json => Value::Json(row.try_get(index)?),
    })
}

async fn read_target_rows(target: &PgPool, table: &Table) -> anyhow::Result<Vec<Vec<Value>>> {
    let columns: Vec<String> = table.columns.iter().map(|(c, _)| quote(c)).collect();
    let sql = format!("SELECT {} FROM {}", columns.join(", "), quote(&table.name));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(target)
        .await?;
    rows.iter()
        .map(|row| {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| from_postgres(row, i, *kind))
                .collect()
        })
        .collect()
}

/// One `INSERT ... ON CONFLICT (key) DO UPDATE` for a page of rows.
async fn upsert(target: &PgPool, table: &Table, rows: &[Vec<Value>]) -> anyhow::Result<()> {
    let width = table.columns.len();
    let columns: Vec<String> = table.columns.iter().map(|(c, _)| quote(c)).collect();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let updates: Vec<String> = table
        .columns
        .iter()
        .filter(|(c, _)| !table.key.contains(c))
        .map(|(c, _)| format!("{0} = EXCLUDED.{0}", quote(c)))
        .collect();
    let on_conflict = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    let key: Vec<String> = table.key.iter().map(|k| quote(k)).collect();
    let sql = format!(
        "INSERT INTO {} ({}) {} VALUES {} ON CONFLICT ({}) {}",
        quote(&table.name),
        columns.join(", "),
        if table.identity.is_some() {
            "OVERRIDING SYSTEM VALUE"
        } else {
            ""
        },
        tuples.join(", "),
        key.join(", "),
        on_conflict
    );
    let mut query = sqlx::query::<sqlx::Postgres>(sqlx::AssertSqlSafe(sql));
    for value in rows.iter().flatten() {
        query = bind(query, value.clone());
    }
    query.execute(target).await?;
    Ok(())
}

type PgQuery = sqlx::query::Query<'static, sqlx::Postgres, PgArguments>;

fn bind(query: PgQuery, value: Value) -> PgQuery {
    match value {
        // A NULL still needs the column's type: PostgreSQL casts no text NULL to bigint.
        Value::Null(kind) => match kind {
            Kind::Int => query.bind(None::<i64>),
            Kind::Bool => query.bind(None::<bool>),
            Kind::Time => query.bind(None::<DateTime<Utc>>),
            Kind::Text => query.bind(None::<String>),
            Kind::Real => query.bind(None::<f64>),
            Kind::Bytes => query.bind(None::<Vec<u8>>),
            Kind::Json => query.bind(None::<serde_json::Value>),
        },
        Value::Int(v) => query.bind(v),
        Value::Bool(v) => query.bind(v),
        Value::Time(v) => query.bind(v),
        Value::Text(v) => query.bind(v),
        Value::Real(v) => query.bind(v),
        Value::Bytes(v) => query.bind(v),
        Value::Json(v) => query.bind(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_rows_copied() {
        assert_eq!(
            StderrProgress::bar("jobs", 5, 10),
            format!("{:<16} [{}{}] 5/10", "jobs", "#".repeat(15), ".".repeat(15))
        );
        // An empty table is complete at once.
        assert!(StderrProgress::bar("leases", 0, 0).contains(&"#".repeat(30)));
    }

    #[test]
    fn postgres_types_map_to_kinds() {
        assert_eq!(Kind::from_pg("bigint"), Some(Kind::Int));
        assert_eq!(Kind::from_pg("timestamp with time zone"), Some(Kind::Time));
        assert_eq!(Kind::from_pg("tsvector"), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("jobs"), "\"jobs\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
