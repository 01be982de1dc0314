//! postmortem-bot: reads post-mortems and keeps their follow-ups alive as GitHub issues.
//!
//! Pure rooms (`postmortem`, `plan`, `render`, `policy`) decide; the shell (`server`, `handlers`,
//! `jobs`, `github`, `store`) does the I/O.

pub mod command;
pub mod fake_github;
pub mod github;
pub mod ids;
pub mod metrics;
pub mod plan;
pub mod postmortem;
pub mod render;
pub mod store;
