//! Conformance cases for installations, repositories, post-mortems and follow-ups.

use chrono::Duration;
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::store::{FollowUpState, NewPostMortem, TrackedFollowUp, TrackedPostMortem};

use super::fixture::{Fixture, t};

fn repo(s: &str) -> RepoName {
    s.parse().unwrap()
}

fn new_pm(installation: u64, repo_name: &str, source: &str) -> NewPostMortem {
    NewPostMortem {
        installation_id: InstallationId(installation),
        repo: repo(repo_name),
        source: source.into(),
        title: format!("Outage for {source}"),
        tracking_issue: None,
        author: None,
    }
}

/// A follow-up with every optional field set, times with microseconds.
fn follow_up(postmortem_id: i64, key: &str, position: i64, issue: Option<u64>) -> TrackedFollowUp {
    TrackedFollowUp {
        postmortem_id,
        key: key.into(),
        title: format!("Do {key}"),
        issue: issue.map(IssueNumber),
        adopted: false,
        state: FollowUpState::Open,
        done_in_doc: false,
        owner: Some("octocat".into()),
        due: Some("2025-04-01".into()),
        priority: Some("P1".into()),
        body_hash: format!("hash-{key}"),
        position,
        last_human_activity: Some(t(10) + Duration::microseconds(123_456)),
        nag_count: 2,
        last_nag_at: Some(t(20) + Duration::microseconds(1)),
        escalated: true,
        snoozed_until: Some(t(30)),
        created_at: t(1) + Duration::microseconds(999_999),
        closed_at: Some(t(40)),
    }
}

async fn tracked(
    fx: &Fixture,
    installation: u64,
    repo_name: &str,
    source: &str,
) -> TrackedPostMortem {
    fx.store
        .upsert_postmortem(&new_pm(installation, repo_name, source), t(0))
        .await
        .unwrap()
}

pub async fn repositories_follow_installation_events(fx: &Fixture) {
    let s = &fx.store;
    let one = InstallationId(1);
    s.upsert_installation(one, "octo", t(0)).await.unwrap();
    s.upsert_installation(one, "octo-renamed", t(1))
        .await
        .unwrap();
    assert_eq!(
        s.list_repositories(one).await.unwrap(),
        Vec::<RepoName>::new()
    );

    s.add_repositories(one, &[repo("octo/b"), repo("octo/a")])
        .await
        .unwrap();
    s.add_repositories(one, &[repo("octo/b"), repo("octo/c")])
        .await
        .unwrap();
    assert_eq!(
        s.list_repositories(one).await.unwrap(),
        vec![repo("octo/a"), repo("octo/b"), repo("octo/c")]
    );
    s.remove_repositories(one, &[repo("octo/b"), repo("octo/missing")])
        .await
        .unwrap();
    assert_eq!(
        s.list_repositories(one).await.unwrap(),
        vec![repo("octo/a"), repo("octo/c")]
    );
    s.add_repositories(one, &[]).await.unwrap();

    // Repositories belong to their installation; one seen before its installation is kept too.
    let two = InstallationId(2);
    s.add_repositories(two, &[repo("other/x")]).await.unwrap();
    assert_eq!(
        s.list_repositories(two).await.unwrap(),
        vec![repo("other/x")]
    );
    assert_eq!(s.list_repositories(one).await.unwrap().len(), 2);
    assert_eq!(
        s.list_repositories(InstallationId(3)).await.unwrap(),
        vec![]
    );
}

pub async fn deleting_an_installation_deletes_its_data(fx: &Fixture) {
    let s = &fx.store;
    let (gone, kept) = (InstallationId(10), InstallationId(20));
    s.upsert_installation(gone, "gone", t(0)).await.unwrap();
    s.upsert_installation(kept, "kept", t(0)).await.unwrap();
    s.add_repositories(gone, &[repo("gone/r")]).await.unwrap();
    s.add_repositories(kept, &[repo("kept/r")]).await.unwrap();
    let pm_gone = tracked(fx, 10, "gone/r", "issue:gone/r#1").await;
    let pm_kept = tracked(fx, 20, "kept/r", "issue:kept/r#1").await;
    s.upsert_follow_up(&follow_up(pm_gone.id, "a", 0, Some(5)))
        .await
        .unwrap();
    s.upsert_follow_up(&follow_up(pm_kept.id, "a", 0, Some(5)))
        .await
        .unwrap();

    s.delete_installation(gone).await.unwrap();

    assert_eq!(s.list_repositories(gone).await.unwrap(), vec![]);
    assert_eq!(s.get_postmortem("issue:gone/r#1").await.unwrap(), None);
    assert_eq!(s.list_postmortems(&repo("gone/r")).await.unwrap(), vec![]);
    assert_eq!(s.list_follow_ups(pm_gone.id).await.unwrap(), vec![]);
    assert_eq!(
        s.find_follow_up_by_issue(&repo("gone/r"), IssueNumber(5))
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        s.list_repositories(kept).await.unwrap(),
        vec![repo("kept/r")]
    );
    assert_eq!(
        s.get_postmortem("issue:kept/r#1").await.unwrap(),
        Some(pm_kept.clone())
    );
    assert_eq!(s.list_follow_ups(pm_kept.id).await.unwrap().len(), 1);

    // Installing again starts from nothing, and deleting an unknown installation is harmless.
    s.upsert_installation(gone, "gone", t(5)).await.unwrap();
    assert_eq!(s.list_repositories(gone).await.unwrap(), vec![]);
    s.delete_installation(InstallationId(999)).await.unwrap();
    let again = tracked(fx, 10, "gone/r", "issue:gone/r#1").await;
    assert_eq!(s.list_follow_ups(again.id).await.unwrap(), vec![]);
}

pub async fn postmortems_upsert_by_source(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.get_postmortem("issue:o/r#1").await.unwrap(), None);

    let created = s
        .upsert_postmortem(
            &NewPostMortem {
                tracking_issue: Some(IssueNumber(1)),
                author: Some("alice".into()),
                ..new_pm(7, "o/r", "issue:o/r#1")
            },
            t(0),
        )
        .await
        .unwrap();
    assert_eq!(created.installation_id, InstallationId(7));
    assert_eq!(created.repo, repo("o/r"));
    assert_eq!(created.source, "issue:o/r#1");
    assert_eq!(created.title, "Outage for issue:o/r#1");
    assert_eq!(created.tracking_issue, Some(IssueNumber(1)));
    assert_eq!(created.author.as_deref(), Some("alice"));
    assert_eq!((created.created_at, created.updated_at), (t(0), t(0)));
    assert_eq!(
        s.get_postmortem("issue:o/r#1").await.unwrap(),
        Some(created.clone())
    );

    // An update without a tracking issue or author keeps the known ones.
    let renamed = s
        .upsert_postmortem(
            &NewPostMortem {
                title: "Database outage".into(),
                ..new_pm(7, "o/r", "issue:o/r#1")
            },
            t(10),
        )
        .await
        .unwrap();
    assert_eq!(renamed.id, created.id);
    assert_eq!(renamed.title, "Database outage");
    assert_eq!(renamed.tracking_issue, Some(IssueNumber(1)));
    assert_eq!(renamed.author.as_deref(), Some("alice"));
    assert_eq!((renamed.created_at, renamed.updated_at), (t(0), t(10)));
    assert_eq!(
        s.get_postmortem("issue:o/r#1").await.unwrap(),
        Some(renamed.clone())
    );

    let moved = s
        .upsert_postmortem(
            &NewPostMortem {
                tracking_issue: Some(IssueNumber(99)),
                author: Some("bob".into()),
                ..new_pm(8, "o/r", "issue:o/r#1")
            },
            t(20),
        )
        .await
        .unwrap();
    assert_eq!(moved.id, created.id);
    assert_eq!(moved.installation_id, InstallationId(8));
    assert_eq!(moved.tracking_issue, Some(IssueNumber(99)));
    assert_eq!(moved.author.as_deref(), Some("bob"));

    // Listing is per repository, oldest first; a wiki page's incidents are separate sources.
    let file = tracked(fx, 7, "o/r", "file:o/r:postmortems/2025-03-01.md").await;
    let wiki = tracked(fx, 7, "o/r", "wiki:o/r:Incidents@db-failover").await;
    let elsewhere = tracked(fx, 7, "o/other", "issue:o/other#3").await;
    let listed: Vec<i64> = s
        .list_postmortems(&repo("o/r"))
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(listed, vec![created.id, file.id, wiki.id]);
    assert_eq!(
        s.list_postmortems(&repo("o/other")).await.unwrap(),
        vec![elsewhere]
    );
    assert_eq!(s.list_postmortems(&repo("o/none")).await.unwrap(), vec![]);
}

pub async fn follow_ups_upsert_replace_and_keep_document_order(fx: &Fixture) {
    let s = &fx.store;
    let pm = tracked(fx, 1, "o/r", "issue:o/r#1").await;
    let other = tracked(fx, 1, "o/r", "issue:o/r#2").await;
    let c = follow_up(pm.id, "c", 2, Some(12));
    let a = follow_up(pm.id, "a", 0, Some(10));
    let b = TrackedFollowUp {
        owner: None,
        due: None,
        priority: None,
        issue: None,
        last_human_activity: None,
        last_nag_at: None,
        snoozed_until: None,
        closed_at: None,
        nag_count: 0,
        escalated: false,
        ..follow_up(pm.id, "b", 1, None)
    };
    for f in [&c, &a, &b] {
        s.upsert_follow_up(f).await.unwrap();
    }
    // Same key under another post-mortem is another follow-up.
    s.upsert_follow_up(&follow_up(other.id, "a", 0, Some(20)))
        .await
        .unwrap();

    assert_eq!(
        s.list_follow_ups(pm.id).await.unwrap(),
        vec![a.clone(), b.clone(), c.clone()],
        "every field round-trips, in document order"
    );

    // A replace rewrites every field but the first created_at, and can reorder.
    let replaced_a = TrackedFollowUp {
        title: "Do a, reworded".into(),
        issue: Some(IssueNumber(11)),
        adopted: true,
        state: FollowUpState::Closed,
        done_in_doc: true,
        owner: None,
        due: Some("2025-05-01".into()),
        priority: None,
        body_hash: "hash-a2".into(),
        position: 3,
        last_human_activity: None,
        nag_count: 3,
        last_nag_at: Some(t(99)),
        escalated: false,
        snoozed_until: None,
        created_at: t(500),
        closed_at: Some(t(600)),
        ..a.clone()
    };
    s.upsert_follow_up(&replaced_a).await.unwrap();
    let removed_b = TrackedFollowUp {
        state: FollowUpState::Removed,
        ..b.clone()
    };
    s.upsert_follow_up(&removed_b).await.unwrap();
    let expected_a = TrackedFollowUp {
        created_at: a.created_at,
        ..replaced_a
    };
    assert_eq!(
        s.list_follow_ups(pm.id).await.unwrap(),
        vec![removed_b, c.clone(), expected_a.clone()]
    );
    assert_eq!(s.list_follow_ups(other.id).await.unwrap().len(), 1);
    assert_eq!(s.list_follow_ups(9_999).await.unwrap(), vec![]);

    // Found by issue within the post-mortem's repository.
    let r = repo("o/r");
    assert_eq!(
        s.find_follow_up_by_issue(&r, IssueNumber(11))
            .await
            .unwrap(),
        Some(expected_a)
    );
    assert_eq!(
        s.find_follow_up_by_issue(&r, IssueNumber(12))
            .await
            .unwrap(),
        Some(c)
    );
    assert_eq!(
        s.find_follow_up_by_issue(&r, IssueNumber(20))
            .await
            .unwrap()
            .map(|f| f.postmortem_id),
        Some(other.id)
    );
    assert_eq!(
        s.find_follow_up_by_issue(&r, IssueNumber(10))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.find_follow_up_by_issue(&repo("o/elsewhere"), IssueNumber(11))
            .await
            .unwrap(),
        None
    );
}

pub async fn an_issue_adopted_twice_finds_the_newest_follow_up(fx: &Fixture) {
    let s = &fx.store;
    let first = tracked(fx, 1, "o/r", "issue:o/r#1").await;
    let second = tracked(fx, 1, "o/r", "issue:o/r#2").await;
    let old = TrackedFollowUp {
        adopted: true,
        created_at: t(0),
        ..follow_up(second.id, "old", 0, Some(1102))
    };
    let new = TrackedFollowUp {
        adopted: true,
        created_at: t(100),
        ..follow_up(first.id, "new", 0, Some(1102))
    };
    s.upsert_follow_up(&new).await.unwrap();
    s.upsert_follow_up(&old).await.unwrap();
    assert_eq!(
        s.find_follow_up_by_issue(&repo("o/r"), IssueNumber(1102))
            .await
            .unwrap(),
        Some(new)
    );
}

pub async fn a_follow_up_needs_its_postmortem(fx: &Fixture) {
    let result = fx
        .store
        .upsert_follow_up(&follow_up(4_242, "orphan", 0, None))
        .await;
    assert!(result.is_err(), "an orphan follow-up was stored");
    assert_eq!(fx.store.list_follow_ups(4_242).await.unwrap(), vec![]);
}
