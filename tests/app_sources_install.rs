//! Installing on a repository that already holds post-mortems: one onboarding issue, nothing else
//! until `/postmortem sync`; uninstalling deletes that installation's rows.

mod support;

use postmortem_bot::ids::{InstallationId, RepoName};
use support::{Harness, INSTALLATION, MAINTAINER, repo};

const DB: &str = "# Database failover\n\n## Action items\n\n- [ ] Page the database on-call\n\
                  - [x] Restore the replica\n";
const QUEUE: &str = "# Queue backlog\n\n## Follow-ups\n\n- [ ] Alert on queue depth\n\
                     - [ ] Autoscale the workers\n";

async fn install(h: &Harness) {
    let payload = h
        .fake
        .installation_event(INSTALLATION, "created", MAINTAINER)
        .expect("the installation exists");
    h.deliver("installation", &payload).await;
    h.settle().await;
}

#[tokio::test]
async fn installing_on_a_repository_with_two_postmortems_opens_one_onboarding_issue() {
    let h = Harness::start().await;
    h.fake.push_as(
        &repo(),
        "main",
        MAINTAINER,
        &[
            ("postmortems/2024-01-db.md", Some(DB)),
            ("incidents/2024/queue.md", Some(QUEUE)),
            (
                "docs/design.md",
                Some("## Action items\n\n- [ ] Not a post-mortem\n"),
            ),
        ],
        "history",
    );
    install(&h).await;

    let issues = h.fake.issues(&repo());
    assert_eq!(issues.len(), 1, "one onboarding issue: {issues:#?}");
    let onboarding = &issues[0];
    assert_eq!(onboarding.author, h.fake.bot_login());
    assert!(
        onboarding.title.contains("2 post-mortems"),
        "{}",
        onboarding.title
    );
    let body = onboarding.body.clone().unwrap_or_default();
    for expected in [
        "Database failover",
        "Page the database on-call",
        "1 already done",
        "Queue backlog",
        "Autoscale the workers",
        "/postmortem sync",
    ] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    assert!(!body.contains("Not a post-mortem"), "{body}");

    // The same delivery again opens nothing more.
    install(&h).await;
    assert_eq!(h.fake.issues(&repo()).len(), 1);

    // While onboarding waits, a push to a post-mortem opens nothing.
    h.push(&[(
        "postmortems/2024-01-db.md",
        Some(&format!("{DB}- [ ] Test the failover monthly\n")),
    )])
    .await;
    h.settle().await;
    assert_eq!(h.fake.issues(&repo()).len(), 1);

    // A reader cannot start it.
    h.comment(onboarding.number, support::READER, "/postmortem sync")
        .await;
    h.settle().await;
    assert!(h.follow_up_issues().is_empty());

    h.comment(onboarding.number, MAINTAINER, "/postmortem sync")
        .await;
    h.settle().await;
    let mut titles: Vec<String> = h.follow_up_issues().into_iter().map(|i| i.title).collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Alert on queue depth",
            "Autoscale the workers",
            "Page the database on-call",
            "Test the failover monthly"
        ]
    );
    let mut tracking: Vec<String> = h
        .bot_issues_without_follow_up_label()
        .into_iter()
        .filter(|i| i.number != onboarding.number)
        .map(|i| i.title)
        .collect();
    tracking.sort();
    assert_eq!(
        tracking,
        [
            "Post-mortem: Database failover",
            "Post-mortem: Queue backlog"
        ]
    );
    let reply = h
        .bot_comments(onboarding.number)
        .into_iter()
        .find(|c| c.starts_with("Tracking 2 post-mortems"))
        .expect("a summary");
    assert!(reply.contains("Queue backlog"), "{reply}");
    assert_eq!(
        h.fake.issue(&repo(), onboarding.number).unwrap().state,
        "closed"
    );

    // From now on pushes are followed.
    h.push(&[(
        "incidents/2024/queue.md",
        Some(&format!("{QUEUE}- [ ] Shed load at the edge\n")),
    )])
    .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 5);
}

#[tokio::test]
async fn a_repository_without_postmortems_gets_nothing() {
    let h = Harness::start().await;
    h.fake.push_as(
        &repo(),
        "main",
        MAINTAINER,
        &[("README.md", Some("# Hello\n"))],
        "init",
    );
    install(&h).await;
    assert!(h.fake.issues(&repo()).is_empty());
    // Without onboarding, pushes are followed at once.
    h.push(&[("postmortems/a.md", Some(QUEUE))]).await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 2);
}

#[tokio::test]
async fn uninstalling_deletes_that_installations_rows_only() {
    let h = Harness::start().await;
    let other = InstallationId(99);
    let other_repo = RepoName::new("someone-else", "service");
    h.fake.add_installation(other, other_repo.owner());
    h.fake.add_repo(other, &other_repo);
    h.fake.push_as(
        &repo(),
        "main",
        MAINTAINER,
        &[("postmortems/db.md", Some(DB))],
        "pm",
    );
    h.fake
        .write_wiki_page(&repo(), "Queue incident", QUEUE)
        .unwrap();
    install(&h).await;
    let clone =
        h.db.with_file_name("postmortem-bot-wikis")
            .join(repo().owner())
            .join(format!("{}.wiki.git", repo().name()));
    assert!(
        clone.join("HEAD").is_file(),
        "the wiki was cloned while onboarding"
    );
    let onboarding = h.fake.issues(&repo())[0].number;
    h.comment(onboarding, MAINTAINER, "/postmortem sync").await;
    h.settle().await;
    h.push(&[(".github/postmortem.yml", Some("on_removed: close\n"))])
        .await;
    h.settle().await;
    let other_install = h
        .fake
        .installation_event(other, "created", MAINTAINER)
        .unwrap();
    h.deliver("installation", &other_install).await;
    h.settle().await;

    let store = h.app.store();
    assert_eq!(store.list_postmortems(&repo()).await.unwrap().len(), 2);
    assert!(store.get_repo_settings(&repo()).await.unwrap().is_some());
    assert!(store.get_onboarding(&repo()).await.unwrap().is_some());
    assert!(
        store
            .get_repo_settings(&other_repo)
            .await
            .unwrap()
            .is_some()
    );

    let deleted = h
        .fake
        .installation_event(INSTALLATION, "deleted", MAINTAINER)
        .unwrap();
    h.deliver("installation", &deleted).await;
    h.settle().await;
    assert!(
        store
            .list_repositories(INSTALLATION)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.list_postmortems(&repo()).await.unwrap().is_empty());
    assert_eq!(store.get_repo_settings(&repo()).await.unwrap(), None);
    assert_eq!(store.get_onboarding(&repo()).await.unwrap(), None);
    assert!(!clone.exists(), "the wiki clone is deleted too");
    // The other installation keeps its rows.
    assert_eq!(
        store.list_repositories(other).await.unwrap(),
        vec![other_repo.clone()]
    );
    assert!(
        store
            .get_repo_settings(&other_repo)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn onboarding_also_finds_wiki_postmortems() {
    let h = Harness::start().await;
    h.fake.push_as(
        &repo(),
        "main",
        MAINTAINER,
        &[("postmortems/db.md", Some(DB))],
        "pm",
    );
    h.fake
        .write_wiki_page(&repo(), "Queue incident retrospective", QUEUE)
        .unwrap();
    h.fake
        .write_wiki_page(&repo(), "Home", "## Action items\n\n- [ ] Not one\n")
        .unwrap();
    install(&h).await;
    let issues = h.fake.issues(&repo());
    assert_eq!(issues.len(), 1, "{issues:#?}");
    let body = issues[0].body.clone().unwrap_or_default();
    assert!(
        body.contains("wiki page [Queue incident retrospective]"),
        "{body}"
    );
    assert!(!body.contains("Not one"), "{body}");
    h.comment(issues[0].number, MAINTAINER, "/postmortem sync")
        .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
}
