//! Webhook payloads as GitHub sends them (only the fields we read), and their mapping to our events.

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::{
    CommentRef, GollumEvent, InstallationEvent, InstallationRepositoriesEvent, IssueCommentEvent,
    IssueRef, IssuesEvent, PushCommit, PushEvent, User, WebhookEvent, WikiPage,
};
use crate::ids::{InstallationId, IssueNumber, RepoName};

pub(super) fn decode(event: &str, body: &[u8]) -> Result<WebhookEvent, String> {
    Ok(match event {
        "issue_comment" => {
            let p: IssueCommentPayload = parse(body)?;
            WebhookEvent::IssueComment(IssueCommentEvent {
                action: p.action,
                installation: p.installation.map(|i| InstallationId(i.id)),
                repo: p.repository.name()?,
                issue: p.issue.into(),
                comment: CommentRef {
                    id: p.comment.id,
                    body: p.comment.body.unwrap_or_default(),
                    user: p.comment.user.into(),
                    html_url: p.comment.html_url,
                },
                sender: p.sender.into(),
            })
        }
        "issues" => {
            let p: IssuesPayload = parse(body)?;
            WebhookEvent::Issues(IssuesEvent {
                action: p.action,
                installation: p.installation.map(|i| InstallationId(i.id)),
                repo: p.repository.name()?,
                issue: p.issue.into(),
                sender: p.sender.into(),
            })
        }
        "push" => {
            let p: PushPayload = parse(body)?;
            let default_branch = p
                .repository
                .default_branch
                .clone()
                .or_else(|| p.repository.master_branch.clone())
                .ok_or("repository.default_branch is missing")?;
            WebhookEvent::Push(PushEvent {
                installation: p.installation.map(|i| InstallationId(i.id)),
                repo: p.repository.name()?,
                git_ref: p.git_ref,
                before: p.before,
                after: p.after,
                default_branch,
                commits: p
                    .commits
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| PushCommit {
                        id: c.id,
                        added: c.added.unwrap_or_default(),
                        modified: c.modified.unwrap_or_default(),
                        removed: c.removed.unwrap_or_default(),
                    })
                    .collect(),
                sender: p.sender.into(),
            })
        }
        "gollum" => {
            let p: GollumPayload = parse(body)?;
            WebhookEvent::Gollum(GollumEvent {
                installation: p.installation.map(|i| InstallationId(i.id)),
                repo: p.repository.name()?,
                pages: p
                    .pages
                    .into_iter()
                    .map(|page| WikiPage {
                        page_name: page.page_name,
                        title: page.title,
                        action: page.action,
                        sha: page.sha,
                        html_url: page.html_url,
                    })
                    .collect(),
                sender: p.sender.into(),
            })
        }
        "installation" => {
            let p: InstallationPayload = parse(body)?;
            WebhookEvent::Installation(InstallationEvent {
                action: p.action,
                installation: InstallationId(p.installation.id),
                account: p.installation.account.name()?,
                repositories: repo_names(p.repositories.unwrap_or_default())?,
            })
        }
        "installation_repositories" => {
            let p: InstallationRepositoriesPayload = parse(body)?;
            WebhookEvent::InstallationRepositories(InstallationRepositoriesEvent {
                action: p.action,
                installation: InstallationId(p.installation.id),
                account: p.installation.account.name()?,
                added: repo_names(p.repositories_added.unwrap_or_default())?,
                removed: repo_names(p.repositories_removed.unwrap_or_default())?,
            })
        }
        "ping" => {
            let _: serde_json::Map<String, serde_json::Value> = parse(body)?;
            WebhookEvent::Ping
        }
        other => {
            // Not acted on, but a body that is not JSON is still a malformed delivery.
            let _: IgnoredAny = parse(body)?;
            WebhookEvent::Other {
                event: other.to_string(),
            }
        }
    })
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn repo_names(repos: Vec<ShortRepo>) -> Result<Vec<RepoName>, String> {
    repos
        .into_iter()
        .map(|r| r.full_name.parse().map_err(|e| format!("{e}")))
        .collect()
}

#[derive(Deserialize)]
struct WireUser {
    login: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl From<WireUser> for User {
    fn from(u: WireUser) -> Self {
        User::new(u.login, u.kind.as_deref())
    }
}

#[derive(Deserialize)]
struct InstallationRef {
    id: u64,
}

#[derive(Deserialize)]
struct Repository {
    full_name: String,
    default_branch: Option<String>,
    master_branch: Option<String>,
}

impl Repository {
    fn name(&self) -> Result<RepoName, String> {
        self.full_name.parse().map_err(|e| format!("{e}"))
    }
}

#[derive(Deserialize)]
struct ShortRepo {
    full_name: String,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
struct Issue {
    number: u64,
    title: String,
    body: Option<String>,
    state: Option<String>,
    user: WireUser,
    pull_request: Option<IgnoredAny>,
    html_url: String,
    labels: Option<Vec<Label>>,
}

impl From<Issue> for IssueRef {
    fn from(i: Issue) -> Self {
        IssueRef {
            number: IssueNumber(i.number),
            title: i.title,
            body: i.body,
            state: i.state.unwrap_or_default(),
            user: i.user.into(),
            is_pull_request: i.pull_request.is_some(),
            html_url: i.html_url,
            labels: i
                .labels
                .unwrap_or_default()
                .into_iter()
                .map(|l| l.name)
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    body: Option<String>,
    user: WireUser,
    html_url: String,
}

#[derive(Deserialize)]
struct IssueCommentPayload {
    action: String,
    installation: Option<InstallationRef>,
    repository: Repository,
    issue: Issue,
    comment: Comment,
    sender: WireUser,
}

#[derive(Deserialize)]
struct IssuesPayload {
    action: String,
    installation: Option<InstallationRef>,
    repository: Repository,
    issue: Issue,
    sender: WireUser,
}

#[derive(Deserialize)]
struct Commit {
    id: String,
    added: Option<Vec<String>>,
    modified: Option<Vec<String>>,
    removed: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PushPayload {
    installation: Option<InstallationRef>,
    repository: Repository,
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    commits: Option<Vec<Commit>>,
    sender: WireUser,
}

#[derive(Deserialize)]
struct Page {
    page_name: String,
    title: String,
    action: String,
    sha: String,
    html_url: String,
}

#[derive(Deserialize)]
struct GollumPayload {
    installation: Option<InstallationRef>,
    repository: Repository,
    pages: Vec<Page>,
    sender: WireUser,
}

/// Users and organizations have a `login`; enterprise accounts only a `slug` and `name`.
#[derive(Deserialize)]
struct Account {
    login: Option<String>,
    slug: Option<String>,
    name: Option<String>,
}

impl Account {
    fn name(self) -> Result<String, String> {
        self.login
            .or(self.slug)
            .or(self.name)
            .ok_or_else(|| "installation.account has no login".to_string())
    }
}

#[derive(Deserialize)]
struct FullInstallation {
    id: u64,
    account: Account,
}

#[derive(Deserialize)]
struct InstallationPayload {
    action: String,
    installation: FullInstallation,
    repositories: Option<Vec<ShortRepo>>,
}

#[derive(Deserialize)]
struct InstallationRepositoriesPayload {
    action: String,
    installation: FullInstallation,
    repositories_added: Option<Vec<ShortRepo>>,
    repositories_removed: Option<Vec<ShortRepo>>,
}
