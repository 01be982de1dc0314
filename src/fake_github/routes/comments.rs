//! Issue comments and their reactions.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::issues::{MAX_BODY_CHARS, find_issue};
use super::{actor, json, json_page, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{paginate, param, parse_query};
use crate::fake_github::server::Ctx;
use crate::fake_github::state::{FakeComment, FakeReaction, IdKind};

const REACTIONS: [&str; 8] = [
    "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
];

#[derive(Deserialize)]
struct CommentBody {
    body: Option<String>,
}

fn comment_text(body: &Bytes) -> Result<String, ApiError> {
    let input: CommentBody = parse_body(body)?;
    match input.body {
        None => Err(ApiError::validation(
            "IssueComment",
            "body",
            "missing_field",
        )),
        Some(text) if text.chars().count() > MAX_BODY_CHARS => {
            Err(ApiError::too_long("IssueComment", "body", MAX_BODY_CHARS))
        }
        Some(text) => Ok(text),
    }
}

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = parse_query(raw.as_deref());
    let since = param(&query, "since")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let issue = find_issue(&ctx.api_url, repo, number)?;
    let r = ctx.render(&state);
    let comments: Vec<Value> = issue
        .comments
        .iter()
        .filter(|c| since.is_none_or(|s| c.updated_at >= s))
        .map(|c| r.comment(repo, issue, c))
        .collect();
    let url = format!("{}/repos/{name}/issues/{number}/comments", ctx.api_url);
    let (page, link) = paginate(comments, &url, &query);
    Ok(json_page(Value::Array(page), link))
}

pub(crate) async fn create(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let text = comment_text(&body)?;
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    {
        let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
        find_issue(&ctx.api_url, repo, number)?;
    }
    let id = state.next_id(IdKind::Comment);
    let author = actor(&ctx, &caller);
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let issue = repo.issue_mut(number).ok_or_else(ApiError::not_found)?;
    issue.comments.push(FakeComment {
        id,
        author,
        body: text,
        reactions: Vec::new(),
        created_at: now,
        updated_at: now,
    });
    issue.updated_at = now;
    comment_response(&ctx, &state, &name, id, StatusCode::CREATED)
}

fn comment_response(
    ctx: &Ctx,
    state: &crate::fake_github::state::State,
    name: &crate::ids::RepoName,
    id: u64,
    status: StatusCode,
) -> ApiResult {
    let repo = state.repos.get(name).ok_or_else(ApiError::not_found)?;
    let (i, c) = repo.find_comment(id).ok_or_else(ApiError::not_found)?;
    let issue = &repo.issues[i];
    if issue.gone.is_some() {
        return Err(ApiError::not_found());
    }
    Ok(json(
        status,
        ctx.render(state).comment(repo, issue, &issue.comments[c]),
    ))
}

pub(crate) async fn get(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
) -> ApiResult {
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    comment_response(&ctx, &state, &name, id, StatusCode::OK)
}

pub(crate) async fn update(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let text = comment_text(&body)?;
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let (i, c) = repo.find_comment(id).ok_or_else(ApiError::not_found)?;
    let comment = &mut repo.issues[i].comments[c];
    comment.body = text;
    comment.updated_at = now;
    comment_response(&ctx, &state, &name, id, StatusCode::OK)
}

pub(crate) async fn list_reactions(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = parse_query(raw.as_deref());
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let (i, c) = repo.find_comment(id).ok_or_else(ApiError::not_found)?;
    let content = param(&query, "content");
    let r = ctx.render(&state);
    let reactions: Vec<Value> = repo.issues[i].comments[c]
        .reactions
        .iter()
        .filter(|x| content.is_none_or(|want| x.content == want))
        .map(|x| r.reaction(x))
        .collect();
    let url = format!(
        "{}/repos/{name}/issues/comments/{id}/reactions",
        ctx.api_url
    );
    let (page, link) = paginate(reactions, &url, &query);
    Ok(json_page(Value::Array(page), link))
}

#[derive(Deserialize)]
struct ReactionBody {
    content: Option<String>,
}

pub(crate) async fn react(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: ReactionBody = parse_body(&body)?;
    let content = input
        .content
        .filter(|c| REACTIONS.contains(&c.as_str()))
        .ok_or_else(|| ApiError::validation("Reaction", "content", "invalid"))?;
    let now = Utc::now();
    let mut state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let reaction_id = state.next_id(IdKind::Reaction);
    let user = actor(&ctx, &caller);
    let repo = state.repos.get_mut(&name).ok_or_else(ApiError::not_found)?;
    let (i, c) = repo.find_comment(id).ok_or_else(ApiError::not_found)?;
    let reactions = &mut repo.issues[i].comments[c].reactions;
    // The same person reacting the same way again gets the existing reaction and a 200.
    let (reaction, status) = match reactions
        .iter()
        .find(|r| r.user == user && r.content == content)
    {
        Some(existing) => (existing.clone(), StatusCode::OK),
        None => {
            let reaction = FakeReaction {
                id: reaction_id,
                user,
                content,
                created_at: now,
            };
            reactions.push(reaction.clone());
            (reaction, StatusCode::CREATED)
        }
    };
    Ok(json(status, ctx.render(&state).reaction(&reaction)))
}
