//! One HTTP exchange with GitHub through octocrab, wrapped in our retry policy and metrics.
//!
//! octocrab is built without its `retry` feature and without auth: it supplies the HTTP stack
//! (TLS, base URI, redirects); we set the Authorization header per request and decide here, and
//! only here, what is retried.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use octocrab::Octocrab;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::GitHubError;
use super::retry::{RetryPolicy, backoff, header, jitter, rate_limited_until};
use crate::metrics::Metrics;

/// Answers larger than this are refused rather than buffered (the contents API tops out at 100 MB).
const MAX_ANSWER_BYTES: usize = 100 * 1024 * 1024;

pub(crate) const JSON: &str = "application/vnd.github+json";

/// Whether repeating a request after a 5xx or a lost answer is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Reads, updates, deletes, and creates that GitHub deduplicates (reactions, labels, tokens).
    Safe,
    /// Creates that would duplicate (issues, comments): a 5xx or lost answer is `Ambiguous`.
    Unsafe,
}

/// A request, relative to the API root: `path` is `/repos/o/r/issues?state=all`.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<serde_json::Value>,
    pub accept: &'static str,
    pub replay: Replay,
}

impl Call {
    fn new(method: Method, path: impl Into<String>, replay: Replay) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            accept: JSON,
            replay,
        }
    }
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, Replay::Safe)
    }
    pub fn post(path: impl Into<String>, body: serde_json::Value, replay: Replay) -> Self {
        Self {
            body: Some(body),
            ..Self::new(Method::POST, path, replay)
        }
    }
    pub fn patch(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self {
            body: Some(body),
            ..Self::new(Method::PATCH, path, Replay::Safe)
        }
    }
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path, Replay::Safe)
    }
    pub fn with_accept(self, accept: &'static str) -> Self {
        Self { accept, ..self }
    }
    /// Mutating calls go out one at a time per installation.
    pub fn is_mutating(&self) -> bool {
        self.method != Method::GET && self.method != Method::HEAD
    }
}

/// GitHub's final answer to a call, read in full.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GitHubError> {
        serde_json::from_slice(&self.body).map_err(|e| GitHubError::Decode(e.to_string()))
    }

    /// GitHub's `message`, or the start of the body, or the status's reason phrase.
    pub fn message(&self) -> String {
        if let Ok(ErrorBody {
            message: Some(message),
            ..
        }) = serde_json::from_slice(&self.body)
        {
            return message;
        }
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.is_empty() {
            self.status.canonical_reason().unwrap_or("").to_string()
        } else {
            text.chars().take(200).collect()
        }
    }

    /// Whether a 422's `errors` carry `code` (e.g. `already_exists`).
    pub fn has_error_code(&self, code: &str) -> bool {
        serde_json::from_slice::<ErrorBody>(&self.body)
            .map(|b| b.errors.iter().any(|e| e.code.as_deref() == Some(code)))
            .unwrap_or(false)
    }

    /// The error for an answer the caller did not expect.
    pub fn into_error(self) -> GitHubError {
        match self.status.as_u16() {
            404 | 410 => GitHubError::NotFound,
            status => GitHubError::Status {
                status,
                message: self.message(),
            },
        }
    }

    /// The body as `T` on success, the matching error otherwise.
    pub fn success_json<T: DeserializeOwned>(self) -> Result<T, GitHubError> {
        if self.is_success() {
            self.json()
        } else {
            Err(self.into_error())
        }
    }
}

/// An attempt that got no HTTP answer.
struct NoAnswer {
    message: String,
    /// The connection was refused: the request never left, so even a create may be repeated.
    never_sent: bool,
}

pub(crate) struct Transport {
    octocrab: Octocrab,
    metrics: Arc<Metrics>,
    policy: RetryPolicy,
}

impl Transport {
    pub fn new(
        api_url: &Url,
        metrics: Arc<Metrics>,
        policy: RetryPolicy,
    ) -> Result<Self, GitHubError> {
        let octocrab = Octocrab::builder()
            .base_uri(api_url.as_str())
            .map_err(|e| GitHubError::Transport(format!("bad API URL {api_url}: {e}")))?
            .set_connect_timeout(Some(policy.request_timeout))
            .set_read_timeout(Some(policy.request_timeout))
            .set_write_timeout(Some(policy.request_timeout))
            .build()
            .map_err(|e| GitHubError::Transport(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            octocrab,
            metrics,
            policy,
        })
    }

    /// Sends `call` until GitHub gives an answer worth returning (anything but a 5xx or a rate
    /// limit), within the policy. 4xx answers come back as `Ok` for the caller to interpret.
    pub async fn send(
        &self,
        call: &Call,
        auth: Option<&SecretString>,
    ) -> Result<Answer, GitHubError> {
        let method = call.method.as_str();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last_attempt = attempt >= self.policy.max_attempts;
            let outcome = tokio::time::timeout(self.policy.request_timeout, self.once(call, auth))
                .await
                .unwrap_or_else(|_| {
                    Err(NoAnswer {
                        message: format!("no answer within {:?}", self.policy.request_timeout),
                        never_sent: false,
                    })
                });
            let answer = match outcome {
                Ok(answer) => answer,
                Err(failure) => {
                    self.metrics.github_call(method, 0);
                    tracing::warn!(%method, path = %call.path, attempt, error = %failure.message, "GitHub call got no answer");
                    if call.replay == Replay::Unsafe && !failure.never_sent {
                        return Err(GitHubError::Ambiguous {
                            message: format!("{method} {}: {}", call.path, failure.message),
                        });
                    }
                    if last_attempt {
                        return Err(GitHubError::Transport(format!(
                            "{method} {}: {}",
                            call.path, failure.message
                        )));
                    }
                    tokio::time::sleep(backoff(&self.policy, attempt, jitter())).await;
                    continue;
                }
            };
            let status = answer.status.as_u16();
            self.metrics.github_call(method, status);
            if let Some(remaining) =
                header(&answer.headers, "x-ratelimit-remaining").and_then(|v| v.parse().ok())
            {
                self.metrics.rate_limit_remaining(remaining);
            }
            let now = Utc::now();
            if let Some(until) = rate_limited_until(status, &answer.headers, &answer.body, now) {
                let wait = (until - now).to_std().unwrap_or(Duration::ZERO);
                if last_attempt || wait > self.policy.max_rate_limit_wait {
                    return Err(GitHubError::RateLimited { until });
                }
                tracing::warn!(%method, path = %call.path, attempt, ?wait, "GitHub rate limit, waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            if answer.status.is_server_error() {
                tracing::warn!(%method, path = %call.path, attempt, status, "GitHub server error");
                if call.replay == Replay::Unsafe {
                    return Err(GitHubError::Ambiguous {
                        message: format!("{method} {} answered {status}", call.path),
                    });
                }
                if last_attempt {
                    return Err(answer.into_error());
                }
                tokio::time::sleep(backoff(&self.policy, attempt, jitter())).await;
                continue;
            }
            return Ok(answer);
        }
    }

    async fn once(&self, call: &Call, auth: Option<&SecretString>) -> Result<Answer, NoAnswer> {
        let local = |message: String| NoAnswer {
            message,
            never_sent: true,
        };
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(call.path.as_str())
            .header(ACCEPT, call.accept);
        if let Some(token) = auth {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| local("the token is not a valid header value".into()))?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        let request = self
            .octocrab
            .build_request(builder, call.body.as_ref())
            .map_err(|e| local(format!("cannot build the request: {e}")))?;
        let response = self.octocrab.execute(request).await.map_err(|e| NoAnswer {
            never_sent: connection_refused(&e),
            message: error_chain(&e),
        })?;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(axum::body::Body::new(body), MAX_ANSWER_BYTES)
            .await
            .map_err(|e| NoAnswer {
                message: format!("answer cut short: {e}"),
                never_sent: false,
            })?;
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

fn connection_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        current = e.source();
    }
    false
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        text.push_str(": ");
        text.push_str(&e.to_string());
        current = e.source();
    }
    text
}
