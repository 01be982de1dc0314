//! The one thing the App asks of GitHub's GraphQL API: pinning an issue, which REST cannot do.

use serde::Deserialize;
use serde_json::json;

use super::InstallationClient;
use crate::github::error::GitHubError;
use crate::github::models::Issue;
use crate::github::transport::{Call, Replay};

const PIN_ISSUE: &str =
    "mutation($issueId: ID!) { pinIssue(input: {issueId: $issueId}) { issue { number } } }";

#[derive(Deserialize)]
struct GraphQlAnswer {
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

#[derive(Deserialize)]
struct GraphQlError {
    message: String,
}

impl InstallationClient {
    /// Pins `issue` to its repository's issue list. Pinning a pinned issue changes nothing, so a
    /// repeat is harmless. GitHub allows three pinned issues per repository: a fourth is a
    /// `GraphQl` error naming the limit.
    pub async fn pin_issue(&self, issue: &Issue) -> Result<(), GitHubError> {
        if issue.node_id.is_empty() {
            return Err(GitHubError::Decode(format!(
                "issue #{} came without a node_id",
                issue.number
            )));
        }
        let body = json!({ "query": PIN_ISSUE, "variables": { "issueId": issue.node_id } });
        let answer: GraphQlAnswer = self
            .send(Call::post("/graphql", body, Replay::Safe))
            .await?
            .success_json()?;
        match answer.errors.as_slice() {
            [] => Ok(()),
            errors => Err(GitHubError::GraphQl(
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }
}
