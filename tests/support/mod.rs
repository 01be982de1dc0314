//! The black-box harness: the real router and store, workers running, against the fake GitHub.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hmac::{Hmac, Mac};
use postmortem_bot::app::App;
use postmortem_bot::config::{JobSettings, Settings};
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub, FakeIssue};
use postmortem_bot::github::{AppCredentials, RetryPolicy};
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use tower::ServiceExt as _;

pub const SECRET: &str = "harness-webhook-secret";
pub const INSTALLATION: InstallationId = InstallationId(7);
pub const MAINTAINER: &str = "mona";
pub const READER: &str = "rita-reads";
pub const TEST_KEY_PEM: &str = include_str!("../fixtures/test-app-key.pem");

pub fn repo() -> RepoName {
    RepoName::new("octo-org", "incidents")
}

pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Settings for an App talking to `fake`, storing in `db`, with short retry delays.
pub fn settings(fake: &FakeGitHub, db: &Path, workers: usize) -> Settings {
    let api_url: url::Url = fake.url().parse().expect("the fake's URL");
    Settings {
        credentials: Some(AppCredentials {
            app_id: fake.config().app_id,
            private_key: SecretString::from(TEST_KEY_PEM.to_string()),
        }),
        webhook_secret: Some(SecretString::from(SECRET.to_string())),
        git_url: fake.git_url().parse().expect("the fake's git URL"),
        github_url: api_url.clone(),
        api_url,
        database_url: format!("sqlite://{}", db.display()),
        bind: "127.0.0.1:0".parse().expect("an address"),
        public_url: None,
        jobs: JobSettings {
            workers,
            lease: Duration::from_secs(30),
            max_attempts: 4,
            backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
        },
        github_retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_rate_limit_wait: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        },
        env_file: db.with_file_name(".env"),
    }
}

pub struct Harness {
    pub fake: FakeGitHub,
    pub app: App,
    pub db: PathBuf,
    router: Router,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// A fake GitHub with one installation on `repo()`, a maintainer and a reader, and the App.
    pub async fn start() -> Harness {
        let fake = FakeGitHub::start(FakeConfig::for_tests())
            .await
            .expect("the fake GitHub starts");
        fake.add_installation(INSTALLATION, repo().owner());
        fake.add_repo(INSTALLATION, &repo());
        fake.set_permission(&repo(), MAINTAINER, "write");
        fake.set_permission(&repo(), READER, "read");
        Self::start_with(fake, 2).await
    }

    pub async fn start_with(fake: FakeGitHub, workers: usize) -> Harness {
        let dir = tempfile::tempdir().expect("a temp dir");
        let app = App::start(settings(&fake, &dir.path().join("bot.db"), workers))
            .await
            .expect("the App starts");
        Self::from_app(fake, app, dir)
    }

    /// Wraps an App started by the test itself on `dir/bot.db`.
    pub fn from_app(fake: FakeGitHub, app: App, dir: tempfile::TempDir) -> Harness {
        let router = app.router();
        let db = dir.path().join("bot.db");
        Harness {
            fake,
            app,
            db,
            router,
            _dir: dir,
        }
    }

    /// Stops the App (letting running jobs finish) and starts a new one on the same database.
    pub async fn restart(self) -> Harness {
        let Harness {
            fake,
            app,
            db,
            _dir,
            ..
        } = self;
        app.shutdown().await;
        let app = App::start(settings(&fake, &db, 2))
            .await
            .expect("the App restarts");
        Self::from_app(fake, app, _dir)
    }

    pub async fn request(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        self.request(Request::get(path).body(Body::empty()).expect("a request"))
            .await
    }

    /// Posts a delivery as GitHub would, with the given signature header (None: no header).
    pub async fn post_webhook(
        &self,
        event: &str,
        delivery: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> (StatusCode, String) {
        let mut request = Request::post("/webhook")
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        self.request(request.body(Body::from(body)).expect("a request"))
            .await
    }

    /// A correctly signed delivery with a fresh delivery id; returns the status and the id.
    pub async fn deliver(&self, event: &str, payload: &Value) -> (StatusCode, String) {
        let delivery = uuid::Uuid::new_v4().to_string();
        let status = self.deliver_as(event, &delivery, payload).await;
        (status, delivery)
    }

    pub async fn deliver_as(&self, event: &str, delivery: &str, payload: &Value) -> StatusCode {
        let body = serde_json::to_vec(payload).expect("JSON");
        let signature = sign(&body);
        self.post_webhook(event, delivery, body, Some(signature))
            .await
            .0
    }

    /// Opens an issue by the maintainer holding `body`.
    pub fn open_issue(&self, title: &str, body: &str) -> IssueNumber {
        self.fake.add_issue(&repo(), MAINTAINER, title, body)
    }

    /// The `issue_comment.created` payload for a comment just added on the fake.
    pub fn comment_payload(&self, issue: IssueNumber, comment_id: u64, author: &str) -> Value {
        json!({
            "action": "created",
            "issue": self.fake.issue_json(&repo(), issue).expect("the issue exists"),
            "comment": self.fake.comment_json(&repo(), comment_id).expect("the comment exists"),
            "repository": self.fake.repo_json(&repo()).expect("the repository exists"),
            "installation": { "id": INSTALLATION.0, "node_id": "MDIzOkluc3RhbGxhdGlvbjc=" },
            "sender": self.fake.user_json(author),
        })
    }

    /// Adds a comment on the fake and delivers its webhook; returns the delivery's status, its
    /// id and the payload (for redelivery).
    pub async fn comment(
        &self,
        issue: IssueNumber,
        author: &str,
        body: &str,
    ) -> (StatusCode, String, Value) {
        let comment_id = self
            .fake
            .add_comment(&repo(), issue, author, body)
            .expect("the issue exists");
        let payload = self.comment_payload(issue, comment_id, author);
        let (status, delivery) = self.deliver("issue_comment", &payload).await;
        (status, delivery, payload)
    }

    /// Waits until every queued job has run (bounded, so a hang fails the test instead).
    pub async fn settle(&self) {
        tokio::time::timeout(Duration::from_secs(60), self.app.wait_idle())
            .await
            .expect("the jobs finish within a minute")
            .expect("the queue is readable");
    }

    /// The follow-up issues the bot opened, by number.
    pub fn follow_up_issues(&self) -> Vec<FakeIssue> {
        self.fake
            .issues(&repo())
            .into_iter()
            .filter(|issue| issue.labels.iter().any(|l| l == "follow-up"))
            .collect()
    }

    /// Bodies of the comments the bot wrote on an issue.
    pub fn bot_comments(&self, issue: IssueNumber) -> Vec<String> {
        let bot = self.fake.bot_login();
        self.fake
            .issue(&repo(), issue)
            .map(|issue| {
                issue
                    .comments
                    .into_iter()
                    .filter(|c| c.author == bot)
                    .map(|c| c.body)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Harness {
    /// Commits `changes` (path → text, `None` deletes) on the default branch of `repo()` and
    /// delivers the push; returns the new head.
    pub async fn push(&self, changes: &[(&str, Option<&str>)]) -> String {
        let branch = self
            .fake
            .default_branch(&repo())
            .unwrap_or_else(|| "main".to_string());
        let before = self
            .fake
            .head(&repo(), &branch)
            .unwrap_or_else(|| "0".repeat(40));
        let after = self
            .fake
            .push_as(&repo(), &branch, MAINTAINER, changes, "edit");
        let payload = self
            .fake
            .push_event(&repo(), &branch, &before, &after, MAINTAINER)
            .expect("the repository exists");
        let (status, _) = self.deliver("push", &payload).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        after
    }

    /// Writes a wiki page (as one wiki commit) and delivers its `gollum` event.
    pub async fn edit_wiki(&self, title: &str, markdown: &str) -> String {
        let sha = self
            .fake
            .write_wiki_page(&repo(), title, markdown)
            .expect("the wiki page is written");
        let payload = self
            .fake
            .gollum_event(&repo(), &[(title, "edited", &sha)], MAINTAINER)
            .expect("the repository exists");
        let (status, _) = self.deliver("gollum", &payload).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        sha
    }

    /// Delivers an `issues` event for an issue of `repo()` as `sender`.
    pub async fn issue_event(&self, issue: IssueNumber, action: &str, sender: &str) {
        let payload = self
            .fake
            .issues_event(&repo(), issue, action, sender)
            .expect("the issue exists");
        let (status, _) = self.deliver("issues", &payload).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }

    /// Issues the bot opened that are not follow-ups (tracking and onboarding issues).
    pub fn bot_issues_without_follow_up_label(&self) -> Vec<FakeIssue> {
        let bot = self.fake.bot_login();
        self.fake
            .issues(&repo())
            .into_iter()
            .filter(|i| i.author == bot && !i.labels.iter().any(|l| l == "follow-up"))
            .collect()
    }
}

/// `../shared` beside the checkout (or its worktree's parent), when present.
pub fn shared_dir() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("../shared"), here.join("../../shared")]
        .into_iter()
        .find(|p| p.is_dir())
}

// ---- scheduling: a controllable clock for nags and digests --------------------------------------

impl Harness {
    /// One scheduler tick at `now` (any time, past or future), then waits for every job it caused.
    pub async fn tick(&self, now: chrono::DateTime<chrono::Utc>) {
        postmortem_bot::jobs::scheduler::tick(self.app.store().as_ref(), now, 4)
            .await
            .expect("the tick queues its sweeps");
        self.app.state.signals.job_queued.notify_waiters();
        self.settle().await;
    }

    /// Rewrites the stored follow-up bound to `issue` (to backdate it, give it a due date, ...).
    pub async fn edit_follow_up(
        &self,
        issue: IssueNumber,
        edit: impl FnOnce(&mut postmortem_bot::store::TrackedFollowUp),
    ) {
        let store = self.app.store();
        let mut f = store
            .find_follow_up_by_issue(&repo(), issue)
            .await
            .expect("the store answers")
            .expect("the issue is a tracked follow-up");
        edit(&mut f);
        store.upsert_follow_up(&f).await.expect("the store writes");
    }

    /// Moves the follow-up bound to `issue` back to having been tracked since `at` (the store keeps
    /// the first `created_at` on every upsert, so this writes the column directly).
    pub async fn backdate(&self, issue: IssueNumber, at: chrono::DateTime<chrono::Utc>) {
        let url = format!("sqlite://{}", self.db.display());
        let store = postmortem_bot::store::sqlite::SqliteStore::connect(&url)
            .await
            .expect("the database opens");
        let done = sqlx::query(
            "UPDATE follow_ups SET created_at = ?1
             WHERE issue = ?2 AND postmortem_id IN (SELECT id FROM postmortems WHERE repo = ?3)",
        )
        .bind(at.timestamp_micros())
        .bind(issue.0 as i64)
        .bind(repo().to_string())
        .execute(store.pool())
        .await
        .expect("the update runs");
        assert_eq!(done.rows_affected(), 1, "one follow-up on #{issue}");
        store.pool().close().await;
    }

    pub async fn follow_up(&self, issue: IssueNumber) -> postmortem_bot::store::TrackedFollowUp {
        self.app
            .store()
            .find_follow_up_by_issue(&repo(), issue)
            .await
            .expect("the store answers")
            .expect("the issue is a tracked follow-up")
    }

    /// Adds a label to an issue through the fake's REST API, as a person would.
    pub async fn add_label(&self, issue: IssueNumber, label: &str) {
        let token = self.fake.issue_token(INSTALLATION);
        let url = format!(
            "{}/repos/{}/issues/{issue}/labels",
            self.fake.url().trim_end_matches('/'),
            repo()
        );
        let response = reqwest::Client::new()
            .post(url)
            .header("authorization", format!("token {token}"))
            .header("user-agent", "harness")
            .json(&json!({ "labels": [label] }))
            .send()
            .await
            .expect("the fake answers");
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// Labels on an issue of `repo()`.
    pub fn labels_on(&self, issue: IssueNumber) -> Vec<String> {
        self.fake
            .issue(&repo(), issue)
            .map(|i| i.labels)
            .unwrap_or_default()
    }

    /// The issue the bot opened that carries `marker` in its body (the digest issue, ...).
    pub fn bot_issue_with(&self, marker: &str) -> Option<FakeIssue> {
        let bot = self.fake.bot_login();
        self.fake
            .issues(&repo())
            .into_iter()
            .find(|i| i.author == bot && i.body.as_deref().is_some_and(|b| b.contains(marker)))
    }
}
