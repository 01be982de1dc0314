//! A stateful fake of the GitHub REST API for tests and manual trials.
//!
//! Tests start a [`FakeGitHub`] on 127.0.0.1, point the App's `GITHUB_API_URL` at
//! [`FakeGitHub::url`] (and `GITHUB_GIT_URL` at [`FakeGitHub::git_url`]), drive the App with
//! signed webhooks, then assert on the fake's state ([`FakeGitHub::issues`],
//! [`FakeGitHub::requests`], ...). Every route it serves is in GitHub's OpenAPI description
//! ([`FakeGitHub::served_routes`]).
//!
//! ```text
//! let fake = FakeGitHub::start(FakeConfig::for_tests()).await?;   // App id 1, tests/fixtures key
//! fake.add_repo(InstallationId(7), &repo);                       // installation on repo's owner
//! fake.set_permission(&repo, "alice", "write");
//! let n = fake.add_issue(&repo, "alice", "Outage", &postmortem);
//! let c = fake.add_comment(&repo, n, "alice", "/postmortem").unwrap();
//! let body = fake.issue_comment_event(&repo, c, "created").unwrap().to_string();
//! // POST body to the App with X-Hub-Signature-256: signature_header(secret, body) ...
//! fake.wait_until(timeout, |f| f.issues_by(&repo, &f.bot_login()).len() == 3).await?;
//! ```
//!
//! Faithful where it matters to the App:
//! - App routes want an RS256 JWT under the App's public key (`iss` = App id, `iat`/`exp`
//!   within 60 s of skew, at most 10 minutes long); repository routes want an installation
//!   token (`token X` or `Bearer X`) that reaches the repository (404 otherwise, 401 when
//!   unknown or expired). Writes made with a token are by `<slug>[bot]` (type `Bot`).
//! - Issue numbers count per repository from 1; ids are global and never equal a number.
//!   Labels are created on use; unassignable assignees are dropped silently; bodies over
//!   65536 characters are refused (422); lists page with `per_page`/`page` and absolute
//!   `Link` URLs (octocrab sends credentials only to api.github.com or authority-less URIs, so
//!   follow `next` by path and query); POST is accepted on PATCH routes, as GitHub does.
//! - Every answer carries `x-ratelimit-*` headers; the budget ([`FakeConfig::rate_limit`]) can
//!   run out. [`Fault`]s fail, rate-limit, lose the answer after applying, delay, or hold a
//!   request until [`FakeGitHub::release_held`].
//! - Wikis are real bare git repositories served by `git http-backend` (basic auth
//!   `x-access-token:<token>`); repository files live in an in-memory commit graph.

mod auth;
mod commits;
mod config;
mod error;
mod events;
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
