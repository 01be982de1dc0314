//! Issue routes: open, read, edit (title, body, state, labels, assignees) and list with filters.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::StatusCode;
use http::header::LOCATION;
use serde_json::{Map, Value};

use super::{actor, json, json_page, label_names, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{paginate, param, parse_query};
use crate::fake_github::server::Ctx;
use crate::fake_github::state::{FakeIssue, Gone, NewIssue, Repo, State as World};
use crate::ids::RepoName;

/// GitHub's limits on issue and comment text.
pub(crate) const MAX_TITLE_CHARS: usize = 256;
pub(crate) const MAX_BODY_CHARS: usize = 65536;

/// The issue at `number`, or GitHub's answer for one that is missing, deleted or moved.
pub(crate) fn find_issue<'a>(
    api_url: &str,
    repo: &'a Repo,
    number: u64,
) -> Result<&'a FakeIssue, ApiError> {
    let issue = repo.issue(number).ok_or_else(ApiError::not_found)?;
    match &issue.gone {
        None => Ok(issue),
        Some(Gone::Deleted) => Err(ApiError::gone("This issue was deleted")),
        Some(Gone::Transferred { to, number }) => Err(ApiError::moved(format!(
            "{api_url}/repos/{to}/issues/{number}"
        ))),
    }
}

pub(crate) fn issue_response(ctx: &Ctx, state: &World, name: &RepoName, number: u64) -> ApiResult {
    let repo = state.repos.get(name).ok_or_else(ApiError::not_found)?;
    let issue = find_issue(&ctx.api_url, repo, number)?;
    Ok(json(StatusCode::OK, ctx.render(state).issue(repo, issue)))
}

fn optional_text(
    input: &Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(ApiError::too_long("Issue", field, max))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::validation("Issue", field, "invalid")),
    }
}

fn title_of(value: &Value) -> Result<String, ApiError> {
    let title = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ApiError::validation("Issue", "title", "invalid")),
    };
    if title.trim().is_empty() {
        return Err(ApiError::validation("Issue", "title", "missing_field"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::too_long("Issue", "title", MAX_TITLE_CHARS));
    }
    Ok(title)
}

fn logins(value: Option<&Value>) -> Result<Option<Vec<String>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::validation("Issue", "assignees", "invalid"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::validation("Issue", "assignees", "invalid")),
    }
}

fn labels_arg(value: Option<&Value>) -> Result<Option<Vec<String>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => label_names(items).map(Some),
        Some(_) => Err(ApiError::validation("Issue", "labels", "invalid")),
    }
}

pub(crate) async fn create(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let input: Map<String, Value> = parse_body(&body)?;
    let title = title_of(input.get("title").unwrap_or(&Value::Null))?;
    let text = optional_text(&input, "body", MAX_BODY_CHARS)?;
    let labels = labels_arg(input.get("labels"))?.unwrap_or_default();
    let mut assignees = logins(input.get("assignees"))?.unwrap_or_default();
    if let Some(one) = input.get("assignee").and_then(Value::as_str) {
        assignees.push(one.to_string());
    }
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let new = NewIssue {
        author: actor(&ctx, &caller),
        title,
        body: text,
        labels,
        assignees,
    };
    let number = state
        .create_issue(&name, new, now)
        .ok_or_else(ApiError::not_found)?;
    let mut response: Response = issue_response(&ctx, &state, &name, number.0)?;
    *response.status_mut() = StatusCode::CREATED;
    let location = format!("{}/repos/{name}/issues/{number}", ctx.api_url);
    if let Ok(value) = http::HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    Ok(response)
}

pub(crate) async fn get(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    issue_response(&ctx, &state, &name, number)
}

pub(crate) async fn update(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: Map<String, Value> = parse_body(&body)?;
    let title = input.get("title").map(title_of).transpose()?;
    let text = optional_text(&input, "body", MAX_BODY_CHARS)?;
    let state_arg = match input.get("state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "open" || s == "closed" => Some(s.clone()),
        Some(_) => return Err(ApiError::validation("Issue", "state", "invalid")),
    };
    let reason = match input.get("state_reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "completed" | "not_planned" | "reopened" | "duplicate"
            ) =>
        {
            Some(s.clone())
        }
        Some(_) => return Err(ApiError::validation("Issue", "state_reason", "invalid")),
    };
    let labels = labels_arg(input.get("labels"))?;
    let assignees = logins(input.get("assignees"))?;
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?;
    }
    let labels = match labels {
        Some(names) => {
            let mut canonical: Vec<String> = Vec::new();
            for label in names {
                let label = state
                    .ensure_label(&name, &label)
                    .ok_or_else(ApiError::not_found)?;
                if !canonical.contains(&label) {
                    canonical.push(label);
                }
            }
            Some(canonical)
        }
        None => None,
    };
    let who = actor(&ctx, &caller);
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    // GitHub silently drops people who cannot be assigned.
    let assignees = assignees.map(|list| {
        let mut kept: Vec<String> = Vec::new();
        for login in list {
            if repo.is_assignable(&login) && !kept.contains(&login) {
                kept.push(login);
            }
        }
        kept
    });
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    if let Some(title) = title {
        issue.title = title;
    }
    if input.contains_key("body") {
        issue.body = text;
    }
    if let Some(labels) = labels {
        issue.labels = labels;
    }
    if let Some(assignees) = assignees {
        issue.assignees = assignees;
    }
    match state_arg.as_deref() {
        Some("closed") if issue.is_open() => {
            issue.state = "closed".to_string();
            issue.state_reason = Some(reason.unwrap_or_else(|| "completed".to_string()));
            issue.closed_at = Some(now);
            issue.closed_by = Some(who);
        }
        Some("open") if !issue.is_open() => {
            issue.state = "open".to_string();
            issue.state_reason = Some("reopened".to_string());
            issue.closed_at = None;
            issue.closed_by = None;
        }
        _ => {
            if let Some(reason) = reason {
                issue.state_reason = Some(reason);
            }
        }
    }
    issue.updated_at = now;
    issue_response(&ctx, &state, &name, number)
}

fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = parse_query(raw.as_deref());
    let wanted_state = param(&query, "state").unwrap_or("open");
    if !matches!(wanted_state, "open" | "closed" | "all") {
        return Err(ApiError::validation("Issue", "state", "invalid"));
    }
    let creator = param(&query, "creator");
    let assignee = param(&query, "assignee");
    let labels: Vec<&str> = param(&query, "labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let since = param(&query, "since").and_then(parse_time);
    let sort = param(&query, "sort").unwrap_or("created");
    let ascending = param(&query, "direction") == Some("asc");

    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let mut issues: Vec<&FakeIssue> = repo
        .issues
        .iter()
        .filter(|i| i.gone.is_none())
        .filter(|i| wanted_state == "all" || i.state == wanted_state)
        .filter(|i| creator.is_none_or(|c| i.author.eq_ignore_ascii_case(c)))
        .filter(|i| match assignee {
            None => true,
            Some("none") => i.assignees.is_empty(),
            Some("*") => !i.assignees.is_empty(),
            Some(login) => i.assignees.iter().any(|a| a.eq_ignore_ascii_case(login)),
        })
        .filter(|i| {
            labels
                .iter()
                .all(|l| i.labels.iter().any(|have| have.eq_ignore_ascii_case(l)))
        })
        .filter(|i| since.is_none_or(|s| i.updated_at >= s))
        .collect();
    // Ties (same second) fall back to the number so the order is total.
    issues.sort_by_key(|i| match sort {
        "updated" => (i.updated_at, i.number.0),
        "comments" => (
            DateTime::<Utc>::from_timestamp(i.comments.len() as i64, 0).unwrap_or_default(),
            i.number.0,
        ),
        _ => (i.created_at, i.number.0),
    });
    if !ascending {
        issues.reverse();
    }
    let r = ctx.render(&state);
    let rendered: Vec<Value> = issues.into_iter().map(|i| r.issue(repo, i)).collect();
    let url = format!("{}/repos/{name}/issues", ctx.api_url);
    let (page, link) = paginate(rendered, &url, &query);
    Ok(json_page(Value::Array(page), link))
}
