//! A stateful fake of the GitHub REST API for tests and manual trials.
//!
//! Tests start a [`FakeGitHub`] on 127.0.0.1, point the App's `GITHUB_API_URL` at
//! [`FakeGitHub::url`], drive the App with signed webhooks, then assert on the fake's state
//! ([`FakeGitHub::issues`], [`FakeGitHub::requests`], ...). Auth works as on GitHub: App routes
//! want an RS256 JWT signed with the App's key, repository routes an installation token that
//! reaches the repository. [`Fault`]s make it misbehave on purpose. Every route it serves is in
//! GitHub's OpenAPI description ([`FakeGitHub::served_routes`]).

mod auth;
mod commits;
mod config;
mod events;
mod error;
mod faults;
mod handle;
mod handle_contents;
mod paginate;
mod record;
mod render;
mod routes;
mod seed;
mod server;
mod state;
mod wiki;

pub use config::{FakeConfig, ManifestConversion};
pub use events::signature_header;
pub use faults::{Fault, FaultKind};
pub use handle::FakeGitHub;
pub use record::{AuthKind, RecordedRequest};
pub use seed::Seed;
pub use state::{FakeComment, FakeCommitComment, FakeIssue, FakeLabel, FakeReaction};
