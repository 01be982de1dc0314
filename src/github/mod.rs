//! The GitHub boundary: App JWT, installation tokens, typed REST calls, webhook verification.
//!
//! `GitHubApp` (app.rs) holds the App's key and one `InstallationClient` (client.rs) per
//! installation; both send through `transport.rs`, which owns the retry policy (retry.rs).

mod api_wire;
pub mod app;
pub mod client;
pub mod error;
pub mod jwt;
pub mod models;
mod paths;
pub mod retry;
mod token;
mod transport;
pub mod webhook;

pub use app::{AppCredentials, GitHubApp, ManifestConversion, convert_manifest};
pub use client::InstallationClient;
pub use error::GitHubError;
pub use jwt::AppClaims;
pub use models::{
    AppInfo, Comment, Issue, IssuePatch, IssueState, NewIssue, Permission, RepoInfo, User,
};
pub use retry::RetryPolicy;
pub use token::REFRESH_MARGIN;
pub use webhook::{DecodeError, SignatureError, WebhookEvent, decode, verify_signature};
