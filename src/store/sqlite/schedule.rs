//! Nag sweeps, human activity, snoozes, digest issues and digest history on SQLite.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use super::time;
use super::tracking::follow_up_from_row;
use crate::ids::{InstallationId, IssueNumber, RepoName};
use crate::store::convert;
use crate::store::{
    DigestRecord, DigestRepository, NagCandidate, StoreResult, SweepCursor, TrackedFollowUp,
};

/// Column list of the follow-ups table (`f`), as `tracking::follow_up_from_row` reads it.
macro_rules! columns {
    () => {
        "f.postmortem_id, f.key, f.title, f.issue, f.adopted, f.state, f.done_in_doc, f.owner,
         f.due, f.priority, f.body_hash, f.position, f.last_human_activity, f.nag_count,
         f.last_nag_at, f.escalated, f.snoozed_until, f.created_at, f.closed_at"
    };
}

/// The candidates query up to its keyset condition; `nag_candidates` adds the condition (or not)
/// and the order. The sweep index `follow_ups_sweep` holds exactly this order.
macro_rules! candidates_from {
    () => {
        concat!(
            "SELECT ",
            columns!(),
            ", p.installation_id AS p_installation, p.repo AS p_repo,
                    p.title AS p_title, p.tracking_issue AS p_tracking, p.author AS p_author
             FROM follow_ups f JOIN postmortems p ON p.id = f.postmortem_id
             WHERE f.state = 'open' AND f.issue IS NOT NULL AND f.escalated = 0
               AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?1)
               AND (COALESCE(f.last_human_activity, f.created_at) <= ?2
                    OR f.due IS NOT NULL OR f.priority IS NOT NULL)"
        )
    };
}

macro_rules! candidates_order {
    () => {
        " ORDER BY COALESCE(f.last_human_activity, f.created_at), f.postmortem_id, f.key
          LIMIT ?3"
    };
}

pub(super) async fn nag_candidates(
    pool: &SqlitePool,
    stale_before: DateTime<Utc>,
    now: DateTime<Utc>,
    after: Option<&SweepCursor>,
    limit: u32,
) -> StoreResult<Vec<NagCandidate>> {
    // The cursor is a row-value comparison in the index's order. SQLite seeks an index with a row
    // value only on plain columns, so the separate `>=` on the leading expression is what starts
    // the scan at the cursor instead of at the quietest follow-up on every page.
    let sql = match after {
        None => concat!(candidates_from!(), candidates_order!()),
        Some(_) => concat!(
            candidates_from!(),
            " AND COALESCE(f.last_human_activity, f.created_at) >= ?4
              AND (COALESCE(f.last_human_activity, f.created_at), f.postmortem_id, f.key)
                  > (?4, ?5, ?6)",
            candidates_order!()
        ),
    };
    let mut query = sqlx::query(sql)
        .bind(time::to_db(now))
        .bind(time::to_db(stale_before))
        .bind(i64::from(limit));
    if let Some(c) = after {
        query = query
            .bind(time::to_db(c.activity))
            .bind(c.postmortem_id)
            .bind(c.key.as_str());
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(candidate_from_row).collect()
}

fn candidate_from_row(row: &SqliteRow) -> StoreResult<NagCandidate> {
    Ok(NagCandidate {
        installation_id: InstallationId(convert::id_from_db(
            row.try_get("p_installation")?,
            "installation id",
        )?),
        repo: convert::repo_from_db(row.try_get("p_repo")?)?,
        postmortem_title: row.try_get("p_title")?,
        tracking_issue: convert::issue_from_db(row.try_get("p_tracking")?)?,
        author: row.try_get("p_author")?,
        follow_up: follow_up_from_row(row)?,
    })
}

pub(super) async fn record_nag(
    pool: &SqlitePool,
    postmortem_id: i64,
    key: &str,
    nag_count: u32,
    at: DateTime<Utc>,
    escalated: bool,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE follow_ups SET nag_count = ?3, last_nag_at = ?4, escalated = ?5
         WHERE postmortem_id = ?1 AND key = ?2",
    )
    .bind(postmortem_id)
    .bind(key)
    .bind(convert::count_to_db(nag_count))
    .bind(time::to_db(at))
    .bind(escalated)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn record_human_activity(
    pool: &SqlitePool,
    repo: &RepoName,
    issue: IssueNumber,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE follow_ups
         SET last_human_activity = MAX(COALESCE(last_human_activity, ?3), ?3),
             nag_count = 0, escalated = 0
         WHERE issue = ?2
           AND postmortem_id IN (SELECT id FROM postmortems WHERE repo = ?1)",
    )
    .bind(repo.to_string())
    .bind(convert::id_to_db(issue.0, "issue number")?)
    .bind(time::to_db(at))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn set_snooze(
    pool: &SqlitePool,
    postmortem_id: i64,
    key: &str,
    until: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    sqlx::query("UPDATE follow_ups SET snoozed_until = ?3 WHERE postmortem_id = ?1 AND key = ?2")
        .bind(postmortem_id)
        .bind(key)
        .bind(time::opt_to_db(until))
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn list_repo_follow_ups(
    pool: &SqlitePool,
    repo: &RepoName,
) -> StoreResult<Vec<TrackedFollowUp>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM follow_ups f JOIN postmortems p ON p.id = f.postmortem_id
          WHERE p.repo = ?1 ORDER BY f.postmortem_id, f.position, f.key"
    ))
    .bind(repo.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(follow_up_from_row).collect()
}

pub(super) async fn digest_repositories(pool: &SqlitePool) -> StoreResult<Vec<DigestRepository>> {
    let rows = sqlx::query(
        "SELECT MIN(installation_id) AS installation_id, repo, MIN(created_at) AS since
         FROM postmortems GROUP BY repo ORDER BY repo",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DigestRepository {
                installation_id: InstallationId(convert::id_from_db(
                    r.try_get("installation_id")?,
                    "installation id",
                )?),
                repo: convert::repo_from_db(r.try_get("repo")?)?,
                tracked_since: time::from_db(r.try_get("since")?)?,
            })
        })
        .collect()
}

pub(super) async fn digest_issue(
    pool: &SqlitePool,
    repo: &RepoName,
) -> StoreResult<Option<IssueNumber>> {
    let issue: Option<i64> = sqlx::query_scalar("SELECT issue FROM digest_issues WHERE repo = ?1")
        .bind(repo.to_string())
        .fetch_optional(pool)
        .await?;
    convert::issue_from_db(issue)
}

pub(super) async fn set_digest_issue(
    pool: &SqlitePool,
    repo: &RepoName,
    issue: IssueNumber,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO digest_issues (repo, issue) VALUES (?1, ?2)
         ON CONFLICT (repo) DO UPDATE SET issue = excluded.issue",
    )
    .bind(repo.to_string())
    .bind(convert::id_to_db(issue.0, "issue number")?)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn record_digest(pool: &SqlitePool, record: &DigestRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO digests (repo, week, issue, sent_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (repo, week) DO NOTHING",
    )
    .bind(record.repo.to_string())
    .bind(&record.week)
    .bind(convert::id_to_db(record.issue.0, "issue number")?)
    .bind(time::to_db(record.sent_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn digest_history(
    pool: &SqlitePool,
    repo: &RepoName,
    limit: u32,
) -> StoreResult<Vec<DigestRecord>> {
    let rows = sqlx::query(
        "SELECT repo, week, issue, sent_at FROM digests WHERE repo = ?1
         ORDER BY week DESC LIMIT ?2",
    )
    .bind(repo.to_string())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DigestRecord {
                repo: convert::repo_from_db(r.try_get("repo")?)?,
                week: r.try_get("week")?,
                issue: IssueNumber(convert::id_from_db(r.try_get("issue")?, "issue number")?),
                sent_at: time::from_db(r.try_get("sent_at")?)?,
            })
        })
        .collect()
}

pub(super) async fn set_time_to_resolve(
    pool: &SqlitePool,
    postmortem_id: i64,
    minutes: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE postmortems SET time_to_resolve_minutes = ?2 WHERE id = ?1")
        .bind(postmortem_id)
        .bind(minutes)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn times_to_resolve(
    pool: &SqlitePool,
    repo: &RepoName,
) -> StoreResult<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT id, time_to_resolve_minutes FROM postmortems
         WHERE repo = ?1 AND time_to_resolve_minutes IS NOT NULL ORDER BY id",
    )
    .bind(repo.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("time_to_resolve_minutes")?)))
        .collect()
}
