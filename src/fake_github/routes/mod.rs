//! The table of served routes (one list feeds both the router and `served_routes()`), and the
//! helpers handlers share.

mod app;
mod comments;
mod commits;
mod contents;
mod graphql;
mod issues;
mod labels;
mod repos;
mod sub_issues;
mod wiki;

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Router;
use axum::handler::Handler;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use bytes::Bytes;
use http::header::LINK;
use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::Caller;
use super::error::ApiError;
use super::faults::path_matches;
use super::server::{self, Ctx};
use super::state::State;
use crate::ids::RepoName;

pub(crate) struct Route {
    pub method: &'static str,
    /// The route in OpenAPI syntax, as GitHub's description names it.
    pub path: &'static str,
    /// The same route in axum's syntax (differs only where a parameter spans segments).
    pub axum_path: &'static str,
    pub handler: MethodRouter<Ctx>,
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "POST" => MethodFilter::POST,
        "PATCH" => MethodFilter::PATCH,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

fn route<H, T>(method: &'static str, path: &'static str, handler: H) -> Route
where
    H: Handler<T, Ctx>,
    T: 'static,
{
    route_at(method, path, path, handler)
}

fn route_at<H, T>(
    method: &'static str,
    path: &'static str,
    axum_path: &'static str,
    handler: H,
) -> Route
where
    H: Handler<T, Ctx>,
    T: 'static,
{
    Route {
        method,
        path,
        axum_path,
        handler: on(filter(method), handler),
    }
}

/// The REST routes: each must exist in GitHub's OpenAPI description.
fn api_routes() -> Vec<Route> {
    vec![
        route("GET", "/app", app::get_app),
        route("GET", "/app/installations", app::list_installations),
        route(
            "GET",
            "/app/installations/{installation_id}",
            app::get_installation,
        ),
        route(
            "POST",
            "/app/installations/{installation_id}/access_tokens",
            app::create_access_token,
        ),
        route(
            "POST",
            "/app-manifests/{code}/conversions",
            app::convert_manifest,
        ),
        route(
            "GET",
            "/installation/repositories",
            app::installation_repositories,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/installation",
            app::repo_installation,
        ),
        route("GET", "/repos/{owner}/{repo}", repos::get_repo),
        route(
            "GET",
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
            repos::collaborator_permission,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/assignees/{assignee}",
            repos::check_assignee,
        ),
        route("GET", "/repos/{owner}/{repo}/issues", issues::list),
        route("POST", "/repos/{owner}/{repo}/issues", issues::create),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            issues::get,
        ),
        route(
            "PATCH",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            issues::update,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            comments::list,
        ),
        route(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            comments::create,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            comments::get,
        ),
        route(
            "PATCH",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            comments::update,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            comments::list_reactions,
        ),
        route(
            "POST",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            comments::react,
        ),
        route("GET", "/repos/{owner}/{repo}/labels", labels::list),
        route("POST", "/repos/{owner}/{repo}/labels", labels::create),
        route("GET", "/repos/{owner}/{repo}/labels/{name}", labels::get),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            labels::list_on_issue,
        ),
        route(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            labels::add_to_issue,
        ),
        route(
            "DELETE",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            labels::remove_from_issue,
        ),
        route_at(
            "GET",
            "/repos/{owner}/{repo}/contents/{path}",
            "/repos/{owner}/{repo}/contents/{*path}",
            contents::get,
        ),
        route("GET", "/repos/{owner}/{repo}/commits/{ref}", commits::get),
        route(
            "GET",
            "/repos/{owner}/{repo}/compare/{basehead}",
            commits::compare,
        ),
        route(
            "POST",
            "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
            commits::create_comment,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
            sub_issues::list,
        ),
        route(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
            sub_issues::add,
        ),
        route(
            "DELETE",
            "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
            sub_issues::remove,
        ),
        route(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/parent",
            sub_issues::parent,
        ),
    ]
}

/// GitHub's GraphQL endpoint (not in the REST description).
fn graphql_routes() -> Vec<Route> {
    vec![route("POST", "/graphql", graphql::graphql)]
}

/// Wiki repositories over git smart HTTP (github.com, not the REST API).
fn git_routes() -> Vec<Route> {
    vec![
        route_at(
            "GET",
            "/git/{owner}/{repo}.wiki.git/info/refs",
            "/git/{owner}/{wiki}/info/refs",
            wiki::info_refs,
        ),
        route_at(
            "POST",
            "/git/{owner}/{repo}.wiki.git/git-upload-pack",
            "/git/{owner}/{wiki}/git-upload-pack",
            wiki::upload_pack,
        ),
    ]
}

/// Every REST route the fake serves: (METHOD, path in OpenAPI syntax).
pub fn served_routes() -> &'static [(&'static str, &'static str)] {
    static SERVED: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
        api_routes()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    });
    &SERVED
}

/// The git smart-HTTP routes, below [`super::FakeGitHub::git_url`]'s path.
pub fn served_git_routes() -> &'static [(&'static str, &'static str)] {
    static SERVED: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
        git_routes()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    });
    &SERVED
}

/// GitHub still takes POST where it documents PATCH (a v3 rule for clients that cannot send
/// PATCH; octocrab's `update_comment` relies on it). True when `path` is such a PATCH route
/// and no POST route matches it.
pub(crate) fn post_means_patch(path: &str) -> bool {
    static ROUTES: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
        api_routes()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    });
    let matches = |method: &str| {
        ROUTES
            .iter()
            .any(|(m, template)| *m == method && path_matches(template, path))
    };
    !matches("POST") && matches("PATCH")
}

/// The OpenAPI name of a route from axum's name for it.
pub(crate) fn route_name(axum_path: &str) -> Option<&'static str> {
    static NAMES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
        api_routes()
            .into_iter()
            .chain(graphql_routes())
            .chain(git_routes())
            .map(|r| (r.axum_path, r.path))
            .collect()
    });
    NAMES.get(axum_path).copied()
}

pub(crate) fn router(ctx: Ctx) -> Router {
    let mut router: Router<Ctx> = Router::new();
    for r in api_routes()
        .into_iter()
        .chain(graphql_routes())
        .chain(git_routes())
    {
        router = router.route(r.axum_path, r.handler);
    }
    router
        .route_layer(from_fn_with_state(ctx.clone(), server::inner))
        .fallback(|| async { ApiError::not_found() })
        .layer(from_fn_with_state(ctx.clone(), server::outer))
        .with_state(ctx)
}

/// The repository, if the caller's token reaches it; GitHub hides the rest behind 404.
pub(crate) fn reach(
    state: &State,
    caller: &Caller,
    owner: &str,
    repo: &str,
) -> Result<RepoName, ApiError> {
    let name = RepoName::new(owner, repo);
    match caller {
        Caller::Installation { id, scope } if state.can_reach(*id, scope.as_ref(), &name) => {
            Ok(name)
        }
        Caller::Installation { .. } => Err(ApiError::not_found()),
        Caller::App => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        )),
        Caller::Anonymous | Caller::Rejected(_) => {
            Err(ApiError::unauthorized("Requires authentication"))
        }
    }
}

/// Who the caller acts as when it writes: an installation writes as the App's bot.
pub(crate) fn actor(ctx: &Ctx, caller: &Caller) -> String {
    match caller {
        Caller::Installation { .. } | Caller::App => ctx.config.bot_login(),
        Caller::Anonymous | Caller::Rejected(_) => "ghost".to_string(),
    }
}

pub(crate) fn json(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(crate) fn json_page(body: Value, link: Option<HeaderValue>) -> Response {
    let mut response = json(StatusCode::OK, body);
    if let Some(link) = link {
        response.headers_mut().insert(LINK, link);
    }
    response
}

/// A JSON request body; GitHub answers 400 to one it cannot parse.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::bad_json())
}

/// Label arguments come as names or as `{name}` objects.
pub(crate) fn label_names(values: &[Value]) -> Result<Vec<String>, ApiError> {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Object(o) => o
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ApiError::validation("Label", "name", "missing_field")),
            _ => Err(ApiError::validation("Label", "name", "invalid")),
        })
        .collect()
}
