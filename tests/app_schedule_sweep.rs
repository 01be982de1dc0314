//! The nag sweep's budget against a real store: oldest first, at most the budget per installation
//! per run, the rest counted and first in line next time.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use postmortem_bot::handlers::nag::plan_nag_sweep;
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::policy::{Decision, ScheduleSettings};
use postmortem_bot::store::{self, FollowUpState, NewPostMortem, TrackedFollowUp};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn stale(postmortem_id: i64, n: u64, quiet_days: i64) -> TrackedFollowUp {
    TrackedFollowUp {
        postmortem_id,
        key: format!("k{n}"),
        title: format!("Item {n}"),
        issue: Some(IssueNumber(n)),
        adopted: false,
        state: FollowUpState::Open,
        done_in_doc: false,
        owner: None,
        due: None,
        priority: None,
        body_hash: String::new(),
        position: n as i64,
        last_human_activity: None,
        nag_count: 0,
        last_nag_at: None,
        escalated: false,
        snoozed_until: None,
        created_at: now() - Duration::days(quiet_days),
        closed_at: None,
    }
}

#[tokio::test]
async fn a_spent_budget_leaves_the_newest_for_the_next_sweep_and_counts_them() {
    let s = store::connect("sqlite::memory:").await.unwrap();
    let mut pms = Vec::new();
    for (installation, name) in [(1, "a"), (2, "b")] {
        let pm = s
            .upsert_postmortem(
                &NewPostMortem {
                    installation_id: InstallationId(installation),
                    repo: RepoName::new("org", name),
                    source: format!("issue:org/{name}#1"),
                    title: "PM".into(),
                    tracking_issue: Some(IssueNumber(1)),
                    author: Some("lead".into()),
                },
                now(),
            )
            .await
            .unwrap();
        pms.push(pm.id);
    }
    // Installation 1: five stale items, quiet 20..24 days; installation 2: one.
    for n in 0..5 {
        s.upsert_follow_up(&stale(pms[0], 10 + n, 20 + n as i64))
            .await
            .unwrap();
    }
    s.upsert_follow_up(&stale(pms[1], 50, 15)).await.unwrap();

    let mut settings = ScheduleSettings::default();
    settings.budget.nags_per_run = 2;
    let settings_for = move |_: &RepoName| settings.clone();
    let plan = plan_nag_sweep(s.as_ref(), now(), &settings_for, 14)
        .await
        .unwrap();
    let picked: Vec<u64> = plan
        .nags
        .iter()
        .map(|n| n.candidate.follow_up.issue.unwrap().0)
        .collect();
    assert_eq!(picked, [14, 13, 50], "oldest first, per installation");
    assert_eq!(plan.over_budget.get(&InstallationId(1)), Some(&3));
    assert_eq!(plan.skipped(), 3);
    assert!(
        plan.nags
            .iter()
            .all(|n| matches!(n.decision, Decision::Nag(_)))
    );

    // The picked ones are nagged; the next sweep (an hour later) resumes with the rest.
    for nag in &plan.nags {
        let f = &nag.candidate.follow_up;
        s.record_nag(f.postmortem_id, &f.key, 1, now(), false)
            .await
            .unwrap();
    }
    let next = plan_nag_sweep(s.as_ref(), now() + Duration::hours(1), &settings_for, 14)
        .await
        .unwrap();
    let picked: Vec<u64> = next
        .nags
        .iter()
        .map(|n| n.candidate.follow_up.issue.unwrap().0)
        .collect();
    assert_eq!(picked, [12, 11]);
    assert_eq!(next.skipped(), 1);
}
