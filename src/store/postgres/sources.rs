//! Per-repository settings and onboarding state on PostgreSQL.

use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use crate::ids::{InstallationId, RepoName};
use crate::store::convert;
use crate::store::{Onboarding, OnboardingState, StoreError, StoreResult, StoredRepoSettings};

pub(super) async fn get_repo_settings(
    pool: &PgPool,
    repo: &RepoName,
) -> StoreResult<Option<StoredRepoSettings>> {
    let row = sqlx::query(
        "SELECT repo, installation_id, text, commit_sha, updated_at FROM repo_settings
         WHERE repo = $1",
    )
    .bind(repo.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|row| settings_from_row(&row)).transpose()
}

pub(super) async fn list_repo_settings(pool: &PgPool) -> StoreResult<Vec<StoredRepoSettings>> {
    let rows = sqlx::query(
        "SELECT repo, installation_id, text, commit_sha, updated_at FROM repo_settings
         ORDER BY repo COLLATE \"C\"",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(settings_from_row).collect()
}

fn settings_from_row(row: &PgRow) -> StoreResult<StoredRepoSettings> {
    Ok(StoredRepoSettings {
        repo: convert::repo_from_db(&row.try_get::<String, _>("repo")?)?,
        installation_id: InstallationId(convert::id_from_db(
            row.try_get("installation_id")?,
            "installation id",
        )?),
        text: row.try_get("text")?,
        commit: row.try_get("commit_sha")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) async fn put_repo_settings(
    pool: &PgPool,
    settings: &StoredRepoSettings,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO repo_settings (repo, installation_id, text, commit_sha, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repo) DO UPDATE SET installation_id = EXCLUDED.installation_id,
             text = EXCLUDED.text, commit_sha = EXCLUDED.commit_sha,
             updated_at = EXCLUDED.updated_at",
    )
    .bind(settings.repo.to_string())
    .bind(convert::id_to_db(
        settings.installation_id.0,
        "installation id",
    )?)
    .bind(&settings.text)
    .bind(&settings.commit)
    .bind(settings.updated_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn get_onboarding(
    pool: &PgPool,
    repo: &RepoName,
) -> StoreResult<Option<Onboarding>> {
    let row = sqlx::query(
        "SELECT repo, installation_id, issue, state, updated_at FROM onboardings WHERE repo = $1",
    )
    .bind(repo.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|row| onboarding_from_row(&row)).transpose()
}

fn onboarding_from_row(row: &PgRow) -> StoreResult<Onboarding> {
    let state: String = row.try_get("state")?;
    Ok(Onboarding {
        repo: convert::repo_from_db(&row.try_get::<String, _>("repo")?)?,
        installation_id: InstallationId(convert::id_from_db(
            row.try_get("installation_id")?,
            "installation id",
        )?),
        issue: convert::issue_from_db(row.try_get("issue")?)?,
        state: OnboardingState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown onboarding state `{state}`")))?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) async fn put_onboarding(pool: &PgPool, onboarding: &Onboarding) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO onboardings (repo, installation_id, issue, state, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repo) DO UPDATE SET installation_id = EXCLUDED.installation_id,
             issue = EXCLUDED.issue, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
    )
    .bind(onboarding.repo.to_string())
    .bind(convert::id_to_db(
        onboarding.installation_id.0,
        "installation id",
    )?)
    .bind(convert::issue_to_db(onboarding.issue)?)
    .bind(onboarding.state.as_str())
    .bind(onboarding.updated_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn rename_postmortem_source(
    pool: &PgPool,
    old: &str,
    new: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE postmortems SET source = $2, updated_at = $3
         WHERE source = $1 AND NOT EXISTS (SELECT 1 FROM postmortems WHERE source = $2)",
    )
    .bind(old)
    .bind(new)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
