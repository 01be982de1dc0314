//! Table-driven tests of the planner.

use chrono::{TimeZone, Utc};

use super::*;

const SOURCE: &str = "issue:octo/app#7";

fn repo() -> RepoName {
    RepoName::new("octo", "app")
}

fn item(title: &str) -> FollowUp {
    FollowUp {
        title: title.to_string(),
        ..FollowUp::default()
    }
}

fn tracked(key: &str, title: &str, issue: Option<u64>, state: FollowUpState) -> TrackedFollowUp {
    TrackedFollowUp {
        postmortem_id: 1,
        key: key.to_string(),
        title: title.to_string(),
        issue: issue.map(IssueNumber),
        adopted: false,
        state,
        done_in_doc: false,
        owner: None,
        due: None,
        priority: None,
        body_hash: fingerprint(&item(title)),
        position: 0,
        last_human_activity: None,
        nag_count: 0,
        last_nag_at: None,
        escalated: false,
        snoozed_until: None,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        closed_at: None,
    }
}

fn tracked_for(item: &FollowUp, issue: u64) -> TrackedFollowUp {
    let key = follow_up_key(SOURCE, &item.title, 0);
    let mut t = tracked(&key, &item.title, Some(issue), FollowUpState::Open);
    t.body_hash = fingerprint(item);
    t
}

fn run(items: &[FollowUp], tracked: &[TrackedFollowUp]) -> Vec<Action> {
    let keys = keys_for(SOURCE, items);
    plan(items, &keys, tracked, &repo())
}

#[test]
fn new_items_are_created_done_ones_recorded_and_trackers_adopted() {
    let mut done = item("Rotate the leaked token");
    done.done = true;
    let mut same_repo = item("Add a canary");
    same_repo.issue = Some("https://github.com/octo/app/issues/41".into());
    let mut elsewhere = item("Fix the vendor SDK");
    elsewhere.issue = Some("Bug 12345".into());
    let items = vec![item("Alert on queue depth"), done, same_repo, elsewhere];
    let actions = run(&items, &[]);
    assert!(matches!(actions[0], Action::Create { item: 0, .. }));
    assert!(matches!(actions[1], Action::RecordDone { item: 1, .. }));
    assert!(matches!(
        actions[2],
        Action::Adopt {
            item: 2,
            issue: IssueNumber(41),
            ..
        }
    ));
    assert!(
        matches!(&actions[3], Action::TrackElsewhere { item: 3, link, .. } if link == "Bug 12345")
    );
    assert_eq!(actions.len(), 4);
}

#[test]
fn a_second_run_over_the_same_document_changes_nothing() {
    let items = vec![item("Alert on queue depth"), item("Write a runbook")];
    let tracked: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, it)| tracked_for(it, 10 + i as u64))
        .collect();
    let actions = run(&items, &tracked);
    assert!(
        actions
            .iter()
            .all(|a| matches!(a, Action::Unchanged { .. })),
        "{actions:?}"
    );
}

#[test]
fn reworded_items_update_their_issue_and_keep_their_key() {
    let old = item("Add an alert when the job queue backs up");
    let tracked = vec![tracked_for(&old, 12)];
    let items = vec![item(
        "Add an alert when the job queue backs up for 10 minutes",
    )];
    let actions = run(&items, &tracked);
    assert_eq!(
        actions,
        vec![Action::Update {
            key: tracked[0].key.clone(),
            item: 0,
            issue: IssueNumber(12)
        }]
    );
}

#[test]
fn changed_details_update_the_issue() {
    let old = item("Write a runbook");
    let tracked = vec![tracked_for(&old, 12)];
    let mut new = item("Write a runbook");
    new.owner = Some("mona".into());
    let actions = run(&[new], &tracked);
    assert!(matches!(
        actions[0],
        Action::Update {
            issue: IssueNumber(12),
            ..
        }
    ));
}

#[test]
fn removed_items_are_reported_once() {
    let gone = item("Migrate the cron host");
    let kept = item("Write a runbook");
    let mut already_removed = tracked(
        "old",
        "Something long gone",
        Some(3),
        FollowUpState::Removed,
    );
    already_removed.body_hash = String::new();
    let tracked = vec![
        tracked_for(&gone, 12),
        tracked_for(&kept, 13),
        already_removed,
    ];
    let actions = run(&[kept], &tracked);
    assert_eq!(actions.len(), 2);
    assert!(matches!(actions[0], Action::Unchanged { .. }));
    assert_eq!(
        actions[1],
        Action::Remove {
            key: tracked[0].key.clone(),
            issue: Some(IssueNumber(12))
        }
    );
}

#[test]
fn items_marked_done_close_their_open_issue_once() {
    let open = item("Write a runbook");
    let mut tracked = vec![tracked_for(&open, 12)];
    let mut done = item("Write a runbook");
    done.done = true;
    let actions = run(std::slice::from_ref(&done), &tracked);
    assert!(matches!(
        actions[0],
        Action::CloseDone {
            issue: IssueNumber(12),
            ..
        }
    ));

    tracked[0].done_in_doc = true;
    tracked[0].state = FollowUpState::Closed;
    let actions = run(&[done], &tracked);
    assert!(matches!(actions[0], Action::Unchanged { .. }));
}

#[test]
fn a_create_whose_answer_was_lost_is_resumed_not_repeated() {
    let it = item("Alert on queue depth");
    let key = follow_up_key(SOURCE, &it.title, 0);
    let in_flight = tracked(&key, &it.title, None, FollowUpState::Open);
    let actions = run(&[it], &[in_flight]);
    assert_eq!(actions, vec![Action::Create { key, item: 0 }]);
}

#[test]
fn adopted_issues_are_never_rewritten() {
    let mut it = item("Add a canary");
    it.issue = Some("#41".into());
    let mut t = tracked_for(&it, 41);
    t.adopted = true;
    it.owner = Some("mona".into());
    let actions = run(&[it], &[t]);
    assert!(matches!(actions[0], Action::Unchanged { .. }));
}

#[test]
fn equal_titles_get_distinct_keys() {
    let items = vec![item("Investigate"), item("investigate."), item("Other")];
    let keys = keys_for(SOURCE, &items);
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys[0], follow_up_key(SOURCE, "Investigate", 0));
    assert_ne!(keys_for("issue:octo/app#8", &items)[0], keys[0]);
}

#[test]
fn trackers_are_read_relative_to_the_repository() {
    let cases = [
        ("#12", Tracker::SameRepo(IssueNumber(12))),
        ("octo/app#5", Tracker::SameRepo(IssueNumber(5))),
        (
            "https://github.com/octo/app/issues/9",
            Tracker::SameRepo(IssueNumber(9)),
        ),
        (
            "https://github.com/Octo/App/pull/9/",
            Tracker::SameRepo(IssueNumber(9)),
        ),
        (
            "https://github.com/octo/app/issues/9#issuecomment-1",
            Tracker::SameRepo(IssueNumber(9)),
        ),
        ("other/app#5", Tracker::Elsewhere("other/app#5".into())),
        (
            "https://github.com/other/app/issues/9",
            Tracker::Elsewhere("https://github.com/other/app/issues/9".into()),
        ),
        ("Bug 12345", Tracker::Elsewhere("Bug 12345".into())),
    ];
    for (link, expected) in cases {
        assert_eq!(tracker_for(link, &repo()), expected, "{link}");
    }
}

#[test]
fn similarity_ignores_case_and_punctuation() {
    assert_eq!(similarity("Add **an** alert!", "add an alert"), 1.0);
    assert_eq!(similarity("alpha", "beta"), 0.0);
    assert_eq!(similarity("", "beta"), 0.0);
    assert!(similarity("Add an alert on disk", "Add an alert on memory") >= RENAME_SIMILARITY);
}
