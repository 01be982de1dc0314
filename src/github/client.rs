//! Typed REST calls made as one installation, serial for mutations, with our retry policy.

use std::sync::Arc;

use base64::Engine as _;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::json;
use tokio::sync::Mutex;

use super::api_wire::{ApiComment, ApiContent, ApiIssue, ApiPermission, ApiRepo};
use super::app::AppCore;
use super::error::GitHubError;
use super::models::{Comment, Issue, IssuePatch, NewIssue, Permission, RepoInfo};
use super::paths;
use super::token::TokenCache;
use super::transport::{Answer, Call, Replay};
use crate::ids::{InstallationId, IssueNumber, RepoName};

mod graphql;
mod sources;
pub use sources::{ChangedFile, DirEntry};

/// Lists longer than this many pages are refused rather than silently cut short: a partial list
/// of the bot's issues could hide a marker and cause a duplicate.
const MAX_PAGES: usize = 100;

const RAW: &str = "application/vnd.github.raw+json";

/// Calls GitHub as one installation. Clones share the token and the mutation lock.
#[derive(Clone)]
pub struct InstallationClient {
    id: InstallationId,
    core: Arc<AppCore>,
    tokens: Arc<TokenCache>,
    /// Held for the whole of a mutating call, retries included: GitHub asks integrators to send
    /// mutations serially, and its secondary rate limits punish concurrent ones.
    serial: Arc<Mutex<()>>,
}

impl std::fmt::Debug for InstallationClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationClient")
            .field("installation", &self.id)
            .finish_non_exhaustive()
    }
}

impl InstallationClient {
    pub(crate) fn new(core: Arc<AppCore>, id: InstallationId) -> Self {
        Self {
            id,
            core,
            tokens: Arc::new(TokenCache::new(id)),
            serial: Arc::new(Mutex::new(())),
        }
    }

    pub fn installation_id(&self) -> InstallationId {
        self.id
    }

    /// The current installation token (refreshed if close to expiry), for git over HTTPS as
    /// `x-access-token`.
    pub async fn token(&self) -> Result<SecretString, GitHubError> {
        self.tokens.get(&self.core).await
    }

    async fn send(&self, call: Call) -> Result<Answer, GitHubError> {
        let _turn = if call.is_mutating() {
            Some(self.serial.lock().await)
        } else {
            None
        };
        let token = self.token().await?;
        let answer = self.core.transport.send(&call, Some(&token)).await?;
        if answer.status != http::StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        // A 401 means the token was revoked or expired early; nothing was applied, so one more
        // try with a new token is safe for any call.
        self.tokens.forget(&token).await;
        let token = self.token().await?;
        let answer = self.core.transport.send(&call, Some(&token)).await?;
        if answer.status == http::StatusCode::UNAUTHORIZED {
            return Err(GitHubError::Auth(format!(
                "installation {} token refused: {}",
                self.id,
                answer.message()
            )));
        }
        Ok(answer)
    }

    /// Every page of a list, following `Link: rel="next"`.
    async fn get_all<T: DeserializeOwned>(&self, first: String) -> Result<Vec<T>, GitHubError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(path) = next {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GitHubError::Decode(format!(
                    "list longer than {MAX_PAGES} pages, refusing a partial answer"
                )));
            }
            let answer = self.send(Call::get(path)).await?;
            if !answer.is_success() {
                return Err(answer.into_error());
            }
            next = paths::next_page(&answer.headers);
            items.extend(answer.json::<Vec<T>>()?);
        }
        Ok(items)
    }

    /// `GET /repos/{o}/{r}/collaborators/{login}/permission`; someone GitHub does not know as a
    /// collaborator has no permission.
    pub async fn collaborator_permission(
        &self,
        repo: &RepoName,
        login: &str,
    ) -> Result<Permission, GitHubError> {
        let path = paths::repo(
            repo,
            &format!("/collaborators/{}/permission", paths::segment(login)),
        );
        let answer = self.send(Call::get(path)).await?;
        match answer.status.as_u16() {
            404 => Ok(Permission::None),
            _ => Ok(answer.success_json::<ApiPermission>()?.into()),
        }
    }

    /// Adds a reaction (`+1`, `eyes`, `rocket`, ...); GitHub answers 200 for one already there.
    pub async fn react_to_comment(
        &self,
        repo: &RepoName,
        comment_id: u64,
        content: &str,
    ) -> Result<(), GitHubError> {
        let path = paths::repo(repo, &format!("/issues/comments/{comment_id}/reactions"));
        let answer = self
            .send(Call::post(
                path,
                json!({ "content": content }),
                Replay::Safe,
            ))
            .await?;
        ok_or_error(answer)
    }

    /// `None` when the issue does not exist or was deleted.
    pub async fn get_issue(
        &self,
        repo: &RepoName,
        number: IssueNumber,
    ) -> Result<Option<Issue>, GitHubError> {
        let answer = self
            .send(Call::get(paths::repo(repo, &format!("/issues/{number}"))))
            .await?;
        match answer.status.as_u16() {
            404 | 410 => Ok(None),
            _ => Ok(Some(answer.success_json::<ApiIssue>()?.try_into()?)),
        }
    }

    /// Not retried on a 5xx or a lost answer (`Ambiguous`): look for the marker, then retry.
    pub async fn create_issue(
        &self,
        repo: &RepoName,
        issue: &NewIssue,
    ) -> Result<Issue, GitHubError> {
        let body = serde_json::to_value(issue).map_err(|e| GitHubError::Decode(e.to_string()))?;
        let answer = self
            .send(Call::post(
                paths::repo(repo, "/issues"),
                body,
                Replay::Unsafe,
            ))
            .await?;
        answer.success_json::<ApiIssue>()?.try_into()
    }

    pub async fn update_issue(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        patch: &IssuePatch,
    ) -> Result<Issue, GitHubError> {
        let body = serde_json::to_value(patch).map_err(|e| GitHubError::Decode(e.to_string()))?;
        let answer = self
            .send(Call::patch(
                paths::repo(repo, &format!("/issues/{number}")),
                body,
            ))
            .await?;
        answer.success_json::<ApiIssue>()?.try_into()
    }

    /// Every issue and pull request `creator` opened, open or closed, all pages.
    pub async fn list_issues_created_by(
        &self,
        repo: &RepoName,
        creator: &str,
    ) -> Result<Vec<Issue>, GitHubError> {
        let first = paths::with_query(
            &paths::repo(repo, "/issues"),
            &[("creator", creator), ("state", "all"), ("per_page", "100")],
        );
        self.get_all::<ApiIssue>(first)
            .await?
            .into_iter()
            .map(Issue::try_from)
            .collect()
    }

    pub async fn list_comments(
        &self,
        repo: &RepoName,
        number: IssueNumber,
    ) -> Result<Vec<Comment>, GitHubError> {
        let first = paths::with_query(
            &paths::repo(repo, &format!("/issues/{number}/comments")),
            &[("per_page", "100")],
        );
        Ok(self
            .get_all::<ApiComment>(first)
            .await?
            .into_iter()
            .map(Comment::from)
            .collect())
    }

    /// Not retried on a 5xx or a lost answer (`Ambiguous`).
    pub async fn create_comment(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let path = paths::repo(repo, &format!("/issues/{number}/comments"));
        let answer = self
            .send(Call::post(path, json!({ "body": body }), Replay::Unsafe))
            .await?;
        Ok(answer.success_json::<ApiComment>()?.into())
    }

    /// Creates the label unless it exists. `color` is six hex digits, with or without `#`.
    pub async fn ensure_label(
        &self,
        repo: &RepoName,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GitHubError> {
        let existing = self
            .send(Call::get(paths::repo(
                repo,
                &format!("/labels/{}", paths::segment(name)),
            )))
            .await?;
        if existing.is_success() {
            return Ok(());
        }
        if existing.status != http::StatusCode::NOT_FOUND {
            return Err(existing.into_error());
        }
        let body = json!({
            "name": name,
            "color": color.trim_start_matches('#'),
            "description": description,
        });
        // A second create answers 422 already_exists, so repeating it is harmless.
        let created = self
            .send(Call::post(paths::repo(repo, "/labels"), body, Replay::Safe))
            .await?;
        if created.status == http::StatusCode::UNPROCESSABLE_ENTITY
            && created.has_error_code("already_exists")
        {
            return Ok(());
        }
        ok_or_error(created)
    }

    pub async fn add_labels(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        labels: &[String],
    ) -> Result<(), GitHubError> {
        let path = paths::repo(repo, &format!("/issues/{number}/labels"));
        let answer = self
            .send(Call::post(path, json!({ "labels": labels }), Replay::Safe))
            .await?;
        ok_or_error(answer)
    }

    /// A label that is not on the issue is already removed.
    pub async fn remove_label(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        label: &str,
    ) -> Result<(), GitHubError> {
        let path = paths::repo(
            repo,
            &format!("/issues/{number}/labels/{}", paths::segment(label)),
        );
        let answer = self.send(Call::delete(path)).await?;
        match answer.status.as_u16() {
            404 => Ok(()),
            _ => ok_or_error(answer),
        }
    }

    /// Whether `login` can be assigned issues in `repo` (204 yes, 404 no).
    pub async fn is_assignable(&self, repo: &RepoName, login: &str) -> Result<bool, GitHubError> {
        let path = paths::repo(repo, &format!("/assignees/{}", paths::segment(login)));
        let answer = self.send(Call::get(path)).await?;
        match answer.status.as_u16() {
            204 => Ok(true),
            404 => Ok(false),
            _ => Err(answer.into_error()),
        }
    }

    pub async fn get_repo(&self, repo: &RepoName) -> Result<RepoInfo, GitHubError> {
        let answer = self.send(Call::get(paths::repo(repo, ""))).await?;
        Ok(answer.success_json::<ApiRepo>()?.into())
    }

    /// A file's bytes at `git_ref`, or `None` when there is no file there (missing, a directory,
    /// a submodule).
    pub async fn get_file(
        &self,
        repo: &RepoName,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let url = paths::with_query(
            &paths::repo(repo, &format!("/contents/{}", paths::file_path(path))),
            &[("ref", git_ref)],
        );
        let answer = self.send(Call::get(url.clone())).await?;
        if answer.status == http::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !answer.is_success() {
            return Err(answer.into_error());
        }
        if answer.body.first() == Some(&b'[') {
            return Ok(None);
        }
        let content: ApiContent = answer.json()?;
        if content.kind != "file" {
            return Ok(None);
        }
        match content.encoding.as_deref() {
            Some("base64") => {
                let packed: Vec<u8> = content
                    .content
                    .unwrap_or_default()
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(packed)
                    .map(Some)
                    .map_err(|e| GitHubError::Decode(format!("contents of {path}: {e}")))
            }
            // Files over 1 MB come without content ("encoding": "none"); the raw media type
            // serves them whole.
            _ => {
                let raw = self.send(Call::get(url).with_accept(RAW)).await?;
                if !raw.is_success() {
                    return Err(raw.into_error());
                }
                Ok(Some(raw.body.to_vec()))
            }
        }
    }

    /// Not retried on a 5xx or a lost answer (`Ambiguous`). `line` needs `path`.
    pub async fn create_commit_comment(
        &self,
        repo: &RepoName,
        sha: &str,
        body: &str,
        path: Option<&str>,
        line: Option<u32>,
    ) -> Result<(), GitHubError> {
        let mut payload = json!({ "body": body });
        if let Some(path) = path {
            payload["path"] = json!(path);
            if let Some(line) = line {
                payload["line"] = json!(line);
            }
        }
        let url = paths::repo(repo, &format!("/commits/{}/comments", paths::segment(sha)));
        let answer = self.send(Call::post(url, payload, Replay::Unsafe)).await?;
        ok_or_error(answer)
    }
}

fn ok_or_error(answer: Answer) -> Result<(), GitHubError> {
    if answer.is_success() {
        Ok(())
    } else {
        Err(answer.into_error())
    }
}
