//! The status page, and the setup page that registers the App through GitHub's App-manifest flow.

use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use tracing::{error, info};
use url::Url;

use crate::app::AppState;
use crate::config::env_line;
use crate::github::{AppCredentials, convert_manifest};

/// The App manifest, as shipped in app.yml.
const MANIFEST_YAML: &str = include_str!("../app.yml");

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font:16px/1.5 -apple-system,BlinkMacSystemFont,\"Segoe UI\",sans-serif;\
         max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}}code{{background:#f6f8fa;\
         padding:.1rem .3rem;border-radius:4px}}button,.button{{background:#1f883d;color:#fff;\
         border:0;border-radius:6px;padding:.6rem 1rem;font-size:1rem;cursor:pointer;\
         text-decoration:none}}</style></head><body><h1>{title}</h1>{body}</body></html>",
        title = escape(title)
    ))
}

/// Where GitHub reaches this server: `PUBLIC_URL`, else the address the page was opened with.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.as_str().trim_end_matches('/').to_string();
    }
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get("host"))
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| state.settings.bind.to_string());
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The manifest JSON the setup form posts, pointed at this server.
pub fn manifest_json(base: &str) -> anyhow::Result<serde_json::Value> {
    let mut manifest: serde_json::Value =
        serde_yaml_ng::from_str(MANIFEST_YAML).context("app.yml is not valid YAML")?;
    manifest["url"] = serde_json::Value::String(base.to_string());
    manifest["hook_attributes"]["url"] = serde_json::Value::String(format!("{base}/webhook"));
    manifest["redirect_url"] = serde_json::Value::String(format!("{base}/setup/callback"));
    Ok(manifest)
}

pub async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if state.has_credentials() && state.webhook_secret().is_some() {
        let stats = state
            .store
            .queue_stats(chrono::Utc::now())
            .await
            .unwrap_or_default();
        return page(
            "postmortem-bot is running",
            &format!(
                "<p>The App is configured and receiving webhooks at <code>/webhook</code>.</p>\
                 <p>Jobs: {} ready, {} waiting to retry, {} running, {} given up.</p>\
                 <p>Health: <a href=\"/healthz\">/healthz</a> · Metrics: <a href=\"/metrics\">/metrics</a></p>",
                stats.ready, stats.scheduled, stats.running, stats.dead
            ),
        )
        .into_response();
    }
    let base = public_base(&state, &headers);
    let manifest = match manifest_json(&base) {
        Ok(manifest) => manifest,
        Err(error) => {
            error!(%error, "cannot build the App manifest");
            return (StatusCode::INTERNAL_SERVER_ERROR, "app.yml is broken").into_response();
        }
    };
    let setup_state = uuid::Uuid::new_v4().simple().to_string();
    {
        let mut states = state
            .setup_states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        states.push(setup_state.clone());
        // Bounded: a page reloaded many times must not grow memory.
        let excess = states.len().saturating_sub(32);
        states.drain(..excess);
    }
    let mut action = state.settings.github_url.clone();
    action.set_path("/settings/apps/new");
    action.query_pairs_mut().append_pair("state", &setup_state);
    let missing: String = state
        .settings
        .missing()
        .iter()
        .map(|m| format!("<li><code>{}</code></li>", escape(m)))
        .collect();
    let body = format!(
        "<p>This server has no GitHub App credentials yet, so it cannot act on GitHub. Missing:</p>\
         <ul>{missing}</ul>\
         <p>Register a new GitHub App for this server in one step: GitHub creates it from this \
         server's manifest (webhook URL <code>{hook}</code>) and sends you back here; the App's id, \
         private key and webhook secret are then saved to <code>{env}</code> (readable only by this \
         user) and take effect at once.</p>\
         <form action=\"{action}\" method=\"post\">\
         <input type=\"hidden\" name=\"manifest\" value=\"{manifest}\">\
         <button type=\"submit\">Register this App on GitHub</button></form>\
         <p>Already have an App? Set the variables above (see the README) and restart.</p>",
        hook = escape(&format!("{base}/webhook")),
        env = escape(&state.settings.env_file.display().to_string()),
        action = escape(action.as_str()),
        manifest = escape(&manifest.to_string()),
    );
    page("Set up postmortem-bot", &body).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

pub async fn callback(
    State(state): State<Arc<AppState>>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let known_state = query.state.as_deref().is_some_and(|s| {
        let mut states = state
            .setup_states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = states.len();
        states.retain(|known| known != s);
        states.len() != before
    });
    let Some(code) = query.code.filter(|_| known_state) else {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Setup link expired",
                "<p>This link does not belong to a setup started here. <a href=\"/\">Start again</a>.</p>",
            ),
        )
            .into_response();
    };
    match finish_registration(&state, &code).await {
        Ok(install_url) => page(
            "postmortem-bot is registered",
            &format!(
                "<p>The App exists on GitHub and its credentials are saved. Next, install it on \
                 the repositories whose post-mortems it should track:</p>\
                 <p><a class=\"button\" href=\"{}\">Install the App</a></p>",
                escape(&install_url)
            ),
        )
        .into_response(),
        Err(error) => {
            error!(error = %format!("{error:#}"), "App registration failed");
            (
                StatusCode::BAD_GATEWAY,
                page(
                    "Registration failed",
                    &format!(
                        "<p>GitHub did not complete the registration: {}</p><p><a href=\"/\">Try again</a>.</p>",
                        escape(&format!("{error:#}"))
                    ),
                ),
            )
                .into_response()
        }
    }
}

async fn finish_registration(state: &AppState, code: &str) -> anyhow::Result<String> {
    let conversion = convert_manifest(&state.settings.api_url, code)
        .await
        .context("exchanging the manifest code")?;
    let contents = format!(
        "# Written by postmortem-bot's setup page.\n{}{}{}",
        env_line("GITHUB_APP_ID", &conversion.id.to_string()),
        env_line("GITHUB_PRIVATE_KEY", conversion.pem.expose_secret()),
        env_line(
            "GITHUB_WEBHOOK_SECRET",
            conversion.webhook_secret.expose_secret()
        ),
    );
    write_private_file(&state.settings.env_file, &contents)
        .with_context(|| format!("writing {}", state.settings.env_file.display()))?;
    info!(app_id = conversion.id, slug = %conversion.slug, "App registered; credentials saved");
    state.configure(
        AppCredentials {
            app_id: conversion.id,
            private_key: conversion.pem.clone(),
        },
        conversion.webhook_secret.clone(),
    )?;
    let mut install = Url::parse(&conversion.html_url).context("GitHub sent a bad App URL")?;
    install
        .path_segments_mut()
        .map_err(|_| anyhow::anyhow!("GitHub sent a bad App URL"))?
        .pop_if_empty()
        .extend(["installations", "new"]);
    Ok(install.to_string())
}

/// Writes a file only its owner can read (mode 0600), replacing any previous one.
fn write_private_file(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_points_at_this_server() {
        let manifest = manifest_json("https://bot.example.org").unwrap();
        assert_eq!(
            manifest["hook_attributes"]["url"],
            "https://bot.example.org/webhook"
        );
        assert_eq!(
            manifest["redirect_url"],
            "https://bot.example.org/setup/callback"
        );
        assert_eq!(manifest["public"], false);
        assert_eq!(manifest["default_permissions"]["issues"], "write");
        let events = manifest["default_events"].as_array().unwrap();
        for event in ["issues", "issue_comment", "push", "gollum"] {
            assert!(events.iter().any(|e| e == event), "{event}");
        }
    }

    #[test]
    fn private_files_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        write_private_file(&path, "A=1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "A=1\n");
    }
}
