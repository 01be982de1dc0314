//! Repository routes: the repository, a collaborator's permission, whether someone is assignable.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde_json::{Value, json};

use super::{json, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::server::Ctx;

pub(crate) async fn get_repo(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    Ok(json(StatusCode::OK, ctx.render(&state).repo(repo)))
}

/// GitHub's legacy permission for a role: maintain counts as write, triage as read.
fn legacy_permission(role: &str) -> &'static str {
    match role {
        "admin" => "admin",
        "maintain" | "write" => "write",
        "triage" | "read" => "read",
        _ => "none",
    }
}

pub(crate) async fn collaborator_permission(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, username)): Path<(String, String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let role = repo.role(&username);
    let rank = |r: &str| match r {
        "admin" => 5,
        "maintain" => 4,
        "write" => 3,
        "triage" => 2,
        "read" => 1,
        _ => 0,
    };
    let level = rank(role);
    let mut user = ctx.render(&state).user(&username);
    if let Some(obj) = user.as_object_mut() {
        obj.insert(
            "permissions".to_string(),
            json!({
                "admin": level >= 5,
                "maintain": level >= 4,
                "push": level >= 3,
                "triage": level >= 2,
                "pull": level >= 1,
            }),
        );
        obj.insert("role_name".to_string(), Value::from(role));
    }
    Ok(json(
        StatusCode::OK,
        json!({ "permission": legacy_permission(role), "role_name": role, "user": user }),
    ))
}

pub(crate) async fn check_assignee(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, assignee)): Path<(String, String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    if repo.is_assignable(&assignee) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found())
    }
}
