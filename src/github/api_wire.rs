//! REST answers as GitHub sends them (only the fields we read), and their mapping to our models.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::error::GitHubError;
use super::models::{AppInfo, Comment, Issue, IssueState, Permission, RepoInfo, User};
use crate::ids::IssueNumber;

#[derive(Deserialize)]
pub(crate) struct ApiUser {
    login: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A deleted account comes back as `null` (or as the `ghost` user).
fn user(u: Option<ApiUser>) -> User {
    u.map(|u| User::new(u.login, u.kind.as_deref()))
        .unwrap_or_else(User::ghost)
}

/// Issue labels are objects in answers, but the schema also allows bare names.
#[derive(Deserialize)]
#[serde(untagged)]
enum ApiLabel {
    Named { name: String },
    Bare(String),
}

impl ApiLabel {
    fn name(self) -> String {
        match self {
            ApiLabel::Named { name } | ApiLabel::Bare(name) => name,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiIssue {
    number: u64,
    #[serde(default)]
    node_id: String,
    title: String,
    body: Option<String>,
    state: String,
    html_url: String,
    user: Option<ApiUser>,
    pull_request: Option<IgnoredAny>,
    labels: Option<Vec<ApiLabel>>,
    assignees: Option<Vec<ApiUser>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl TryFrom<ApiIssue> for Issue {
    type Error = GitHubError;
    fn try_from(i: ApiIssue) -> Result<Self, GitHubError> {
        let state = match i.state.as_str() {
            "open" => IssueState::Open,
            "closed" => IssueState::Closed,
            other => {
                return Err(GitHubError::Decode(format!(
                    "issue #{} has unknown state `{other}`",
                    i.number
                )));
            }
        };
        Ok(Issue {
            number: IssueNumber(i.number),
            node_id: i.node_id,
            title: i.title,
            body: i.body,
            state,
            html_url: i.html_url,
            user: user(i.user),
            is_pull_request: i.pull_request.is_some(),
            labels: i
                .labels
                .unwrap_or_default()
                .into_iter()
                .map(ApiLabel::name)
                .collect(),
            assignees: i
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.login)
                .collect(),
            created_at: i.created_at,
            updated_at: i.updated_at,
            closed_at: i.closed_at,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiComment {
    id: u64,
    body: Option<String>,
    user: Option<ApiUser>,
    html_url: String,
    created_at: DateTime<Utc>,
}

impl From<ApiComment> for Comment {
    fn from(c: ApiComment) -> Self {
        Comment {
            id: c.id,
            body: c.body.unwrap_or_default(),
            user: user(c.user),
            html_url: c.html_url,
            created_at: c.created_at,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiPermission {
    permission: String,
    role_name: Option<String>,
}

impl From<ApiPermission> for Permission {
    /// `role_name` knows maintain and triage; `permission` folds them into write and read.
    fn from(p: ApiPermission) -> Self {
        Permission::from_github(p.role_name.as_deref().unwrap_or(&p.permission))
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiRepo {
    default_branch: String,
    #[serde(default)]
    has_wiki: bool,
    html_url: String,
}

impl From<ApiRepo> for RepoInfo {
    fn from(r: ApiRepo) -> Self {
        RepoInfo {
            default_branch: r.default_branch,
            has_wiki: r.has_wiki,
            html_url: r.html_url,
        }
    }
}

/// `GET /repos/{o}/{r}/contents/{path}` for a file (a directory answers with an array).
#[derive(Deserialize)]
pub(crate) struct ApiContent {
    #[serde(rename = "type")]
    pub kind: String,
    pub encoding: Option<String>,
    pub content: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ApiToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub(crate) struct ApiApp {
    id: u64,
    slug: Option<String>,
    name: String,
    html_url: String,
}

impl TryFrom<ApiApp> for AppInfo {
    type Error = GitHubError;
    fn try_from(a: ApiApp) -> Result<Self, GitHubError> {
        Ok(AppInfo {
            id: a.id,
            slug: a
                .slug
                .ok_or_else(|| GitHubError::Decode("GET /app answered without a slug".into()))?,
            name: a.name,
            html_url: a.html_url,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct ApiManifestConversion {
    pub id: u64,
    pub slug: Option<String>,
    pub html_url: String,
    pub pem: String,
    pub webhook_secret: Option<String>,
    pub client_id: String,
    pub client_secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_map_with_optional_parts_missing() {
        let json = r#"{"number":3,"title":"t","body":null,"state":"closed",
            "html_url":"h","user":null,"labels":["p1",{"name":"follow-up"}],
            "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z",
            "closed_at":"2024-01-03T00:00:00Z","pull_request":{"url":"x"}}"#;
        let issue: Issue = serde_json::from_str::<ApiIssue>(json)
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(issue.state, IssueState::Closed);
        assert_eq!(issue.user.login, "ghost");
        assert_eq!(issue.labels, ["p1", "follow-up"]);
        assert!(issue.assignees.is_empty());
        assert!(issue.is_pull_request);
        assert!(issue.closed_at.is_some());

        let weird = json.replace("\"closed\",", "\"merged\",");
        let api: ApiIssue = serde_json::from_str(&weird).unwrap();
        assert!(matches!(Issue::try_from(api), Err(GitHubError::Decode(_))));
    }

    #[test]
    fn permissions_prefer_the_role_name() {
        let p: ApiPermission =
            serde_json::from_str(r#"{"permission":"write","role_name":"maintain"}"#).unwrap();
        assert_eq!(Permission::from(p), Permission::Maintain);
        let p: ApiPermission = serde_json::from_str(r#"{"permission":"read"}"#).unwrap();
        assert_eq!(Permission::from(p), Permission::Read);
    }
}
