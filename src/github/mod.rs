//! The GitHub boundary: App JWT, installation tokens, typed REST calls, webhook verification.

pub mod models;
pub mod webhook;

pub use models::{
    AppInfo, Comment, Issue, IssuePatch, IssueState, NewIssue, Permission, RepoInfo, User,
};
pub use webhook::{DecodeError, SignatureError, WebhookEvent, decode, verify_signature};
