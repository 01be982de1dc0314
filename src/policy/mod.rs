//! Pure: when to nag a follow-up and when a repository's digest is due, from stored state,
//! repository settings and `now`. No I/O; the clock is always an argument.

pub mod messages;
pub mod nag;
pub mod schedule;
pub mod settings;

pub use nag::{Decision, IssueFacts, Nag, NagReason, Why, decide};
pub use schedule::{DigestDue, digest_due, iso_week, latest_digest_slot, local_day};
pub use settings::ScheduleSettings;
