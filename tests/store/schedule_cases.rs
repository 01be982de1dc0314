//! Conformance cases for nags and digests: the sweep's candidates and order, nag and activity
//! records, snoozes, digest issues, digest history and times to resolve.

use chrono::Duration;
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::store::{
    DigestRecord, DigestRepository, FollowUpState, NewPostMortem, TrackedFollowUp,
    TrackedPostMortem,
};

use super::fixture::{Fixture, t};

fn repo(s: &str) -> RepoName {
    s.parse().unwrap()
}

async fn pm(fx: &Fixture, repo_name: &str, source: &str, at: i64) -> TrackedPostMortem {
    fx.store
        .upsert_postmortem(
            &NewPostMortem {
                installation_id: InstallationId(3),
                repo: repo(repo_name),
                source: source.into(),
                title: format!("PM {source}"),
                tracking_issue: Some(IssueNumber(1)),
                author: Some("lead".into()),
            },
            t(at),
        )
        .await
        .unwrap()
}

/// An open follow-up on `issue`, quiet since `t(activity)`.
fn open(pm: i64, key: &str, issue: u64, activity: i64) -> TrackedFollowUp {
    TrackedFollowUp {
        postmortem_id: pm,
        key: key.into(),
        title: format!("Do {key}"),
        issue: Some(IssueNumber(issue)),
        adopted: false,
        state: FollowUpState::Open,
        done_in_doc: false,
        owner: None,
        due: None,
        priority: None,
        body_hash: String::new(),
        position: 0,
        last_human_activity: None,
        nag_count: 0,
        last_nag_at: None,
        escalated: false,
        snoozed_until: None,
        created_at: t(activity),
        closed_at: None,
    }
}

fn keys(c: &[postmortem_bot::store::NagCandidate]) -> Vec<String> {
    c.iter().map(|c| c.follow_up.key.clone()).collect()
}

pub async fn nag_candidates_are_quiet_open_unsnoozed_items_quietest_first(fx: &Fixture) {
    let s = &fx.store;
    let a = pm(fx, "octo/a", "issue:octo/a#1", 0).await;
    let b = pm(fx, "octo/b", "issue:octo/b#1", 0).await;
    let day = 86_400;
    let mut items = vec![
        open(a.id, "old", 10, 0),
        open(b.id, "older", 11, -day),
        open(a.id, "tie-b", 12, 5),
        open(a.id, "tie-a", 13, 5),
        open(a.id, "fresh", 14, 30 * day),
    ];
    let mut dated = open(a.id, "dated", 15, 30 * day);
    dated.due = Some("2025-03-10".into());
    items.push(dated);
    let mut closed = open(a.id, "closed", 16, 0);
    closed.state = FollowUpState::Closed;
    items.push(closed);
    let mut unbound = open(a.id, "unbound", 0, 0);
    unbound.issue = None;
    items.push(unbound);
    let mut escalated = open(a.id, "escalated", 17, 0);
    escalated.escalated = true;
    items.push(escalated);
    let mut snoozed = open(a.id, "snoozed", 18, 0);
    snoozed.snoozed_until = Some(t(100 * day));
    items.push(snoozed);
    let mut woke = open(a.id, "woke", 19, 1);
    woke.snoozed_until = Some(t(10));
    woke.last_human_activity = Some(t(7));
    items.push(woke);
    for f in &items {
        s.upsert_follow_up(f).await.unwrap();
    }

    let now = t(20 * day);
    let stale_before = t(10 * day);
    let all = s
        .nag_candidates(stale_before, now, None, 100)
        .await
        .unwrap();
    assert_eq!(
        keys(&all),
        ["older", "old", "tie-a", "tie-b", "woke", "dated"],
        "quietest first, ties by post-mortem then key; the fresh one only when dated"
    );
    assert_eq!(all[0].repo, repo("octo/b"));
    assert_eq!(all[0].installation_id, InstallationId(3));
    assert_eq!(all[0].author.as_deref(), Some("lead"));
    assert_eq!(all[0].tracking_issue, Some(IssueNumber(1)));
    assert_eq!(all[0].postmortem_title, "PM issue:octo/b#1");
    assert_eq!(all[0].follow_up, items[1]);

    // Pages resume strictly after the cursor, through ties.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .nag_candidates(stale_before, now, after.as_ref(), 2)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.cursor());
        paged.extend(page);
    }
    assert_eq!(keys(&paged), keys(&all));
}

pub async fn nags_activity_and_snoozes_touch_only_their_fields(fx: &Fixture) {
    let s = &fx.store;
    let a = pm(fx, "octo/a", "issue:octo/a#1", 0).await;
    let other = pm(fx, "octo/other", "issue:octo/other#1", 0).await;
    let mut f = open(a.id, "k", 42, 0);
    f.title = "Original".into();
    s.upsert_follow_up(&f).await.unwrap();
    s.upsert_follow_up(&open(other.id, "k", 42, 0))
        .await
        .unwrap();

    s.record_nag(a.id, "k", 3, t(500) + Duration::microseconds(7), true)
        .await
        .unwrap();
    s.set_snooze(a.id, "k", Some(t(900))).await.unwrap();
    let got = s.list_follow_ups(a.id).await.unwrap().remove(0);
    assert_eq!(
        (
            got.nag_count,
            got.last_nag_at,
            got.escalated,
            got.snoozed_until
        ),
        (
            3,
            Some(t(500) + Duration::microseconds(7)),
            true,
            Some(t(900))
        )
    );
    assert_eq!(got.title, "Original");

    // Activity on octo/a#42 resets that follow-up only, and never moves back in time.
    assert_eq!(
        s.record_human_activity(&repo("octo/a"), IssueNumber(42), t(600))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.record_human_activity(&repo("octo/a"), IssueNumber(42), t(550))
            .await
            .unwrap(),
        1
    );
    let got = s.list_follow_ups(a.id).await.unwrap().remove(0);
    assert_eq!(got.last_human_activity, Some(t(600)));
    assert_eq!((got.nag_count, got.escalated), (0, false));
    assert_eq!(
        got.last_nag_at,
        Some(t(500) + Duration::microseconds(7)),
        "kept"
    );
    let untouched = s.list_follow_ups(other.id).await.unwrap().remove(0);
    assert_eq!(untouched.last_human_activity, None);
    assert_eq!(
        s.record_human_activity(&repo("octo/a"), IssueNumber(99), t(600))
            .await
            .unwrap(),
        0
    );

    s.set_snooze(a.id, "k", None).await.unwrap();
    assert_eq!(
        s.list_follow_ups(a.id).await.unwrap()[0].snoozed_until,
        None
    );
    let all = s.list_repo_follow_ups(&repo("octo/a")).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].postmortem_id, a.id);
}

pub async fn digests_are_recorded_once_per_week(fx: &Fixture) {
    let s = &fx.store;
    pm(fx, "octo/b", "issue:octo/b#1", 50).await;
    let first = pm(fx, "octo/a", "issue:octo/a#1", 20).await;
    pm(fx, "octo/a", "file:octo/a:pm.md", 10).await;
    assert_eq!(
        s.digest_repositories().await.unwrap(),
        vec![
            DigestRepository {
                installation_id: InstallationId(3),
                repo: repo("octo/a"),
                tracked_since: t(10),
            },
            DigestRepository {
                installation_id: InstallationId(3),
                repo: repo("octo/b"),
                tracked_since: t(50),
            },
        ]
    );

    let a = repo("octo/a");
    assert_eq!(s.digest_issue(&a).await.unwrap(), None);
    s.set_digest_issue(&a, IssueNumber(8)).await.unwrap();
    s.set_digest_issue(&a, IssueNumber(9)).await.unwrap();
    assert_eq!(s.digest_issue(&a).await.unwrap(), Some(IssueNumber(9)));
    assert_eq!(s.digest_issue(&repo("octo/b")).await.unwrap(), None);

    let record = |week: &str, at: i64| DigestRecord {
        repo: a.clone(),
        week: week.into(),
        issue: IssueNumber(9),
        sent_at: t(at),
    };
    s.record_digest(&record("2025-W09", 1)).await.unwrap();
    s.record_digest(&record("2025-W10", 2)).await.unwrap();
    s.record_digest(&record("2025-W10", 3)).await.unwrap();
    assert_eq!(
        s.digest_history(&a, 10).await.unwrap(),
        vec![record("2025-W10", 2), record("2025-W09", 1)]
    );
    assert_eq!(s.digest_history(&a, 1).await.unwrap().len(), 1);

    s.set_time_to_resolve(first.id, Some(47)).await.unwrap();
    assert_eq!(s.times_to_resolve(&a).await.unwrap(), vec![(first.id, 47)]);
    s.set_time_to_resolve(first.id, None).await.unwrap();
    assert!(s.times_to_resolve(&a).await.unwrap().is_empty());
}

/// Uninstalling forgets the digest issue and digest history of the installation's repositories
/// (those with post-mortems and those it was only told about), and no other installation's.
pub async fn uninstalling_deletes_digest_issues_and_history(fx: &Fixture) {
    let s = &fx.store;
    let gone = InstallationId(3);
    s.upsert_installation(gone, "octo", t(0)).await.unwrap();
    s.add_repositories(gone, &[repo("octo/a"), repo("octo/quiet")])
        .await
        .unwrap();
    pm(fx, "octo/a", "issue:octo/a#1", 0).await;
    pm(fx, "octo/moved-out", "issue:octo/moved-out#1", 0).await;
    let kept = InstallationId(4);
    s.upsert_installation(kept, "other", t(0)).await.unwrap();
    s.add_repositories(kept, &[repo("other/k")]).await.unwrap();
    s.upsert_postmortem(
        &NewPostMortem {
            installation_id: kept,
            repo: repo("other/k"),
            source: "issue:other/k#1".into(),
            title: "Other".into(),
            tracking_issue: None,
            author: None,
        },
        t(0),
    )
    .await
    .unwrap();
    let all = ["octo/a", "octo/quiet", "octo/moved-out", "other/k"];
    for (n, name) in all.iter().enumerate() {
        let r = repo(name);
        s.set_digest_issue(&r, IssueNumber(40 + n as u64))
            .await
            .unwrap();
        s.record_digest(&DigestRecord {
            repo: r,
            week: "2025-W09".into(),
            issue: IssueNumber(40 + n as u64),
            sent_at: t(1),
        })
        .await
        .unwrap();
    }

    s.delete_installation(gone).await.unwrap();

    for name in &all[..3] {
        let r = repo(name);
        assert_eq!(s.digest_issue(&r).await.unwrap(), None, "{name}");
        assert_eq!(s.digest_history(&r, 10).await.unwrap(), vec![], "{name}");
    }
    let k = repo("other/k");
    assert_eq!(s.digest_issue(&k).await.unwrap(), Some(IssueNumber(43)));
    assert_eq!(s.digest_history(&k, 10).await.unwrap().len(), 1);
    assert_eq!(
        s.digest_repositories().await.unwrap(),
        vec![DigestRepository {
            installation_id: kept,
            repo: k,
            tracked_since: t(0),
        }]
    );
}
