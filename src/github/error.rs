//! What can go wrong talking to GitHub, in the shape callers branch on.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// 404 or 410 where the call has no better answer for it.
    #[error("not found on GitHub")]
    NotFound,
    /// Any other answer the call could not use (4xx, or 5xx after the retries ran out).
    #[error("GitHub answered {status}: {message}")]
    Status { status: u16, message: String },
    /// A create whose outcome is unknown (5xx or no answer): it may have been applied. The caller
    /// must look for what it meant to create before trying again.
    #[error("outcome unknown, the request may have been applied: {message}")]
    Ambiguous { message: String },
    /// Rate limited for longer than the policy lets a call wait.
    #[error("rate limited until {until}")]
    RateLimited { until: DateTime<Utc> },
    /// No answer: connection refused or reset, timeout, after the retries ran out.
    #[error("no answer from GitHub: {0}")]
    Transport(String),
    /// The App's credentials were refused or could not be used (bad key, revoked installation).
    #[error("GitHub authentication failed: {0}")]
    Auth(String),
    /// GitHub answered something we could not read.
    #[error("unexpected answer from GitHub: {0}")]
    Decode(String),
    /// The GraphQL API answered with `errors` (it does so with a 200).
    #[error("GitHub's GraphQL API refused: {0}")]
    GraphQl(String),
}

impl GitHubError {
    /// Whether the job that hit this error should be tried again later. An ambiguous create is
    /// retryable because the job re-checks for its marker before creating again.
    pub fn is_retryable(&self) -> bool {
        match self {
            GitHubError::Status { status, .. } => *status >= 500 || *status == 429,
            GitHubError::Ambiguous { .. }
            | GitHubError::RateLimited { .. }
            | GitHubError::Transport(_) => true,
            GitHubError::NotFound
            | GitHubError::Auth(_)
            | GitHubError::Decode(_)
            | GitHubError::GraphQl(_) => false,
        }
    }

    /// The earliest time a retry can succeed, when GitHub said so.
    pub fn retry_not_before(&self) -> Option<DateTime<Utc>> {
        match self {
            GitHubError::RateLimited { until } => Some(*until),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors() {
        let status = |status| GitHubError::Status {
            status,
            message: String::new(),
        };
        assert!(status(502).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(422).is_retryable());
        assert!(!status(403).is_retryable());
        assert!(
            GitHubError::Ambiguous {
                message: String::new()
            }
            .is_retryable()
        );
        assert!(GitHubError::Transport("reset".into()).is_retryable());
        assert!(!GitHubError::NotFound.is_retryable());
        assert!(!GitHubError::Auth("bad key".into()).is_retryable());
        let until = Utc::now();
        assert_eq!(
            GitHubError::RateLimited { until }.retry_not_before(),
            Some(until)
        );
    }
}
