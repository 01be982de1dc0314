//! Webhook deliveries: `X-Hub-Signature-256` verification and decoding into typed events.

mod wire;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ids::{InstallationId, IssueNumber, RepoName};

pub use super::models::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not `sha256=<64 hex digits>`")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks `sha256=<hex>` against HMAC-SHA256(secret, body) in constant time. An empty secret
/// verifies nothing: anyone could sign with it.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// A payload that is not what its `X-GitHub-Event` says it is: the webhook answers 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed `{event}` payload: {reason}")]
pub struct DecodeError {
    pub event: String,
    pub reason: String,
}

/// The deliveries the App acts on, reduced to the fields it uses. Stored as a job payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEvent {
    IssueComment(IssueCommentEvent),
    Issues(IssuesEvent),
    Push(PushEvent),
    Gollum(GollumEvent),
    Installation(InstallationEvent),
    InstallationRepositories(InstallationRepositoriesEvent),
    Ping,
    /// Events we don't handle: acknowledged, dropped.
    Other {
        event: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRef {
    pub number: IssueNumber,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`; empty when GitHub leaves it out (it does for `pinned`/`unpinned`).
    pub state: String,
    pub user: User,
    pub is_pull_request: bool,
    pub html_url: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRef {
    pub id: u64,
    pub body: String,
    pub user: User,
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCommentEvent {
    pub action: String,
    pub installation: Option<InstallationId>,
    pub repo: RepoName,
    pub issue: IssueRef,
    pub comment: CommentRef,
    pub sender: User,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuesEvent {
    pub action: String,
    pub installation: Option<InstallationId>,
    pub repo: RepoName,
    pub issue: IssueRef,
    pub sender: User,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushCommit {
    pub id: String,
    pub added: Vec<String>,
    pub modified: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    pub installation: Option<InstallationId>,
    pub repo: RepoName,
    /// `refs/heads/main`, `refs/tags/v1`, ...
    pub git_ref: String,
    pub before: String,
    pub after: String,
    pub default_branch: String,
    pub commits: Vec<PushCommit>,
    pub sender: User,
}

impl PushEvent {
    /// True when the push moved the repository's default branch.
    pub fn is_to_default_branch(&self) -> bool {
        self.git_ref.strip_prefix("refs/heads/") == Some(self.default_branch.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikiPage {
    pub page_name: String,
    pub title: String,
    /// `created` or `edited`.
    pub action: String,
    pub sha: String,
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GollumEvent {
    pub installation: Option<InstallationId>,
    pub repo: RepoName,
    pub pages: Vec<WikiPage>,
    pub sender: User,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationEvent {
    /// `created`, `deleted`, `suspend`, `unsuspend`, `new_permissions_accepted`.
    pub action: String,
    pub installation: InstallationId,
    pub account: String,
    /// Present for `created` (and some other actions); empty otherwise.
    pub repositories: Vec<RepoName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationRepositoriesEvent {
    /// `added` or `removed`.
    pub action: String,
    pub installation: InstallationId,
    pub account: String,
    pub added: Vec<RepoName>,
    pub removed: Vec<RepoName>,
}

impl WebhookEvent {
    /// The installation whose token the work needs; `None` for pings, unknown events, and
    /// payloads delivered outside an App (a plain repository webhook).
    pub fn installation(&self) -> Option<InstallationId> {
        match self {
            WebhookEvent::IssueComment(e) => e.installation,
            WebhookEvent::Issues(e) => e.installation,
            WebhookEvent::Push(e) => e.installation,
            WebhookEvent::Gollum(e) => e.installation,
            WebhookEvent::Installation(e) => Some(e.installation),
            WebhookEvent::InstallationRepositories(e) => Some(e.installation),
            WebhookEvent::Ping | WebhookEvent::Other { .. } => None,
        }
    }

    /// The `X-GitHub-Event` name this event came from.
    pub fn event_name(&self) -> &str {
        match self {
            WebhookEvent::IssueComment(_) => "issue_comment",
            WebhookEvent::Issues(_) => "issues",
            WebhookEvent::Push(_) => "push",
            WebhookEvent::Gollum(_) => "gollum",
            WebhookEvent::Installation(_) => "installation",
            WebhookEvent::InstallationRepositories(_) => "installation_repositories",
            WebhookEvent::Ping => "ping",
            WebhookEvent::Other { event } => event,
        }
    }
}

/// Decodes a delivery by its `X-GitHub-Event` name. Events we don't handle still have to be JSON.
pub fn decode(event: &str, body: &[u8]) -> Result<WebhookEvent, DecodeError> {
    wire::decode(event, body).map_err(|reason| DecodeError {
        event: event.to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn signatures_are_checked() {
        let body = br#"{"zen":"Keep it logically awesome."}"#;
        let good = sign(b"s3cret", body);
        assert_eq!(verify_signature(b"s3cret", body, Some(&good)), Ok(()));
        assert_eq!(
            verify_signature(b"other", body, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"s3cret", b"{\"zen\":\"tampered\"}", Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"s3cret", body, None),
            Err(SignatureError::Missing)
        );
        let signed_with_nothing = sign(b"", body);
        assert_eq!(
            verify_signature(b"", body, Some(&signed_with_nothing)),
            Err(SignatureError::Mismatch)
        );
        let sha1 = good.replace("sha256=", "sha1=");
        for bad in [sha1.as_str(), "sha256=zz", "sha256=abcd", ""] {
            assert_eq!(
                verify_signature(b"s3cret", body, Some(bad)),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn push_knows_its_branch() {
        let push = PushEvent {
            installation: None,
            repo: RepoName::new("o", "r"),
            git_ref: "refs/heads/main".into(),
            before: "a".into(),
            after: "b".into(),
            default_branch: "main".into(),
            commits: vec![],
            sender: User::new("o", None),
        };
        assert!(push.is_to_default_branch());
        let tag = PushEvent {
            git_ref: "refs/tags/main".into(),
            ..push
        };
        assert!(!tag.is_to_default_branch());
    }
}
