//! postmortem-bot: reads post-mortems and keeps their follow-ups alive as GitHub issues.
//!
//! Pure rooms (`postmortem`, `plan`, `render`, `command`) decide; the shell (`server`, `handlers`,
//! `jobs`, `github`, `store`) does the I/O.

pub mod app;
pub mod command;
pub mod config;
pub mod digest;
pub mod fake_github;
pub mod github;
pub mod handlers;
pub mod ids;
pub mod jobs;
pub mod metrics;
pub mod migrate;
pub mod plan;
pub mod policy;
pub mod postmortem;
pub mod render;
pub mod render_sources;
pub mod repo_config;
pub mod server;
pub mod setup;
pub mod store;
