//! GitHub's GraphQL endpoint, as far as the App uses it: the `pinIssue` mutation (REST has no
//! way to pin an issue). Errors come back as GitHub sends them: 200 with an `errors` array.

use axum::Extension;
use axum::extract::State;
use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{json, parse_body, reach};
use crate::fake_github::auth::Caller;
use crate::fake_github::error::ApiResult;
use crate::fake_github::server::Ctx;

/// GitHub's limit on pinned issues per repository.
pub const MAX_PINNED: usize = 3;

#[derive(Deserialize)]
struct Request {
    query: String,
    #[serde(default)]
    variables: Value,
}

fn graphql_error(kind: &str, message: &str) -> ApiResult {
    Ok(json(
        StatusCode::OK,
        json!({ "data": null, "errors": [{ "type": kind, "message": message }] }),
    ))
}

/// The global id of an issue is `I_kg{id}` here (see `render.rs`).
fn issue_id(node_id: &str) -> Option<u64> {
    node_id.strip_prefix("I_kg")?.parse().ok()
}

pub(crate) async fn graphql(
    State(ctx): State<Ctx>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let request: Request = parse_body(&body)?;
    if !request.query.contains("pinIssue") {
        return graphql_error(
            "UNSUPPORTED",
            "the fake GitHub serves only the pinIssue mutation",
        );
    }
    let Some(id) = request.variables["issueId"].as_str().and_then(issue_id) else {
        return graphql_error(
            "NOT_FOUND",
            "Could not resolve to a node with the global id given.",
        );
    };
    let mut state = ctx.lock();
    let Some((repo, number)) = state.find_issue_by_id(id) else {
        return graphql_error(
            "NOT_FOUND",
            "Could not resolve to a node with the global id given.",
        );
    };
    if reach(&state, &caller, repo.owner(), repo.name()).is_err() {
        return graphql_error("FORBIDDEN", "Resource not accessible by integration");
    }
    let pinned = state
        .repos
        .get(&repo)
        .map_or(0, |r| r.issues.iter().filter(|i| i.pinned).count());
    let Some(issue) = state.issue_by_id_mut(id) else {
        return graphql_error("NOT_FOUND", "Could not resolve to an Issue.");
    };
    if !issue.pinned {
        if pinned >= MAX_PINNED {
            return graphql_error(
                "UNPROCESSABLE",
                "This repository already has the maximum of 3 pinned issues.",
            );
        }
        issue.pinned = true;
    }
    Ok(json(
        StatusCode::OK,
        json!({ "data": { "pinIssue": { "issue": { "number": number } } } }),
    ))
}
