//! Process settings: the env names of DESIGN.md (and matching flags), plus the `.env` file the
//! setup page writes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use secrecy::SecretString;
use url::Url;

use crate::github::{AppCredentials, RetryPolicy};

/// Flags and env for `serve` (and the sweeps that share its database and GitHub settings).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The GitHub App's id.
    #[arg(long, env = "GITHUB_APP_ID")]
    pub app_id: Option<u64>,
    /// The App's private key (PEM text).
    #[arg(long, env = "GITHUB_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// A file holding the App's private key (PEM).
    #[arg(long, env = "GITHUB_PRIVATE_KEY_PATH")]
    pub private_key_path: Option<PathBuf>,
    /// The secret GitHub signs webhook deliveries with.
    #[arg(long, env = "GITHUB_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub api_url: Url,
    /// Base for `OWNER/REPO.wiki.git`.
    #[arg(long, env = "GITHUB_GIT_URL", default_value = "https://github.com")]
    pub git_url: Url,
    /// Where the setup page's App-manifest form posts.
    #[arg(long, env = "GITHUB_URL", default_value = "https://github.com")]
    pub github_url: Url,
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://postmortem-bot.db"
    )]
    pub database_url: String,
    #[arg(long, env = "BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The public URL GitHub reaches this server at (for the App manifest's webhook URL); defaults
    /// to the address the setup page was opened with.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// Concurrent job workers.
    #[arg(long, env = "WORKERS", default_value_t = 4)]
    pub workers: usize,
    /// How long a claimed job stays owned by its worker before another may take it over.
    #[arg(long, env = "JOB_LEASE_SECONDS", default_value_t = 300)]
    pub job_lease_seconds: u64,
    /// Attempts before a job is given up.
    #[arg(long, env = "JOB_MAX_ATTEMPTS", default_value_t = 6)]
    pub job_max_attempts: u32,
    /// First retry delay of a failed job, doubled each attempt.
    #[arg(long, env = "JOB_BACKOFF_MS", default_value_t = 2_000)]
    pub job_backoff_ms: u64,
    /// Where the setup page writes the App's credentials.
    #[arg(long, env = "ENV_FILE", default_value = ".env")]
    pub env_file: PathBuf,
}

/// Settings of the job queue.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub workers: usize,
    pub lease: Duration,
    pub max_attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            lease: Duration::from_secs(300),
            max_attempts: 6,
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
        }
    }
}

/// Everything `serve` needs, read and checked once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub credentials: Option<AppCredentials>,
    pub webhook_secret: Option<SecretString>,
    pub api_url: Url,
    pub git_url: Url,
    pub github_url: Url,
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: Option<Url>,
    pub jobs: JobSettings,
    /// How hard each GitHub call tries; tests shorten the delays.
    pub github_retry: RetryPolicy,
    pub env_file: PathBuf,
}

impl Settings {
    pub fn from_args(args: ServeArgs) -> anyhow::Result<Self> {
        let private_key = match (args.private_key, &args.private_key_path) {
            (Some(pem), _) => Some(pem),
            (None, Some(path)) => Some(std::fs::read_to_string(path).with_context(|| {
                format!("cannot read GITHUB_PRIVATE_KEY_PATH {}", path.display())
            })?),
            (None, None) => None,
        };
        let credentials = match (args.app_id, private_key) {
            (Some(app_id), Some(pem)) => Some(AppCredentials {
                app_id,
                private_key: SecretString::from(pem),
            }),
            _ => None,
        };
        Ok(Self {
            credentials,
            webhook_secret: args
                .webhook_secret
                .filter(|s| !s.is_empty())
                .map(SecretString::from),
            api_url: args.api_url,
            git_url: args.git_url,
            github_url: args.github_url,
            database_url: args.database_url,
            bind: args.bind,
            public_url: args.public_url,
            jobs: JobSettings {
                workers: args.workers.max(1),
                lease: Duration::from_secs(args.job_lease_seconds.max(1)),
                max_attempts: args.job_max_attempts.max(1),
                backoff: Duration::from_millis(args.job_backoff_ms),
                max_backoff: Duration::from_secs(600),
            },
            github_retry: RetryPolicy::default(),
            env_file: args.env_file,
        })
    }

    /// What the setup page must still ask for.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.credentials.is_none() {
            missing.push("GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_PATH)");
        }
        if self.webhook_secret.is_none() {
            missing.push("GITHUB_WEBHOOK_SECRET");
        }
        missing
    }
}

/// Reads `KEY=VALUE` lines (values optionally double-quoted, with `\n` escapes) into the process
/// environment, never overriding a variable that is already set. A missing file is fine.
pub fn load_env_file(path: &Path) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    for (key, value) in parse_env_file(&text) {
        if std::env::var_os(&key).is_none() {
            // SAFETY of set_var: called at start-up, before the runtime spawns any thread.
            unsafe { std::env::set_var(&key, value) };
        }
    }
    Ok(())
}

/// The pairs of an env file, pure so it can be tested.
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\\n", "\n").replace("\\\"", "\""),
                None => value.to_string(),
            };
            Some((key.trim().to_string(), value))
        })
        .collect()
}

/// One `KEY="VALUE"` line, escaped so `parse_env_file` reads it back.
pub fn env_line(key: &str, value: &str) -> String {
    format!(
        "{key}=\"{}\"\n",
        value.replace('"', "\\\"").replace('\n', "\\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_round_trip_multiline_keys() {
        let pem = "-----BEGIN KEY-----\nabc\"def\n-----END KEY-----\n";
        let text = format!(
            "# written by setup\n{}export B=plain\n\n",
            env_line("A", pem)
        );
        let pairs = parse_env_file(&text);
        assert_eq!(
            pairs,
            vec![
                ("A".to_string(), pem.to_string()),
                ("B".to_string(), "plain".to_string())
            ]
        );
    }
}
