//! Conversions between the store's Rust types and the integers and strings both backends keep.

use chrono::{DateTime, Utc};

use super::{FollowUpState, StoreError, StoreResult};
use crate::ids::{IssueNumber, RepoName};

/// Jobs per statement (PostgreSQL) or transaction (SQLite) of `enqueue_many`: few enough that the
/// writer lock and the statement stay small, many enough that commits stop mattering.
pub(super) const ENQUEUE_CHUNK: usize = 1_000;

/// Job states as stored; the queue's whole life cycle is these four words.
pub(super) const QUEUED: &str = "queued";
pub(super) const RUNNING: &str = "running";
pub(super) const DONE: &str = "done";
pub(super) const DEAD: &str = "dead";

/// Counts and attempt numbers live in signed 64-bit columns (the only integer both backends share).
pub(super) fn count_to_db(n: u32) -> i64 {
    i64::from(n)
}

pub(super) fn count_from_db(n: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} = {n} is out of range")))
}

pub(super) fn id_to_db(n: u64, what: &str) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} = {n} does not fit a column")))
}

pub(super) fn id_from_db(n: i64, what: &str) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} = {n} is negative")))
}

pub(super) fn issue_to_db(issue: Option<IssueNumber>) -> StoreResult<Option<i64>> {
    issue.map(|n| id_to_db(n.0, "issue number")).transpose()
}

pub(super) fn issue_from_db(n: Option<i64>) -> StoreResult<Option<IssueNumber>> {
    n.map(|n| id_from_db(n, "issue number").map(IssueNumber))
        .transpose()
}

/// `now + lease` without an overflow panic on an absurd lease.
pub(super) fn add_duration(t: DateTime<Utc>, d: chrono::Duration) -> StoreResult<DateTime<Utc>> {
    t.checked_add_signed(d)
        .ok_or_else(|| StoreError::Corrupt(format!("{t} + {d} is out of range")))
}

pub(super) fn repo_from_db(s: &str) -> StoreResult<RepoName> {
    s.parse()
        .map_err(|e: crate::ids::BadRepoName| StoreError::Corrupt(e.to_string()))
}

pub(super) fn state_from_db(s: &str) -> StoreResult<FollowUpState> {
    FollowUpState::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown follow-up state `{s}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_corrupt_not_panics() {
        assert!(matches!(
            count_from_db(-1, "attempts"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            count_from_db(i64::from(u32::MAX) + 1, "attempts"),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(count_from_db(7, "attempts").unwrap(), 7);
        assert!(matches!(id_from_db(-5, "x"), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            id_to_db(u64::MAX, "x"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(repo_from_db("nope"), Err(StoreError::Corrupt(_))));
        assert!(matches!(state_from_db("lost"), Err(StoreError::Corrupt(_))));
        assert_eq!(issue_from_db(Some(12)).unwrap(), Some(IssueNumber(12)));
    }
}
