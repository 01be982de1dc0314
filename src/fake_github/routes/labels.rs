//! Repository labels, and labels on an issue.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use bytes::Bytes;
use chrono::Utc;
use http::StatusCode;
use serde_json::{Map, Value};

use super::issues::find_issue;
use super::{json, json_page, label_names, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{paginate, parse_query};
use crate::fake_github::server::Ctx;
use crate::fake_github::state::{FakeLabel, IdKind, State as World};
use crate::ids::RepoName;

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let r = ctx.render(&state);
    let labels: Vec<Value> = repo.labels.iter().map(|l| r.label(repo, l)).collect();
    let url = format!("{}/repos/{name}/labels", ctx.api_url);
    let (page, link) = paginate(labels, &url, &parse_query(raw.as_deref()));
    Ok(json_page(Value::Array(page), link))
}

pub(crate) async fn get(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, label)): Path<(String, String, String)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let label = repo.label(&label).ok_or_else(ApiError::not_found)?;
    Ok(json(StatusCode::OK, ctx.render(&state).label(repo, label)))
}

fn is_color(color: &str) -> bool {
    color.len() == 6 && color.chars().all(|c| c.is_ascii_hexdigit())
}

pub(crate) async fn create(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let input: Map<String, Value> = parse_body(&body)?;
    let label_name = input
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::validation("Label", "name", "missing_field"))?
        .to_string();
    let color = match input.get("color") {
        None | Some(Value::Null) => "ededed".to_string(),
        Some(Value::String(c)) if is_color(c.trim_start_matches('#')) => {
            c.trim_start_matches('#').to_ascii_lowercase()
        }
        Some(_) => return Err(ApiError::validation("Label", "color", "invalid")),
    };
    let description = input
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let exists = state
        .repos
        .get(&name)
        .is_some_and(|r| r.label(&label_name).is_some());
    if exists {
        return Err(ApiError::validation("Label", "name", "already_exists"));
    }
    let id = state.next_id(IdKind::Label);
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let label = FakeLabel {
        id,
        name: label_name,
        color,
        description,
    };
    repo.labels.push(label.clone());
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    Ok(json(
        StatusCode::CREATED,
        ctx.render(&state).label(repo, &label),
    ))
}

fn issue_labels(ctx: &Ctx, state: &World, name: &RepoName, number: u64) -> ApiResult {
    let repo = state.repos.get(name).ok_or_else(ApiError::not_found)?;
    let issue = find_issue(&ctx.api_url, repo, number)?;
    let r = ctx.render(state);
    let labels: Vec<Value> = issue
        .labels
        .iter()
        .filter_map(|l| repo.label(l))
        .map(|l| r.label(repo, l))
        .collect();
    Ok(json(StatusCode::OK, Value::Array(labels)))
}

pub(crate) async fn list_on_issue(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    issue_labels(&ctx, &state, &name, number)
}

pub(crate) async fn add_to_issue(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    // GitHub takes `{"labels": [...]}` or a bare array.
    let input: Value = parse_body(&body)?;
    let items = match &input {
        Value::Array(items) => items.clone(),
        Value::Object(o) => match o.get("labels") {
            Some(Value::Array(items)) => items.clone(),
            _ => return Err(ApiError::validation("Label", "labels", "missing_field")),
        },
        _ => return Err(ApiError::validation("Label", "labels", "invalid")),
    };
    let names = label_names(&items)?;
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?;
    }
    let mut canonical = Vec::new();
    for label in names {
        canonical.push(
            state
                .ensure_label(&name, &label)
                .ok_or_else(ApiError::not_found)?,
        );
    }
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    for label in canonical {
        if !issue.labels.contains(&label) {
            issue.labels.push(label);
        }
    }
    issue.updated_at = now;
    issue_labels(&ctx, &state, &name, number)
}

pub(crate) async fn remove_from_issue(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number, label)): Path<(String, String, u64, String)>,
) -> ApiResult {
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?;
    }
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    let before = issue.labels.len();
    issue.labels.retain(|l| !l.eq_ignore_ascii_case(&label));
    if issue.labels.len() == before {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Label does not exist"));
    }
    issue.updated_at = now;
    issue_labels(&ctx, &state, &name, number)
}
