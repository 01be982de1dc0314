//! Conformance cases for per-repository settings and onboarding state.

use chrono::Duration;
use postmortem_bot::ids::{InstallationId, IssueNumber, RepoName};
use postmortem_bot::store::{Onboarding, OnboardingState, StoredRepoSettings};

use super::fixture::{Fixture, t};

fn repo(s: &str) -> RepoName {
    s.parse().unwrap()
}

fn settings(installation: u64, name: &str, text: &str, at: i64) -> StoredRepoSettings {
    StoredRepoSettings {
        installation_id: InstallationId(installation),
        repo: repo(name),
        text: text.into(),
        commit: Some(format!("sha-{at}")),
        updated_at: t(at) + Duration::microseconds(7),
    }
}

pub async fn repo_settings_replace_by_repository(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.get_repo_settings(&repo("o/a")).await.unwrap(), None);
    let first = settings(1, "o/a", "labels: [x]\n", 1);
    s.put_repo_settings(&first).await.unwrap();
    s.put_repo_settings(&settings(1, "o/b", "", 2))
        .await
        .unwrap();
    assert_eq!(
        s.get_repo_settings(&repo("o/a")).await.unwrap(),
        Some(first)
    );
    let replaced = StoredRepoSettings {
        commit: None,
        ..settings(1, "o/a", "on_removed: close\n", 3)
    };
    s.put_repo_settings(&replaced).await.unwrap();
    assert_eq!(
        s.get_repo_settings(&repo("o/a")).await.unwrap(),
        Some(replaced)
    );
    assert_eq!(
        s.get_repo_settings(&repo("o/b"))
            .await
            .unwrap()
            .unwrap()
            .text,
        ""
    );
    let all = s.list_repo_settings().await.unwrap();
    let listed: Vec<(String, &str)> = all
        .iter()
        .map(|r| (r.repo.to_string(), r.text.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("o/a".to_string(), "on_removed: close\n"),
            ("o/b".to_string(), "")
        ]
    );
}

pub async fn onboarding_moves_from_pending_to_done(fx: &Fixture) {
    let s = &fx.store;
    assert_eq!(s.get_onboarding(&repo("o/a")).await.unwrap(), None);
    let mut onboarding = Onboarding {
        installation_id: InstallationId(4),
        repo: repo("o/a"),
        issue: None,
        state: OnboardingState::Pending,
        updated_at: t(1),
    };
    s.put_onboarding(&onboarding).await.unwrap();
    assert_eq!(
        s.get_onboarding(&repo("o/a")).await.unwrap().as_ref(),
        Some(&onboarding)
    );
    onboarding.issue = Some(IssueNumber(12));
    onboarding.state = OnboardingState::Done;
    onboarding.updated_at = t(2) + Duration::microseconds(3);
    s.put_onboarding(&onboarding).await.unwrap();
    assert_eq!(
        s.get_onboarding(&repo("o/a")).await.unwrap(),
        Some(onboarding)
    );
}

pub async fn uninstalling_deletes_settings_and_onboarding(fx: &Fixture) {
    let s = &fx.store;
    s.upsert_installation(InstallationId(1), "o", t(0))
        .await
        .unwrap();
    s.upsert_installation(InstallationId(2), "p", t(0))
        .await
        .unwrap();
    s.put_repo_settings(&settings(1, "o/a", "", 1))
        .await
        .unwrap();
    s.put_repo_settings(&settings(2, "p/a", "", 1))
        .await
        .unwrap();
    for (installation, name) in [(1, "o/a"), (2, "p/a")] {
        s.put_onboarding(&Onboarding {
            installation_id: InstallationId(installation),
            repo: repo(name),
            issue: Some(IssueNumber(1)),
            state: OnboardingState::Pending,
            updated_at: t(1),
        })
        .await
        .unwrap();
    }
    s.delete_installation(InstallationId(1)).await.unwrap();
    assert_eq!(s.get_repo_settings(&repo("o/a")).await.unwrap(), None);
    assert_eq!(s.get_onboarding(&repo("o/a")).await.unwrap(), None);
    assert!(s.get_repo_settings(&repo("p/a")).await.unwrap().is_some());
    assert!(s.get_onboarding(&repo("p/a")).await.unwrap().is_some());
}

pub async fn a_renamed_postmortem_keeps_its_follow_ups(fx: &Fixture) {
    use postmortem_bot::store::NewPostMortem;
    let s = &fx.store;
    let new_pm = |source: &str| NewPostMortem {
        installation_id: InstallationId(1),
        repo: repo("o/a"),
        source: source.into(),
        title: "Outage".into(),
        tracking_issue: Some(IssueNumber(3)),
        author: None,
    };
    let old = s
        .upsert_postmortem(&new_pm("file:o/a:a.md"), t(0))
        .await
        .unwrap();
    s.upsert_postmortem(&new_pm("file:o/a:taken.md"), t(0))
        .await
        .unwrap();
    assert!(
        s.rename_postmortem_source("file:o/a:a.md", "file:o/a:b/a.md", t(5))
            .await
            .unwrap()
    );
    assert_eq!(s.get_postmortem("file:o/a:a.md").await.unwrap(), None);
    let moved = s.get_postmortem("file:o/a:b/a.md").await.unwrap().unwrap();
    assert_eq!(moved.id, old.id);
    assert_eq!(moved.updated_at, t(5));
    assert!(
        !s.rename_postmortem_source("file:o/a:b/a.md", "file:o/a:taken.md", t(6))
            .await
            .unwrap(),
        "never onto a tracked source"
    );
    assert!(
        !s.rename_postmortem_source("file:o/a:nope.md", "file:o/a:c.md", t(6))
            .await
            .unwrap()
    );
    assert!(s.get_postmortem("file:o/a:b/a.md").await.unwrap().is_some());
}
