//! `GET /repos/{owner}/{repo}/contents/{path}`: a file (base64) or a directory listing at a ref.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde_json::{Value, json};

use super::{json, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::commits::blob_sha;
use crate::fake_github::error::{ApiError, ApiResult};
use crate::fake_github::paginate::{param, parse_query};
use crate::fake_github::render::Render;
use crate::fake_github::server::Ctx;
use crate::fake_github::state::Repo;

/// GitHub wraps the base64 of file contents at 60 characters.
fn wrapped_base64(content: &[u8]) -> String {
    let encoded = STANDARD.encode(content);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

struct Entry<'a> {
    path: &'a str,
    kind: &'static str,
    sha: String,
    size: usize,
}

fn entry_json(r: &Render, repo: &Repo, git_ref: &str, entry: &Entry) -> Value {
    let api = r.repo_api(repo);
    let name = entry.path.rsplit('/').next().unwrap_or(entry.path);
    let url = format!("{api}/contents/{}?ref={git_ref}", entry.path);
    let (git_url, html_url, download_url) = if entry.kind == "file" {
        (
            format!("{api}/git/blobs/{}", entry.sha),
            format!("{}/blob/{git_ref}/{}", r.repo_html(repo), entry.path),
            Value::from(format!(
                "https://raw.githubusercontent.com/{}/{git_ref}/{}",
                repo.name, entry.path
            )),
        )
    } else {
        (
            format!("{api}/git/trees/{}", entry.sha),
            format!("{}/tree/{git_ref}/{}", r.repo_html(repo), entry.path),
            Value::Null,
        )
    };
    json!({
        "type": entry.kind,
        "size": entry.size,
        "name": name,
        "path": entry.path,
        "sha": entry.sha,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download_url,
        "_links": { "self": url, "git": git_url, "html": html_url },
    })
}

pub(crate) async fn get(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo, path)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = parse_query(raw.as_deref());
    let state = ctx.lock();
    let name = reach(&state, &caller, &owner, &repo)?;
    let repo = state.repos.get(&name).ok_or_else(ApiError::not_found)?;
    let git_ref = param(&query, "ref")
        .filter(|r| !r.is_empty())
        .unwrap_or(&repo.default_branch)
        .to_string();
    let commit = repo.resolve(&git_ref).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No commit found for the ref {git_ref}"),
        )
    })?;
    let path = path.trim_matches('/');
    let r = ctx.render(&state);
    if let Some(content) = commit.tree.get(path) {
        let entry = Entry {
            path,
            kind: "file",
            sha: blob_sha(content),
            size: content.len(),
        };
        let mut body = entry_json(&r, repo, &git_ref, &entry);
        if let Some(obj) = body.as_object_mut() {
            obj.insert("encoding".into(), Value::from("base64"));
            obj.insert("content".into(), Value::from(wrapped_base64(content)));
        }
        return Ok(json(StatusCode::OK, body));
    }
    // A directory: its direct children, files and subdirectories.
    let prefix = format!("{path}/");
    let mut children: BTreeMap<String, Entry> = BTreeMap::new();
    for (file, content) in commit.tree.range(prefix.clone()..) {
        let Some(rest) = file.strip_prefix(&prefix) else {
            break;
        };
        let child = match rest.split_once('/') {
            Some((dir, _)) => Entry {
                path: &file[..prefix.len() + dir.len()],
                kind: "dir",
                sha: blob_sha(format!("{}{dir}", prefix).as_bytes()),
                size: 0,
            },
            None => Entry {
                path: file,
                kind: "file",
                sha: blob_sha(content),
                size: content.len(),
            },
        };
        children.entry(child.path.to_string()).or_insert(child);
    }
    if children.is_empty() {
        return Err(ApiError::not_found());
    }
    let listing: Vec<Value> = children
        .values()
        .map(|e| entry_json(&r, repo, &git_ref, e))
        .collect();
    Ok(json(StatusCode::OK, Value::Array(listing)))
}
