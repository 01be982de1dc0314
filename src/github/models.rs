//! The GitHub values the App reads and writes: issues, comments, users, permissions, repositories.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::IssueNumber;

/// A GitHub account as the App needs it: who, and whether it is a bot (whose comments are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub is_bot: bool,
}

impl User {
    /// `kind` is GitHub's `type` field (`User`, `Bot`, `Organization`, ...). Bots sometimes arrive
    /// without it, so the `[bot]` login suffix counts as well.
    pub fn new(login: impl Into<String>, kind: Option<&str>) -> Self {
        let login = login.into();
        let is_bot = kind == Some("Bot") || login.ends_with("[bot]");
        Self { login, is_bot }
    }

    /// What GitHub shows for an account that no longer exists.
    pub fn ghost() -> Self {
        Self::new("ghost", Some("User"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub number: IssueNumber,
    /// The GraphQL global id (what `pinIssue` takes).
    pub node_id: String,
    pub title: String,
    pub body: Option<String>,
    pub state: IssueState,
    pub html_url: String,
    pub user: User,
    pub is_pull_request: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub user: User,
    pub html_url: String,
    pub created_at: DateTime<Utc>,
}

/// The body of `POST /repos/{owner}/{repo}/issues`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
}

/// The body of `PATCH /repos/{owner}/{repo}/issues/{number}`; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<IssueState>,
    /// `completed`, `not_planned` or `reopened`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
}

/// A person's role on a repository, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Admin,
    Maintain,
    Write,
    Triage,
    Read,
    None,
}

impl Permission {
    /// Only people who could edit the repository themselves may drive the bot.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Permission::Admin | Permission::Maintain | Permission::Write
        )
    }

    /// GitHub's `role_name` (or the coarser legacy `permission`); unknown or custom roles count as
    /// read-only so that a surprise never grants write access.
    pub fn from_github(name: &str) -> Self {
        match name {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "write" => Permission::Write,
            "triage" => Permission::Triage,
            "none" => Permission::None,
            _ => Permission::Read,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoInfo {
    pub default_branch: String,
    pub has_wiki: bool,
    pub html_url: String,
}

/// `GET /app`: who the App is; `slug` gives the bot's login, `{slug}[bot]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub html_url: String,
}

impl AppInfo {
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_are_recognised_by_type_or_login() {
        assert!(User::new("dependabot[bot]", None).is_bot);
        assert!(User::new("postmortem", Some("Bot")).is_bot);
        assert!(!User::new("octocat", Some("User")).is_bot);
        assert!(!User::new("octo-org", Some("Organization")).is_bot);
    }

    #[test]
    fn only_write_roles_can_write() {
        let roles = [
            "admin", "maintain", "write", "triage", "read", "none", "custom",
        ];
        let can: Vec<bool> = roles
            .iter()
            .map(|r| Permission::from_github(r).can_write())
            .collect();
        assert_eq!(can, [true, true, true, false, false, false, false]);
        assert_eq!(Permission::from_github("custom"), Permission::Read);
    }

    #[test]
    fn an_empty_patch_serializes_to_an_empty_object() {
        let json = serde_json::to_string(&IssuePatch::default()).unwrap();
        assert_eq!(json, "{}");
        let closing = IssuePatch {
            state: Some(IssueState::Closed),
            state_reason: Some("completed".into()),
            ..IssuePatch::default()
        };
        assert_eq!(
            serde_json::to_string(&closing).unwrap(),
            r#"{"state":"closed","state_reason":"completed"}"#
        );
    }
}
