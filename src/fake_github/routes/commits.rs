//! Commits: one commit with its files, a comparison of two refs, and comments on a commit.

use axum::Extension;
use axum::extract::{Path, State};
use bytes::Bytes;
use chrono::Utc;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::issues::MAX_BODY_CHARS;
use super::{actor, json, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::commits::{FileChange, blob_sha, diff, tree_sha};
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::render::{Render, timestamp};
use crate::fake_github::server::Ctx;
use crate::fake_github::state::{Commit, FakeCommitComment, IdKind, Repo};

fn file_json(r: &Render, repo: &Repo, commit: &str, change: &FileChange) -> Value {
    let html = r.repo_html(repo);
    json!({
        "sha": blob_sha(&change.content),
        "filename": change.path,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": format!("{html}/blob/{commit}/{}", change.path),
        "raw_url": format!("{html}/raw/{commit}/{}", change.path),
        "contents_url": format!("{}/contents/{}?ref={commit}", r.repo_api(repo), change.path),
    })
}

fn commit_json(r: &Render, repo: &Repo, commit: &Commit, with_files: bool) -> Value {
    let api = r.repo_api(repo);
    let html = r.repo_html(repo);
    let sha = &commit.sha;
    let person = json!({
        "name": commit.author,
        "email": format!("{}@users.noreply.github.com", commit.author),
        "date": timestamp(commit.date),
    });
    let tree = tree_sha(&commit.tree);
    let comment_count = repo
        .commit_comments
        .iter()
        .filter(|c| &c.commit_id == sha)
        .count();
    let parents: Vec<Value> = commit
        .parents
        .iter()
        .map(|p| json!({ "sha": p, "url": format!("{api}/commits/{p}"), "html_url": format!("{html}/commit/{p}") }))
        .collect();
    let mut body = json!({
        "url": format!("{api}/commits/{sha}"),
        "sha": sha,
        "node_id": format!("C_kg{}", &sha[..12.min(sha.len())]),
        "html_url": format!("{html}/commit/{sha}"),
        "comments_url": format!("{api}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{api}/git/commits/{sha}"),
            "author": person,
            "committer": person,
            "message": commit.message,
            "comment_count": comment_count,
            "tree": { "sha": tree, "url": format!("{api}/git/trees/{tree}") },
            "verification": { "verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null },
        },
        "author": r.user(&commit.author),
        "committer": r.user(&commit.author),
        "parents": parents,
    });
    if with_files && let Some(obj) = body.as_object_mut() {
        let before = commit
            .parents
            .first()
            .and_then(|p| repo.commits.get(p))
            .map(|c| c.tree.clone())
            .unwrap_or_default();
        let changes = diff(&before, &commit.tree);
        let additions: usize = changes.iter().map(|c| c.additions).sum();
        let deletions: usize = changes.iter().map(|c| c.deletions).sum();
        let files: Vec<Value> = changes.iter().map(|c| file_json(r, repo, sha, c)).collect();
        obj.insert(
            "stats".into(),
            json!({ "additions": additions, "deletions": deletions, "total": additions + deletions }),
        );
        obj.insert("files".into(), Value::Array(files));
    }
    body
}

fn no_commit(git_ref: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("No commit found for SHA: {git_ref}"),
    )
}

pub(crate) async fn get(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, git_ref)): Path<(String, String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let commit = repo.resolve(&git_ref).ok_or_else(|| no_commit(&git_ref))?;
    Ok(json(
        StatusCode::OK,
        commit_json(&ctx.render(&state), repo, commit, true),
    ))
}

pub(crate) async fn compare(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, basehead)): Path<(String, String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let (base_ref, head_ref) = basehead.split_once("...").ok_or_else(ApiError::not_found)?;
    let base = repo.resolve(base_ref).ok_or_else(ApiError::not_found)?;
    let head = repo.resolve(head_ref).ok_or_else(ApiError::not_found)?;
    let merge_base_sha = repo
        .merge_base(&base.sha, &head.sha)
        .ok_or_else(ApiError::not_found)?;
    let merge_base = repo
        .commits
        .get(&merge_base_sha)
        .ok_or_else(ApiError::not_found)?;
    let base_history = repo.ancestors(&base.sha);
    let head_history = repo.ancestors(&head.sha);
    let mut ahead: Vec<&String> = head_history
        .iter()
        .filter(|c| !base_history.contains(c))
        .collect();
    ahead.reverse();
    let behind_by = base_history
        .iter()
        .filter(|c| !head_history.contains(c))
        .count();
    let status = match (ahead.len(), behind_by) {
        (0, 0) => "identical",
        (_, 0) => "ahead",
        (0, _) => "behind",
        _ => "diverged",
    };
    let r = ctx.render(&state);
    let commits: Vec<Value> = ahead
        .iter()
        .filter_map(|sha| repo.commits.get(*sha))
        .map(|c| commit_json(&r, repo, c, false))
        .collect();
    // Three dots: what the head changed since the merge base.
    let files: Vec<Value> = diff(&merge_base.tree, &head.tree)
        .iter()
        .map(|c| file_json(&r, repo, &head.sha, c))
        .collect();
    let api = r.repo_api(repo);
    let html = r.repo_html(repo);
    Ok(json(
        StatusCode::OK,
        json!({
            "url": format!("{api}/compare/{basehead}"),
            "html_url": format!("{html}/compare/{basehead}"),
            "permalink_url": format!("{html}/compare/{}...{}", base.sha, head.sha),
            "diff_url": format!("{html}/compare/{basehead}.diff"),
            "patch_url": format!("{html}/compare/{basehead}.patch"),
            "base_commit": commit_json(&r, repo, base, false),
            "merge_base_commit": commit_json(&r, repo, merge_base, false),
            "status": status,
            "ahead_by": ahead.len(),
            "behind_by": behind_by,
            "total_commits": ahead.len(),
            "commits": commits,
            "files": files,
        }),
    ))
}

pub(crate) async fn create_comment(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, commit_sha)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let input: Map<String, Value> = parse_body(&body)?;
    let text = match input.get("body") {
        Some(Value::String(s)) if s.chars().count() > MAX_BODY_CHARS => {
            return Err(ApiError::too_long("CommitComment", "body", MAX_BODY_CHARS));
        }
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(ApiError::validation(
                "CommitComment",
                "body",
                "missing_field",
            ));
        }
    };
    let path = input
        .get("path")
        .and_then(Value::as_str)
        .map(str::to_string);
    let line = input.get("line").and_then(Value::as_u64);
    let position = input.get("position").and_then(Value::as_u64);
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let sha = state
        .repos
        .get(&name)
        .and_then(|r| r.resolve(&commit_sha))
        .map(|c| c.sha.clone())
        .ok_or_else(|| no_commit(&commit_sha))?;
    let id = state.next_id(IdKind::CommitComment);
    let comment = FakeCommitComment {
        id,
        commit_id: sha,
        author: actor(&ctx, &caller),
        body: text,
        path,
        line,
        position,
        created_at: now,
    };
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    repo.commit_comments.push(comment.clone());
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    Ok(json(
        StatusCode::CREATED,
        ctx.render(&state).commit_comment(repo, &comment),
    ))
}
