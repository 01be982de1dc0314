//! App-level routes: the App itself, its installations and their tokens, the manifest flow.

use std::collections::BTreeSet;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use bytes::Bytes;
use chrono::Utc;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{json, json_page, parse_body};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{paginate, parse_query};
use crate::fake_github::render::{Render, timestamp};
use crate::fake_github::server::Ctx;
use crate::fake_github::state::{Installation, Token};
use crate::ids::{InstallationId, RepoName};

const TOKEN_PERMISSIONS: &str = r#"{"issues":"write","contents":"read","metadata":"read"}"#;

fn permissions() -> Value {
    serde_json::from_str(TOKEN_PERMISSIONS).unwrap_or(Value::Null)
}

fn require_app(caller: &Caller) -> Result<(), ApiError> {
    match caller {
        Caller::App => Ok(()),
        _ => Err(ApiError::unauthorized(
            "A JSON web token could not be decoded",
        )),
    }
}

fn installation_json(r: &Render, id: InstallationId, installation: &Installation) -> Value {
    let api = r.api;
    json!({
        "id": id.0,
        "account": r.user(&installation.account),
        "repository_selection": "selected",
        "access_tokens_url": format!("{api}/app/installations/{id}/access_tokens"),
        "repositories_url": format!("{api}/installation/repositories"),
        "html_url": format!("{}/organizations/{}/settings/installations/{id}", r.html, installation.account),
        "app_id": r.config.app_id,
        "app_slug": r.config.app_slug,
        "target_id": crate::fake_github::render::user_id(&installation.account),
        "target_type": if r.state.is_org(&installation.account) { "Organization" } else { "User" },
        "permissions": permissions(),
        "events": ["issues", "issue_comment", "push", "gollum"],
        "created_at": timestamp(installation.created_at),
        "updated_at": timestamp(installation.created_at),
        "single_file_name": null,
        "suspended_at": null,
        "suspended_by": null,
    })
}

pub(crate) async fn get_app(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    require_app(&caller)?;
    let state = ctx.lock();
    Ok(json(StatusCode::OK, ctx.render(&state).app()))
}

pub(crate) async fn list_installations(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    require_app(&caller)?;
    let state = ctx.lock();
    let r = ctx.render(&state);
    let all: Vec<Value> = state
        .installations
        .iter()
        .map(|(id, i)| installation_json(&r, *id, i))
        .collect();
    let url = format!("{}/app/installations", ctx.api_url);
    let (page, link) = paginate(all, &url, &parse_query(query.as_deref()));
    Ok(json_page(Value::Array(page), link))
}

pub(crate) async fn get_installation(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path(installation_id): Path<u64>,
) -> ApiResult {
    require_app(&caller)?;
    let state = ctx.lock();
    let id = InstallationId(installation_id);
    let installation = state
        .installations
        .get(&id)
        .ok_or_else(ApiError::not_found)?;
    let body = installation_json(&ctx.render(&state), id, installation);
    Ok(json(StatusCode::OK, body))
}

pub(crate) async fn repo_installation(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
) -> ApiResult {
    require_app(&caller)?;
    let state = ctx.lock();
    let name = RepoName::new(owner, repo);
    let id = state
        .installation_of(&name)
        .ok_or_else(ApiError::not_found)?;
    let installation = state
        .installations
        .get(&id)
        .ok_or_else(ApiError::not_found)?;
    let body = installation_json(&ctx.render(&state), id, installation);
    Ok(json(StatusCode::OK, body))
}

#[derive(Deserialize, Default)]
struct TokenRequest {
    repositories: Option<Vec<String>>,
    repository_ids: Option<Vec<u64>>,
}

pub(crate) async fn create_access_token(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path(installation_id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    require_app(&caller)?;
    let request: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        parse_body(&body)?
    };
    let now = Utc::now();
    let mut state = ctx.lock();
    let id = InstallationId(installation_id);
    let installation = state
        .installations
        .get(&id)
        .ok_or_else(ApiError::not_found)?;
    let inaccessible = || {
        ApiError::unprocessable(
            "There is at least one repository that does not exist or is not accessible to the parent installation.",
        )
    };
    let mut scope: Option<BTreeSet<RepoName>> = None;
    if let Some(names) = &request.repositories {
        let mut set = BTreeSet::new();
        for name in names {
            let repo = RepoName::new(installation.account.clone(), name.clone());
            if !installation.repos.contains(&repo) {
                return Err(inaccessible());
            }
            set.insert(repo);
        }
        scope = Some(set);
    }
    if let Some(ids) = &request.repository_ids {
        let set = scope.get_or_insert_with(BTreeSet::new);
        for repo_id in ids {
            let repo = installation
                .repos
                .iter()
                .find(|n| state.repos.get(*n).is_some_and(|r| r.id == *repo_id))
                .ok_or_else(inaccessible)?;
            set.insert(repo.clone());
        }
    }
    let ttl = chrono::Duration::from_std(ctx.config.token_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(1));
    let token = format!("ghs_{}", Uuid::new_v4().simple());
    let expires_at = now + ttl;
    state.tokens.insert(
        token.clone(),
        Token {
            installation: id,
            expires_at,
            repos: scope.clone(),
        },
    );
    let mut body = json!({
        "token": token,
        "expires_at": timestamp(expires_at),
        "permissions": permissions(),
        "repository_selection": "selected",
    });
    if let (Some(scope), Some(obj)) = (&scope, body.as_object_mut()) {
        let r = ctx.render(&state);
        let repos: Vec<Value> = scope
            .iter()
            .filter_map(|n| state.repos.get(n))
            .map(|repo| r.repo(repo))
            .collect();
        obj.insert("repositories".to_string(), Value::Array(repos));
    }
    Ok(json(StatusCode::CREATED, body))
}

pub(crate) async fn convert_manifest(
    State(ctx): State<Ctx>,
    Path(code): Path<String>,
) -> ApiResult {
    let mut state = ctx.lock();
    // A code is good for one conversion, as on GitHub.
    let conversion = state
        .manifest_codes
        .remove(&code)
        .ok_or_else(ApiError::not_found)?;
    let r = ctx.render(&state);
    let html = format!("{}/apps/{}", r.html, conversion.slug);
    let body = json!({
        "id": conversion.id,
        "slug": conversion.slug,
        "node_id": format!("A_kg{}", conversion.id),
        "client_id": conversion.client_id,
        "client_secret": conversion.client_secret,
        "webhook_secret": conversion.webhook_secret,
        "pem": conversion.pem,
        "owner": r.user(&conversion.owner),
        "name": conversion.name,
        "description": "",
        "external_url": html,
        "html_url": html,
        "created_at": timestamp(Utc::now()),
        "updated_at": timestamp(Utc::now()),
        "permissions": permissions(),
        "events": ["issues", "issue_comment", "push", "gollum"],
    });
    Ok(json(StatusCode::CREATED, body))
}

pub(crate) async fn installation_repositories(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let Caller::Installation { id, scope } = &caller else {
        return Err(ApiError::unauthorized("Bad credentials"));
    };
    let state = ctx.lock();
    let r = ctx.render(&state);
    let repos: Vec<Value> = state
        .installations
        .get(id)
        .map(|i| {
            i.repos
                .iter()
                .filter(|n| scope.as_ref().is_none_or(|s| s.contains(*n)))
                .filter_map(|n| state.repos.get(n))
                .map(|repo| r.repo(repo))
                .collect()
        })
        .unwrap_or_default();
    let total = repos.len();
    let url = format!("{}/installation/repositories", ctx.api_url);
    let (page, link) = paginate(repos, &url, &parse_query(query.as_deref()));
    Ok(json_page(
        json!({ "total_count": total, "repository_selection": "selected", "repositories": page }),
        link,
    ))
}
