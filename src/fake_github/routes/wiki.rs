//! Wiki repositories over git smart HTTP (read only), authenticated like github.com:
//! basic auth with `x-access-token:<installation token>`.

use std::path::PathBuf;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::reach;
use crate::fake_github::auth::Caller;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::server::Ctx;
use crate::fake_github::wiki::{CgiRequest, http_backend};

/// The wiki's bare repository, if the caller may read it.
fn wiki_for(ctx: &Ctx, caller: &Caller, owner: &str, wiki: &str) -> Result<PathBuf, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "Repository not found.");
    let repo = wiki.strip_suffix(".wiki.git").ok_or_else(not_found)?;
    if matches!(caller, Caller::Anonymous) {
        return Err(ApiError::unauthorized("Authentication required"));
    }
    let state = ctx.lock();
    let name = reach(&state, caller, owner, repo).map_err(|_| not_found())?;
    let repo = state.repos.get(&name).ok_or_else(not_found)?;
    match (&repo.wiki, repo.has_wiki) {
        (Some(dir), true) => Ok(dir.clone()),
        _ => Err(not_found()),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn serve(
    ctx: &Ctx,
    method: &str,
    path_info: String,
    query: String,
    headers: &HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request = CgiRequest {
        method: method.to_string(),
        path_info,
        query,
        content_type: header(headers, "content-type"),
        content_encoding: header(headers, "content-encoding"),
        git_protocol: header(headers, "git-protocol"),
        body,
    };
    http_backend(&ctx.root, request)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))
}

pub(crate) async fn info_refs(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, wiki)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    wiki_for(&ctx, &caller, &owner, &wiki)?;
    let query = query.unwrap_or_default();
    if !query.split('&').any(|p| p == "service=git-upload-pack") {
        return Ok((StatusCode::FORBIDDEN, "Only git-upload-pack is served").into_response());
    }
    let path_info = format!("/{owner}/{wiki}/info/refs");
    serve(&ctx, "GET", path_info, query, &headers, Bytes::new()).await
}

pub(crate) async fn upload_pack(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, wiki)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    wiki_for(&ctx, &caller, &owner, &wiki)?;
    let path_info = format!("/{owner}/{wiki}/git-upload-pack");
    serve(&ctx, "POST", path_info, String::new(), &headers, body).await
}
