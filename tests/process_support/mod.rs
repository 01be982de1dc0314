//! Helpers for tests that run the real `postmortem-bot` binary as separate processes: a fresh
//! PostgreSQL schema per test, `serve` replicas against the fake GitHub, signed deliveries over HTTP.

#![allow(dead_code)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hmac::{Hmac, Mac};
use postmortem_bot::fake_github::{FakeConfig, FakeGitHub};
use postmortem_bot::ids::{InstallationId, RepoName};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

pub const SECRET: &str = "process-webhook-secret";
pub const INSTALLATION: InstallationId = InstallationId(7);
pub const MAINTAINER: &str = "mona";
pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

pub fn repo() -> RepoName {
    RepoName::new("octo-org", "incidents")
}

/// The PostgreSQL server to test against, or None after printing why the test does nothing.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "notice: {POSTGRES_ENV} is not set; `{test}` needs PostgreSQL and did nothing \
                 (e.g. {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test)"
            );
            None
        }
    }
}

/// A schema of its own on the test server, dropped by `drop_schema`.
pub struct Schema {
    pub url: String,
    admin: sqlx::PgPool,
    name: String,
}

impl Schema {
    pub async fn create(base: &str) -> Schema {
        let admin = sqlx::PgPool::connect(base).await.unwrap();
        let name = format!("pmb_proc_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&admin)
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{name}");
        Schema { url, admin, name }
    }

    /// A pool on the schema, for assertions on the stored rows.
    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url).await.unwrap()
    }

    pub async fn drop_schema(self) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.name
        )))
        .execute(&self.admin)
        .await
        .unwrap();
    }
}

/// The fake GitHub with one installation on `repo()` and a maintainer who may write.
pub async fn fake() -> FakeGitHub {
    let fake = FakeGitHub::start(FakeConfig::for_tests()).await.unwrap();
    fake.add_installation(INSTALLATION, repo().owner());
    fake.add_repo(INSTALLATION, &repo());
    fake.set_permission(&repo(), MAINTAINER, "write");
    fake
}

/// One `postmortem-bot serve` process.
pub struct Replica {
    pub name: String,
    pub child: Child,
    pub url: String,
    pub pid: u32,
}

/// Extra settings of a replica.
pub struct ReplicaOptions {
    pub workers: usize,
    pub job_lease_seconds: u64,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        Self {
            workers: 2,
            job_lease_seconds: 30,
        }
    }
}

impl Replica {
    /// Starts `serve` on a free port and waits until it says it listens.
    pub async fn start(
        name: &str,
        fake: &FakeGitHub,
        database_url: &str,
        options: &ReplicaOptions,
    ) -> Replica {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-app-key.pem");
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_postmortem-bot"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOSTNAME", name)
            .env("ENV_FILE", dir.path().join("absent.env"))
            .env("GITHUB_APP_ID", fake.config().app_id.to_string())
            .env("GITHUB_PRIVATE_KEY_PATH", key)
            .env("GITHUB_WEBHOOK_SECRET", SECRET)
            .env("GITHUB_API_URL", fake.url())
            .env("GITHUB_GIT_URL", fake.git_url())
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("WORKERS", options.workers.to_string())
            .env("JOB_LEASE_SECONDS", options.job_lease_seconds.to_string())
            .env("JOB_BACKOFF_MS", "50")
            .env("JOB_MAX_ATTEMPTS", "6")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let pid = child.id().expect("a running child has a pid");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let label = name.to_string();
        // Forward the log (prefixed) and notice the "listening" line.
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{label}] {line}");
                if line.contains("postmortem-bot listening")
                    && let Some(ready) = ready.take()
                {
                    let _ = ready.send(());
                }
            }
            drop(dir);
        });
        tokio::time::timeout(Duration::from_secs(60), ready_rx)
            .await
            .unwrap_or_else(|_| panic!("replica {name} did not start listening"))
            .unwrap_or_else(|_| panic!("replica {name} exited before listening"));
        Replica {
            name: name.to_string(),
            child,
            url: format!("http://127.0.0.1:{port}"),
            pid,
        }
    }

    /// SIGKILL: no shutdown, no lease released, the job in hand abandoned.
    pub async fn kill(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// SIGTERM, then wait for the graceful exit.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY-free: `kill` from the shell, so no libc dependency is needed.
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }

    /// Posts a signed delivery; returns the HTTP status.
    pub async fn deliver(&self, event: &str, delivery: &str, payload: &Value) -> u16 {
        let body = serde_json::to_vec(payload).unwrap();
        reqwest::Client::new()
            .post(format!("{}/webhook", self.url))
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", sign(&body))
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The `issue_comment.created` payload of a comment already on the fake.
pub fn comment_payload(fake: &FakeGitHub, issue: u64, comment_id: u64, author: &str) -> Value {
    let issue = postmortem_bot::ids::IssueNumber(issue);
    json!({
        "action": "created",
        "issue": fake.issue_json(&repo(), issue).unwrap(),
        "comment": fake.comment_json(&repo(), comment_id).unwrap(),
        "repository": fake.repo_json(&repo()).unwrap(),
        "installation": { "id": INSTALLATION.0, "node_id": "MDIzOkluc3RhbGxhdGlvbjc=" },
        "sender": fake.user_json(author),
    })
}

/// Three open follow-ups.
pub const POSTMORTEM: &str = "# Queue outage\n\n\
    ## Summary\n\nThe job queue stalled for twenty minutes.\n\n\
    ## Action items\n\n\
    - [ ] Alert when the oldest queued job is older than five minutes\n\
    - [ ] Add a runbook entry for a stalled queue\n\
    - [ ] Load-test the queue with two replicas\n";

pub fn follow_up_titles(fake: &FakeGitHub) -> Vec<String> {
    let mut titles: Vec<String> = fake
        .issues(&repo())
        .into_iter()
        .filter(|i| i.labels.iter().any(|l| l == "follow-up"))
        .map(|i| i.title)
        .collect();
    titles.sort();
    titles
}

pub fn expected_titles() -> Vec<String> {
    let mut titles = vec![
        "Alert when the oldest queued job is older than five minutes".to_string(),
        "Add a runbook entry for a stalled queue".to_string(),
        "Load-test the queue with two replicas".to_string(),
    ];
    titles.sort();
    titles
}

/// Comments by the bot on an issue.
pub fn bot_comments(fake: &FakeGitHub, issue: u64) -> Vec<String> {
    let bot = fake.bot_login();
    fake.issue(&repo(), postmortem_bot::ids::IssueNumber(issue))
        .map(|i| {
            i.comments
                .into_iter()
                .filter(|c| c.author == bot)
                .map(|c| c.body)
                .collect()
        })
        .unwrap_or_default()
}

/// Re-checks `condition` until it holds. For states the fake cannot signal (a fault taken, a row
/// written by another process); the timeout only stops a broken test.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
