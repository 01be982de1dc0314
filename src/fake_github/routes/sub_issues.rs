//! Sub-issues: attach an issue (by id) under a parent, list, detach, and find the parent.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use bytes::Bytes;
use chrono::Utc;
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::issues::{find_issue, issue_response};
use super::{json_page, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{paginate, parse_query};
use crate::fake_github::server::Ctx;

/// GitHub's cap on sub-issues per parent.
const MAX_SUB_ISSUES: usize = 100;

#[derive(Deserialize)]
struct SubIssueBody {
    sub_issue_id: Option<u64>,
    #[serde(default)]
    replace_parent: bool,
}

fn sub_issue_id(body: &Bytes) -> Result<(u64, bool), ApiError> {
    let input: SubIssueBody = parse_body(body)?;
    let id = input
        .sub_issue_id
        .ok_or_else(|| ApiError::validation("Issue", "sub_issue_id", "missing_field"))?;
    Ok((id, input.replace_parent))
}

pub(crate) async fn add(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let (child_id, replace_parent) = sub_issue_id(&body)?;
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let parent_id = {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?.id
    };
    let (child_repo, _) = state
        .find_issue_by_id(child_id)
        .ok_or_else(ApiError::not_found)?;
    if child_repo.owner() != name.owner() {
        return Err(ApiError::unprocessable(
            "The sub-issue must belong to the same repository owner as the parent issue",
        ));
    }
    if child_id == parent_id {
        return Err(ApiError::unprocessable(
            "An issue cannot be its own sub-issue",
        ));
    }
    let parent = state
        .issue_by_id(parent_id)
        .ok_or_else(ApiError::not_found)?;
    if parent.sub_issues.contains(&child_id) {
        return Err(ApiError::unprocessable(
            "Issue may not contain duplicate sub-issues",
        ));
    }
    if parent.sub_issues.len() >= MAX_SUB_ISSUES {
        return Err(ApiError::unprocessable(format!(
            "An issue may have at most {MAX_SUB_ISSUES} sub-issues"
        )));
    }
    let previous = state.issue_by_id(child_id).and_then(|c| c.parent);
    match previous {
        Some(_) if !replace_parent => {
            return Err(ApiError::unprocessable(
                "Sub-issue may only have one parent",
            ));
        }
        Some(old) => {
            if let Some(old_parent) = state.issue_by_id_mut(old) {
                old_parent.sub_issues.retain(|id| *id != child_id);
            }
        }
        None => {}
    }
    let now = Utc::now();
    if let Some(child) = state.issue_by_id_mut(child_id) {
        child.parent = Some(parent_id);
    }
    if let Some(parent) = state.issue_by_id_mut(parent_id) {
        parent.sub_issues.push(child_id);
        parent.updated_at = now;
    }
    let mut response = issue_response(&ctx, &state, &name, number)?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let parent = find_issue(&ctx.api_url, repo, number)?;
    let r = ctx.render(&state);
    let children: Vec<Value> = parent
        .sub_issues
        .iter()
        .filter_map(|id| state.find_issue_by_id(*id))
        .filter_map(|(child_repo, n)| {
            let repo = state.repos.get(&child_repo)?;
            Some(r.issue(repo, repo.issue(n)?))
        })
        .collect();
    let url = format!("{}/repos/{name}/issues/{number}/sub_issues", ctx.api_url);
    let (page, link) = paginate(children, &url, &parse_query(raw.as_deref()));
    Ok(json_page(Value::Array(page), link))
}

pub(crate) async fn remove(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let (child_id, _) = sub_issue_id(&body)?;
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let parent_id = {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?.id
    };
    let is_child = state
        .issue_by_id(parent_id)
        .is_some_and(|p| p.sub_issues.contains(&child_id));
    if !is_child {
        return Err(ApiError::not_found());
    }
    if let Some(parent) = state.issue_by_id_mut(parent_id) {
        parent.sub_issues.retain(|id| *id != child_id);
        parent.updated_at = Utc::now();
    }
    if let Some(child) = state.issue_by_id_mut(child_id) {
        child.parent = None;
    }
    issue_response(&ctx, &state, &name, number)
}

pub(crate) async fn parent(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let child = find_issue(&ctx.api_url, repo, number)?;
    let parent_id = child.parent.ok_or_else(ApiError::not_found)?;
    let (parent_repo, parent_number) = state
        .find_issue_by_id(parent_id)
        .ok_or_else(ApiError::not_found)?;
    issue_response(&ctx, &state, &parent_repo, parent_number)
}
