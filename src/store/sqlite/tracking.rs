//! Installations, repositories, tracked post-mortems and follow-ups on SQLite.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use super::time;
use crate::ids::{InstallationId, IssueNumber, RepoName};
use crate::store::convert;
use crate::store::{NewPostMortem, StoreResult, TrackedFollowUp, TrackedPostMortem};

pub(super) async fn upsert_installation(
    pool: &SqlitePool,
    installation: InstallationId,
    account: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO installations (id, account, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET account = excluded.account, updated_at = excluded.updated_at",
    )
    .bind(convert::id_to_db(installation.0, "installation id")?)
    .bind(account)
    .bind(time::to_db(now))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn delete_installation(
    pool: &SqlitePool,
    installation: InstallationId,
) -> StoreResult<()> {
    let id = convert::id_to_db(installation.0, "installation id")?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    // Follow-ups would cascade with their post-mortems; deleting them by name does not depend on
    // the connection's foreign_keys pragma.
    // Digest issues and history are kept by repository name: the installation's repositories are
    // those it tracks post-mortems in or was told about, so these go before either list does.
    for statement in [
        "DELETE FROM digests WHERE repo IN (
             SELECT repo FROM postmortems WHERE installation_id = ?1
             UNION SELECT owner || '/' || name FROM repositories WHERE installation_id = ?1)",
        "DELETE FROM digest_issues WHERE repo IN (
             SELECT repo FROM postmortems WHERE installation_id = ?1
             UNION SELECT owner || '/' || name FROM repositories WHERE installation_id = ?1)",
        "DELETE FROM follow_ups
         WHERE postmortem_id IN (SELECT id FROM postmortems WHERE installation_id = ?1)",
        "DELETE FROM postmortems WHERE installation_id = ?1",
        "DELETE FROM repositories WHERE installation_id = ?1",
        "DELETE FROM repo_settings WHERE installation_id = ?1",
        "DELETE FROM onboardings WHERE installation_id = ?1",
        "DELETE FROM installations WHERE id = ?1",
    ] {
        sqlx::query(statement).bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn add_repositories(
    pool: &SqlitePool,
    installation: InstallationId,
    repos: &[RepoName],
) -> StoreResult<()> {
    let id = convert::id_to_db(installation.0, "installation id")?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for repo in repos {
        sqlx::query(
            "INSERT INTO repositories (installation_id, owner, name) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(repo.owner())
        .bind(repo.name())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn remove_repositories(
    pool: &SqlitePool,
    installation: InstallationId,
    repos: &[RepoName],
) -> StoreResult<()> {
    let id = convert::id_to_db(installation.0, "installation id")?;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for repo in repos {
        sqlx::query(
            "DELETE FROM repositories WHERE installation_id = ?1 AND owner = ?2 AND name = ?3",
        )
        .bind(id)
        .bind(repo.owner())
        .bind(repo.name())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list_repositories(
    pool: &SqlitePool,
    installation: InstallationId,
) -> StoreResult<Vec<RepoName>> {
    let rows = sqlx::query(
        "SELECT owner, name FROM repositories WHERE installation_id = ?1 ORDER BY owner, name",
    )
    .bind(convert::id_to_db(installation.0, "installation id")?)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RepoName::new(
                r.try_get::<String, _>("owner")?,
                r.try_get::<String, _>("name")?,
            ))
        })
        .collect()
}

pub(super) async fn get_postmortem(
    pool: &SqlitePool,
    source: &str,
) -> StoreResult<Option<TrackedPostMortem>> {
    let row = sqlx::query(
        "SELECT id, installation_id, repo, source, title, tracking_issue, author, created_at,
                updated_at
         FROM postmortems WHERE source = ?1",
    )
    .bind(source)
    .fetch_optional(pool)
    .await?;
    row.map(|r| postmortem_from_row(&r)).transpose()
}

pub(super) async fn upsert_postmortem(
    pool: &SqlitePool,
    postmortem: &NewPostMortem,
    now: DateTime<Utc>,
) -> StoreResult<TrackedPostMortem> {
    let row = sqlx::query(
        "INSERT INTO postmortems
             (installation_id, repo, source, title, tracking_issue, author, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (source) DO UPDATE SET
             installation_id = excluded.installation_id,
             repo = excluded.repo,
             title = excluded.title,
             tracking_issue = COALESCE(excluded.tracking_issue, postmortems.tracking_issue),
             author = COALESCE(excluded.author, postmortems.author),
             updated_at = excluded.updated_at
         RETURNING id, installation_id, repo, source, title, tracking_issue, author, created_at,
                   updated_at",
    )
    .bind(convert::id_to_db(
        postmortem.installation_id.0,
        "installation id",
    )?)
    .bind(postmortem.repo.to_string())
    .bind(&postmortem.source)
    .bind(&postmortem.title)
    .bind(convert::issue_to_db(postmortem.tracking_issue)?)
    .bind(&postmortem.author)
    .bind(time::to_db(now))
    .fetch_one(pool)
    .await?;
    postmortem_from_row(&row)
}

pub(super) async fn list_postmortems(
    pool: &SqlitePool,
    repo: &RepoName,
) -> StoreResult<Vec<TrackedPostMortem>> {
    let rows = sqlx::query(
        "SELECT id, installation_id, repo, source, title, tracking_issue, author, created_at,
                updated_at
         FROM postmortems WHERE repo = ?1 ORDER BY id",
    )
    .bind(repo.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(postmortem_from_row).collect()
}

fn postmortem_from_row(row: &SqliteRow) -> StoreResult<TrackedPostMortem> {
    Ok(TrackedPostMortem {
        id: row.try_get("id")?,
        installation_id: InstallationId(convert::id_from_db(
            row.try_get("installation_id")?,
            "installation id",
        )?),
        repo: convert::repo_from_db(row.try_get("repo")?)?,
        source: row.try_get("source")?,
        title: row.try_get("title")?,
        tracking_issue: convert::issue_from_db(row.try_get("tracking_issue")?)?,
        author: row.try_get("author")?,
        created_at: time::from_db(row.try_get("created_at")?)?,
        updated_at: time::from_db(row.try_get("updated_at")?)?,
    })
}

/// Column list shared by every follow-up query (`f` is the follow-ups table).
macro_rules! follow_up_columns {
    () => {
        "f.postmortem_id, f.key, f.title, f.issue, f.adopted, f.state, f.done_in_doc, f.owner,
         f.due, f.priority, f.body_hash, f.position, f.last_human_activity, f.nag_count,
         f.last_nag_at, f.escalated, f.snoozed_until, f.created_at, f.closed_at"
    };
}

pub(super) async fn list_follow_ups(
    pool: &SqlitePool,
    postmortem_id: i64,
) -> StoreResult<Vec<TrackedFollowUp>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        follow_up_columns!(),
        " FROM follow_ups f WHERE f.postmortem_id = ?1 ORDER BY f.position, f.key"
    ))
    .bind(postmortem_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(follow_up_from_row).collect()
}

pub(super) async fn upsert_follow_up(
    pool: &SqlitePool,
    follow_up: &TrackedFollowUp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO follow_ups
             (postmortem_id, key, title, issue, adopted, state, done_in_doc, owner, due, priority,
              body_hash, position, last_human_activity, nag_count, last_nag_at, escalated,
              snoozed_until, created_at, closed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
         ON CONFLICT (postmortem_id, key) DO UPDATE SET
             title = excluded.title,
             issue = excluded.issue,
             adopted = excluded.adopted,
             state = excluded.state,
             done_in_doc = excluded.done_in_doc,
             owner = excluded.owner,
             due = excluded.due,
             priority = excluded.priority,
             body_hash = excluded.body_hash,
             position = excluded.position,
             last_human_activity = excluded.last_human_activity,
             nag_count = excluded.nag_count,
             last_nag_at = excluded.last_nag_at,
             escalated = excluded.escalated,
             snoozed_until = excluded.snoozed_until,
             closed_at = excluded.closed_at",
    )
    .bind(follow_up.postmortem_id)
    .bind(&follow_up.key)
    .bind(&follow_up.title)
    .bind(convert::issue_to_db(follow_up.issue)?)
    .bind(follow_up.adopted)
    .bind(follow_up.state.as_str())
    .bind(follow_up.done_in_doc)
    .bind(&follow_up.owner)
    .bind(&follow_up.due)
    .bind(&follow_up.priority)
    .bind(&follow_up.body_hash)
    .bind(follow_up.position)
    .bind(time::opt_to_db(follow_up.last_human_activity))
    .bind(convert::count_to_db(follow_up.nag_count))
    .bind(time::opt_to_db(follow_up.last_nag_at))
    .bind(follow_up.escalated)
    .bind(time::opt_to_db(follow_up.snoozed_until))
    .bind(time::to_db(follow_up.created_at))
    .bind(time::opt_to_db(follow_up.closed_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn find_follow_up_by_issue(
    pool: &SqlitePool,
    repo: &RepoName,
    issue: IssueNumber,
) -> StoreResult<Option<TrackedFollowUp>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        follow_up_columns!(),
        " FROM follow_ups f JOIN postmortems p ON p.id = f.postmortem_id
          WHERE p.repo = ?1 AND f.issue = ?2
          ORDER BY f.created_at DESC, f.postmortem_id DESC
          LIMIT 1"
    ))
    .bind(repo.to_string())
    .bind(convert::id_to_db(issue.0, "issue number")?)
    .fetch_optional(pool)
    .await?;
    row.map(|r| follow_up_from_row(&r)).transpose()
}

pub(super) fn follow_up_from_row(row: &SqliteRow) -> StoreResult<TrackedFollowUp> {
    Ok(TrackedFollowUp {
        postmortem_id: row.try_get("postmortem_id")?,
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        issue: convert::issue_from_db(row.try_get("issue")?)?,
        adopted: row.try_get("adopted")?,
        state: convert::state_from_db(row.try_get("state")?)?,
        done_in_doc: row.try_get("done_in_doc")?,
        owner: row.try_get("owner")?,
        due: row.try_get("due")?,
        priority: row.try_get("priority")?,
        body_hash: row.try_get("body_hash")?,
        position: row.try_get("position")?,
        last_human_activity: time::opt_from_db(row.try_get("last_human_activity")?)?,
        nag_count: convert::count_from_db(row.try_get("nag_count")?, "nag_count")?,
        last_nag_at: time::opt_from_db(row.try_get("last_nag_at")?)?,
        escalated: row.try_get("escalated")?,
        snoozed_until: time::opt_from_db(row.try_get("snoozed_until")?)?,
        created_at: time::from_db(row.try_get("created_at")?)?,
        closed_at: time::opt_from_db(row.try_get("closed_at")?)?,
    })
}
