//! `FakeGitHub`: start one, shape its world, break it on purpose, and look at what happened.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::extract::Request;
use chrono::Utc;
use jsonwebtoken::DecodingKey;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tower::Layer;
use tower::util::MapRequestLayer;

use super::config::{FakeConfig, ManifestConversion};
use super::faults::Fault;
use super::record::RecordedRequest;
use super::routes;
use super::server::{self, Ctx, Shared};
use super::state::{
    FakeComment, FakeIssue, FakeLabel, Gone, IdKind, Installation, NewIssue, State, Token,
};
use crate::ids::{InstallationId, IssueNumber, RepoName};

/// A stateful fake of the GitHub REST API, served on 127.0.0.1 for as long as it lives.
pub struct FakeGitHub {
    pub(crate) ctx: Ctx,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FakeGitHub {
    /// Binds `config.bind` (usually 127.0.0.1:0) and serves until dropped.
    pub async fn start(config: FakeConfig) -> anyhow::Result<FakeGitHub> {
        let key = DecodingKey::from_rsa_pem(config.public_key_pem.as_bytes())
            .context("the App's public key is not an RSA PEM")?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding the fake GitHub to {}", config.bind))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        let root = std::env::temp_dir().join(format!(
            "fake-github-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let (version, _) = watch::channel(0);
        let (releases, _) = watch::channel(0);
        let ctx = Ctx(Arc::new(Shared {
            config,
            api_url: format!("http://{addr}"),
            key,
            state: Mutex::new(State::new(Utc::now())),
            version,
            root,
            releases,
        }));
        // Outside the router, so a rewritten method is routed as rewritten.
        let app = MapRequestLayer::new(server::rewrite_method).layer(routes::router(ctx.clone()));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = axum::ServiceExt::<Request>::into_make_service(app);
            let serve = axum::serve(listener, service).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the fake GitHub stopped serving");
            }
        });
        Ok(FakeGitHub {
            ctx,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The API base, `http://127.0.0.1:PORT` (what `GITHUB_API_URL` should be).
    pub fn url(&self) -> &str {
        &self.ctx.api_url
    }

    /// The base for `OWNER/REPO.wiki.git` (what `GITHUB_GIT_URL` should be).
    pub fn git_url(&self) -> String {
        self.ctx.git_url()
    }

    pub fn config(&self) -> &FakeConfig {
        &self.ctx.config
    }

    /// The login issues and comments made with an installation token carry: `<slug>[bot]`.
    pub fn bot_login(&self) -> String {
        self.ctx.config.bot_login()
    }

    /// Every REST route served: (METHOD, path in OpenAPI syntax).
    pub fn served_routes() -> &'static [(&'static str, &'static str)] {
        routes::served_routes()
    }

    /// The git smart-HTTP routes served below [`FakeGitHub::git_url`].
    pub fn served_git_routes() -> &'static [(&'static str, &'static str)] {
        routes::served_git_routes()
    }

    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.ctx.lock());
        self.ctx.changed();
        result
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.ctx.lock())
    }

    // ---- the world -------------------------------------------------------------------------

    /// Installs the App on `account` (treated as an organization).
    pub fn add_installation(&self, id: InstallationId, account: &str) {
        self.with_state(|s| {
            s.installations.entry(id).or_insert_with(|| Installation {
                account: account.to_string(),
                repos: Default::default(),
                created_at: Utc::now(),
            });
        });
    }

    /// Uninstalls: the installation's tokens stop working at once.
    pub fn remove_installation(&self, id: InstallationId) {
        self.with_state(|s| {
            s.installations.remove(&id);
            s.tokens.retain(|_, t| t.installation != id);
        });
    }

    /// Creates `repo` (default branch `main`, wiki enabled) and grants it to the installation,
    /// which is created for the repository's owner if it does not exist yet.
    pub fn add_repo(&self, installation: InstallationId, repo: &RepoName) {
        self.with_state(|s| {
            s.add_repo(repo, Utc::now());
            s.installations
                .entry(installation)
                .or_insert_with(|| Installation {
                    account: repo.owner().to_string(),
                    repos: Default::default(),
                    created_at: Utc::now(),
                })
                .repos
                .insert(repo.clone());
        });
    }

    /// Takes the repository away from the installation (it stays on "GitHub").
    pub fn remove_repo(&self, installation: InstallationId, repo: &RepoName) {
        self.with_state(|s| {
            if let Some(i) = s.installations.get_mut(&installation) {
                i.repos.remove(repo);
            }
        });
    }

    /// Sets `login`'s role on `repo`: admin, maintain, write, triage, read, or none (removes
    /// them). The permission endpoint reports GitHub's legacy value (maintain → write,
    /// triage → read). Anyone with triage or more is assignable unless `set_assignable` says
    /// otherwise.
    pub fn set_permission(&self, repo: &RepoName, login: &str, permission: &str) {
        self.with_state(|s| {
            let r = s.add_repo(repo, Utc::now());
            if permission == "none" {
                r.permissions.remove(login);
            } else {
                r.permissions
                    .insert(login.to_string(), permission.to_string());
            }
        });
    }

    /// Overrides whether `login` can be assigned on `repo`, whatever their role.
    pub fn set_assignable(&self, repo: &RepoName, login: &str, assignable: bool) {
        self.with_state(|s| {
            s.add_repo(repo, Utc::now())
                .assignable
                .insert(login.to_string(), assignable);
        });
    }

    pub fn set_default_branch(&self, repo: &RepoName, branch: &str) {
        self.with_state(|s| s.add_repo(repo, Utc::now()).default_branch = branch.to_string());
    }

    pub fn set_has_wiki(&self, repo: &RepoName, has_wiki: bool) {
        self.with_state(|s| s.add_repo(repo, Utc::now()).has_wiki = has_wiki);
    }

    /// Lets `POST /app-manifests/{code}/conversions` answer once for `code`.
    pub fn register_manifest_code(&self, code: &str, conversion: ManifestConversion) {
        self.with_state(|s| {
            s.manifest_codes.insert(code.to_string(), conversion);
        });
    }

    /// Mints an installation token directly, as if the App had asked for one with its JWT.
    pub fn issue_token(&self, installation: InstallationId) -> String {
        let token = format!("ghs_{}", uuid::Uuid::new_v4().simple());
        let ttl = chrono::Duration::from_std(self.ctx.config.token_ttl)
            .unwrap_or_else(|_| chrono::Duration::hours(1));
        self.with_state(|s| {
            s.tokens.insert(
                token.clone(),
                Token {
                    installation,
                    expires_at: Utc::now() + ttl,
                    repos: None,
                },
            );
        });
        token
    }

    /// Makes every installation token issued so far expire now.
    pub fn expire_tokens(&self) {
        let now = Utc::now();
        self.with_state(|s| {
            for token in s.tokens.values_mut() {
                token.expires_at = now;
            }
        });
    }

    // ---- issues as people make them ----------------------------------------------------------

    /// Opens an issue as `author` (a person, not the App). Creates the repository if needed.
    pub fn add_issue(&self, repo: &RepoName, author: &str, title: &str, body: &str) -> IssueNumber {
        self.with_state(|s| {
            s.add_repo(repo, Utc::now());
            let new = NewIssue {
                author: author.to_string(),
                title: title.to_string(),
                body: Some(body.to_string()),
                labels: Vec::new(),
                assignees: Vec::new(),
            };
            s.create_issue(repo, new, Utc::now())
                .unwrap_or(IssueNumber(0))
        })
    }

    /// Comments as `author`; returns the comment id (`None` if the issue does not exist).
    pub fn add_comment(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        author: &str,
        body: &str,
    ) -> Option<u64> {
        self.with_state(|s| {
            let id = s.next_id(IdKind::Comment);
            let now = Utc::now();
            let issue = s.repos.get_mut(repo)?.issue_mut(number.0)?;
            issue.comments.push(FakeComment {
                id,
                author: author.to_string(),
                body: body.to_string(),
                reactions: Vec::new(),
                created_at: now,
                updated_at: now,
            });
            issue.updated_at = now;
            Some(id)
        })
    }

    /// Edits the issue body as a person would.
    pub fn set_issue_body(&self, repo: &RepoName, number: IssueNumber, body: &str) {
        self.with_state(|s| {
            if let Some(issue) = s.repos.get_mut(repo).and_then(|r| r.issue_mut(number.0)) {
                issue.body = Some(body.to_string());
                issue.updated_at = Utc::now();
            }
        });
    }

    /// Closes (`open == false`) or reopens the issue as `by`.
    pub fn set_issue_state(&self, repo: &RepoName, number: IssueNumber, open: bool, by: &str) {
        self.with_state(|s| {
            let now = Utc::now();
            if let Some(issue) = s.repos.get_mut(repo).and_then(|r| r.issue_mut(number.0)) {
                if open {
                    issue.state = "open".to_string();
                    issue.state_reason = Some("reopened".to_string());
                    issue.closed_at = None;
                    issue.closed_by = None;
                } else {
                    issue.state = "closed".to_string();
                    issue.state_reason = Some("completed".to_string());
                    issue.closed_at = Some(now);
                    issue.closed_by = Some(by.to_string());
                }
                issue.updated_at = now;
            }
        });
    }

    /// Renames an issue, as a person would on its page.
    pub fn set_issue_title(&self, repo: &RepoName, number: IssueNumber, title: &str) {
        self.with_state(|s| {
            if let Some(issue) = s.repos.get_mut(repo).and_then(|r| r.issue_mut(number.0)) {
                issue.title = title.to_string();
                issue.updated_at = Utc::now();
            }
        });
    }

    /// Pins or unpins an issue, as a maintainer would on its page.
    pub fn set_pinned(&self, repo: &RepoName, number: IssueNumber, pinned: bool) {
        self.with_state(|s| {
            if let Some(issue) = s.repos.get_mut(repo).and_then(|r| r.issue_mut(number.0)) {
                issue.pinned = pinned;
            }
        });
    }

    /// Deletes the issue: its address answers 410 from now on.
    pub fn delete_issue(&self, repo: &RepoName, number: IssueNumber) {
        self.with_state(|s| {
            if let Some(issue) = s.repos.get_mut(repo).and_then(|r| r.issue_mut(number.0)) {
                issue.gone = Some(Gone::Deleted);
            }
        });
    }

    /// Transfers the issue to `to`: a new issue there, the old address answers 301.
    pub fn transfer_issue(
        &self,
        repo: &RepoName,
        number: IssueNumber,
        to: &RepoName,
    ) -> Option<IssueNumber> {
        self.with_state(|s| {
            let old = s.repos.get(repo)?.issue(number.0)?.clone();
            if old.gone.is_some() {
                return None;
            }
            let new = NewIssue {
                author: old.author.clone(),
                title: old.title.clone(),
                body: old.body.clone(),
                labels: Vec::new(),
                assignees: Vec::new(),
            };
            s.add_repo(to, Utc::now());
            let moved = s.create_issue(to, new, Utc::now())?;
            let target = s.repos.get_mut(to)?.issue_mut(moved.0)?;
            target.comments = old.comments;
            target.state = old.state;
            target.state_reason = old.state_reason;
            target.closed_at = old.closed_at;
            target.closed_by = old.closed_by;
            let source = s.repos.get_mut(repo)?.issue_mut(number.0)?;
            source.gone = Some(Gone::Transferred {
                to: to.clone(),
                number: moved,
            });
            Some(moved)
        })
    }

    // ---- looking at the world ----------------------------------------------------------------

    /// The issue, with its comments and reactions; `None` if missing, deleted or transferred.
    pub fn issue(&self, repo: &RepoName, number: IssueNumber) -> Option<FakeIssue> {
        self.read(|s| {
            s.repos
                .get(repo)?
                .issue(number.0)
                .filter(|i| i.gone.is_none())
                .cloned()
        })
    }

    /// Every live issue of the repository, by number.
    pub fn issues(&self, repo: &RepoName) -> Vec<FakeIssue> {
        self.read(|s| {
            s.repos
                .get(repo)
                .map(|r| {
                    r.issues
                        .iter()
                        .filter(|i| i.gone.is_none())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// The issues `login` opened (e.g. the App's bot).
    pub fn issues_by(&self, repo: &RepoName, login: &str) -> Vec<FakeIssue> {
        self.issues(repo)
            .into_iter()
            .filter(|i| i.author == login)
            .collect()
    }

    /// The repository's label names, in creation order.
    pub fn labels(&self, repo: &RepoName) -> Vec<String> {
        self.read(|s| {
            s.repos
                .get(repo)
                .map(|r| r.labels.iter().map(|l| l.name.clone()).collect())
                .unwrap_or_default()
        })
    }

    pub fn label(&self, repo: &RepoName, name: &str) -> Option<FakeLabel> {
        self.read(|s| s.repos.get(repo)?.label(name).cloned())
    }

    /// The issue as the API renders it (for building webhook payloads that match the state).
    pub fn issue_json(&self, repo: &RepoName, number: IssueNumber) -> Option<Value> {
        self.read(|s| {
            let r = s.repos.get(repo)?;
            let issue = r.issue(number.0)?;
            Some(self.ctx.render(s).issue(r, issue))
        })
    }

    /// A comment as the API renders it.
    pub fn comment_json(&self, repo: &RepoName, comment_id: u64) -> Option<Value> {
        self.read(|s| {
            let r = s.repos.get(repo)?;
            let (i, c) = r.find_comment(comment_id)?;
            Some(
                self.ctx
                    .render(s)
                    .comment(r, &r.issues[i], &r.issues[i].comments[c]),
            )
        })
    }

    /// The repository as the API renders it.
    pub fn repo_json(&self, repo: &RepoName) -> Option<Value> {
        self.read(|s| Some(self.ctx.render(s).repo(s.repos.get(repo)?)))
    }

    /// A user as the API renders one (`type` is `Bot` for `...[bot]` logins).
    pub fn user_json(&self, login: &str) -> Value {
        self.read(|s| self.ctx.render(s).user(login))
    }

    // ---- faults and the request log --------------------------------------------------------

    pub fn inject(&self, fault: Fault) {
        self.with_state(|s| s.faults.push(fault));
    }

    /// Faults still armed (not yet hit their `times`).
    pub fn armed_faults(&self) -> Vec<Fault> {
        self.read(|s| s.faults.clone())
    }

    pub fn clear_faults(&self) {
        self.with_state(|s| s.faults.clear());
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.read(|s| s.requests.clone())
    }

    pub fn clear_requests(&self) {
        self.with_state(|s| s.requests.clear());
    }

    /// How many requests a `FaultKind::Hold` is keeping waiting right now.
    pub fn held(&self) -> usize {
        self.read(|s| s.held)
    }

    /// Lets every request held by a `FaultKind::Hold` go on.
    pub fn release_held(&self) {
        self.ctx.releases.send_modify(|v| *v += 1);
    }

    /// The most mutating requests (anything but GET) of one installation the fake ever served
    /// at the same time. Combine with a `FaultKind::Delay` to give overlaps a chance.
    pub fn max_concurrent_mutations(&self, installation: InstallationId) -> usize {
        self.read(|s| {
            s.max_mutations_in_flight
                .get(&installation)
                .copied()
                .unwrap_or(0)
        })
    }

    /// How many requests hit `route` (OpenAPI syntax) with `method`.
    pub fn count(&self, method: &str, route: &str) -> usize {
        self.read(|s| s.requests.iter().filter(|r| r.is(method, route)).count())
    }

    /// Waits until `condition` holds, re-checking after every request and test-side change.
    /// The timeout is a safety net for a broken test, not a measurement.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&FakeGitHub) -> bool,
    ) -> anyhow::Result<()> {
        let mut changes = self.ctx.version.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if condition(self) {
                    return;
                }
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            anyhow::anyhow!("the fake GitHub did not reach the expected state within {timeout:?}")
        })
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.release_held();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
        // Best effort: a leftover temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.ctx.root);
    }
}
