//! Post-mortems kept as repository files and wiki pages, end to end: signed pushes and wiki edits
//! into the real router, jobs against the fake GitHub (contents, commits, wiki over git).

mod support;

use postmortem_bot::fake_github::FakeIssue;
use postmortem_bot::ids::IssueNumber;
use postmortem_bot::render;
use support::{Harness, MAINTAINER, repo};

const PATH: &str = "postmortems/2024-05-01-checkout.md";

fn checkout_postmortem(items: &[&str]) -> String {
    let list: String = items.iter().map(|i| format!("- [ ] {i}\n")).collect();
    format!(
        "# Checkout outage\n\n## Summary\n\nCheckout failed for 47 minutes.\n\n\
         ## Action items\n\n{list}"
    )
}

const ITEMS: [&str; 3] = [
    "Add a canary stage to configuration pushes",
    "Alert when the checkout error rate exceeds 2% for five minutes",
    "Review the timeouts between checkout and payments",
];

fn by_title<'a>(issues: &'a [FakeIssue], prefix: &str) -> &'a FakeIssue {
    issues
        .iter()
        .find(|i| i.title.starts_with(prefix))
        .unwrap_or_else(|| panic!("no issue titled {prefix}…: {issues:#?}"))
}

/// The tracking issue the bot opened for the checkout post-mortem.
fn tracking_issue(h: &Harness) -> FakeIssue {
    let tracking: Vec<FakeIssue> = h
        .bot_issues_without_follow_up_label()
        .into_iter()
        .filter(|i| i.title == "Post-mortem: Checkout outage")
        .collect();
    assert_eq!(tracking.len(), 1, "one tracking issue: {tracking:#?}");
    tracking.into_iter().next().unwrap()
}

async fn push_checkout(h: &Harness, items: &[&str]) -> String {
    let sha = h
        .push(&[(PATH, Some(checkout_postmortem(items).as_str()))])
        .await;
    h.settle().await;
    sha
}

#[tokio::test]
async fn a_new_postmortem_file_gets_a_tracking_issue_and_one_issue_per_follow_up() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;

    let follow_ups = h.follow_up_issues();
    let mut titles: Vec<&str> = follow_ups.iter().map(|i| i.title.as_str()).collect();
    titles.sort();
    let mut expected = ITEMS.to_vec();
    expected.sort();
    assert_eq!(titles, expected);

    let tracking = tracking_issue(&h);
    let body = tracking.body.clone().unwrap_or_default();
    assert!(body.contains(PATH), "links the file: {body}");
    assert!(body.contains("each push or wiki edit"), "{body}");
    assert!(!body.contains("then comment `/postmortem`"), "{body}");
    for issue in &follow_ups {
        assert!(
            body.contains(&format!("- [ ] #{}\n", issue.number)),
            "{body}"
        );
        let follow_up_body = issue.body.clone().unwrap_or_default();
        assert!(
            follow_up_body.contains(&format!("blob/main/{PATH}")),
            "links back to the file: {follow_up_body}"
        );
    }

    // The same push delivered again (a new delivery id, same commits) opens nothing more.
    let head = h.fake.head(&repo(), "main").unwrap();
    let again = h
        .fake
        .push_event(&repo(), "main", &"0".repeat(40), &head, MAINTAINER)
        .unwrap();
    h.deliver("push", &again).await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
    assert_eq!(h.bot_issues_without_follow_up_label().len(), 1);
}

#[tokio::test]
async fn rewording_an_item_updates_its_issue_and_removing_one_comments_without_duplicates() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let before = h.follow_up_issues();
    let alert = by_title(&before, "Alert when").number;
    let review = by_title(&before, "Review the timeouts").number;

    let reworded = "Alert when the checkout error rate exceeds 2% for ten minutes";
    push_checkout(&h, &[ITEMS[0], reworded, ITEMS[2]]).await;
    let after = h.follow_up_issues();
    assert_eq!(after.len(), 3, "no new issue for a reworded item");
    let alert_now = h.fake.issue(&repo(), alert).unwrap();
    assert_eq!(alert_now.title, reworded);

    push_checkout(&h, &[ITEMS[0], reworded]).await;
    assert_eq!(h.follow_up_issues().len(), 3, "nothing opened");
    let comments = h.bot_comments(review);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].contains("no longer in the post-mortem"),
        "{}",
        comments[0]
    );
    assert_eq!(
        h.fake.issue(&repo(), review).unwrap().state,
        "open",
        "on_removed defaults to a comment"
    );
    let section = tracking_issue(&h).body.unwrap_or_default();
    assert!(!section.contains(&format!("#{review}\n")), "{section}");
    assert!(section.contains(&format!("- [ ] #{alert}\n")), "{section}");

    // Pushing the same text again is a no-op: no second comment.
    push_checkout(&h, &[ITEMS[0], reworded]).await;
    assert_eq!(h.bot_comments(review).len(), 1);
}

#[tokio::test]
async fn a_follow_up_closed_on_github_is_checked_in_the_tracking_issue() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let canary = by_title(&h.follow_up_issues(), "Add a canary").number;
    h.fake.set_issue_state(&repo(), canary, false, MAINTAINER);
    h.issue_event(canary, "closed", MAINTAINER).await;
    h.settle().await;
    let body = tracking_issue(&h).body.unwrap_or_default();
    assert!(body.contains(&format!("- [x] #{canary}\n")), "{body}");

    h.fake.set_issue_state(&repo(), canary, true, MAINTAINER);
    h.issue_event(canary, "reopened", MAINTAINER).await;
    h.settle().await;
    let body = tracking_issue(&h).body.unwrap_or_default();
    assert!(body.contains(&format!("- [ ] #{canary}\n")), "{body}");
}

#[tokio::test]
async fn a_deleted_follow_up_issue_is_noticed_and_not_recreated() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let review = by_title(&h.follow_up_issues(), "Review the timeouts").number;
    h.issue_event(review, "deleted", MAINTAINER).await;
    h.fake.delete_issue(&repo(), review);
    h.settle().await;
    let tracking = tracking_issue(&h);
    let body = tracking.body.clone().unwrap_or_default();
    assert!(!body.contains(&format!("#{review}\n")), "{body}");
    assert!(
        h.bot_comments(tracking.number)
            .iter()
            .any(|c| c.contains(&format!("#{review} was deleted")))
    );

    // The item is still in the document, and is edited: nothing is reopened or recreated.
    push_checkout(
        &h,
        &[
            ITEMS[0],
            ITEMS[1],
            "Review the timeouts between checkout and payments again",
        ],
    )
    .await;
    assert_eq!(h.follow_up_issues().len(), 2);
}

#[tokio::test]
async fn a_wiki_page_edit_opens_follow_ups_and_a_later_edit_keeps_them_in_step() {
    let h = Harness::start().await;
    let page = "Incident 2024-05-01 database failover";
    h.edit_wiki(
        page,
        "# Database failover\n\n## Action items\n\n- [ ] Page the database on-call on failover\n\
         - [ ] Rehearse failover every quarter\n",
    )
    .await;
    h.settle().await;
    let titles: Vec<String> = h.follow_up_issues().into_iter().map(|i| i.title).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    let tracking = h.bot_issues_without_follow_up_label();
    assert_eq!(tracking.len(), 1);
    assert_eq!(tracking[0].title, "Post-mortem: Database failover");
    assert!(
        tracking[0]
            .body
            .as_deref()
            .unwrap_or_default()
            .contains("/wiki/Incident-2024-05-01-database-failover")
    );

    // A second edit reads the page from the cached clone after a fetch.
    h.edit_wiki(
        page,
        "# Database failover\n\n## Action items\n\n- [ ] Page the database on-call on failover\n\
         - [ ] Rehearse failover every quarter\n- [ ] Document the failover runbook\n",
    )
    .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
    assert_eq!(h.bot_issues_without_follow_up_label().len(), 1);

    // A page that does not look like a post-mortem is left alone.
    h.edit_wiki("Home", "## Action items\n\n- [ ] Not a post-mortem item\n")
        .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
}

#[tokio::test]
async fn a_wiki_page_with_several_incidents_gets_a_tracking_issue_per_incident() {
    let h = Harness::start().await;
    h.edit_wiki(
        "Incident log",
        "# 2024-05-01 queue outage\n\n## Action items\n\n- [ ] Alert on queue depth\n\n\
         # 2024-06-12 DNS incident\n\n## Action items\n\n- [ ] Lower the DNS TTL\n\
         - [ ] Add a second DNS provider\n",
    )
    .await;
    h.settle().await;
    let mut tracking: Vec<String> = h
        .bot_issues_without_follow_up_label()
        .into_iter()
        .map(|i| i.title)
        .collect();
    tracking.sort();
    assert_eq!(
        tracking,
        [
            "Post-mortem: 2024-05-01 queue outage",
            "Post-mortem: 2024-06-12 DNS incident"
        ]
    );
    assert_eq!(h.follow_up_issues().len(), 3);
}

#[tokio::test]
async fn a_broken_settings_file_gets_a_commit_comment_and_the_old_settings_stay() {
    let h = Harness::start().await;
    h.push(&[(".github/postmortem.yml", Some("on_removed: close\n"))])
        .await;
    h.settle().await;
    assert!(h.fake.commit_comments(&repo()).is_empty());
    push_checkout(&h, &ITEMS).await;

    let broken = "on_removed: delete\nlabels: [ok]\ncolour: red\n";
    let sha = h.push(&[(".github/postmortem.yml", Some(broken))]).await;
    h.settle().await;
    let comments = h.fake.commit_comments(&repo());
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0].commit_id, sha);
    assert_eq!(comments[0].author, h.fake.bot_login());
    let body = &comments[0].body;
    assert!(body.contains("| 1 | `on_removed` |"), "{body}");
    assert!(body.contains("| 3 | `colour` | unknown key"), "{body}");

    // `on_removed: close` is still in force.
    let review = by_title(&h.follow_up_issues(), "Review the timeouts").number;
    push_checkout(&h, &ITEMS[..2]).await;
    let review_now = h.fake.issue(&repo(), review).unwrap();
    assert_eq!(review_now.state, "closed");
    assert_eq!(review_now.state_reason.as_deref(), Some("not_planned"));
}

#[tokio::test]
async fn settings_choose_labels_owners_sub_issues_and_what_done_items_do() {
    let h = Harness::start().await;
    h.fake.set_assignable(&repo(), MAINTAINER, true);
    h.push(&[(
        ".github/postmortem.yml",
        Some(
            "labels: [pm-follow-up]\nassign_owners: false\ntracking: sub_issues\n\
             on_done_in_doc: comment\npaths: ['ops/*.md']\n",
        ),
    )])
    .await;
    h.settle().await;
    let doc = |done: &str| {
        format!(
            "# Cache stampede\n\n## Action items\n\n- [{done}] Add request coalescing @{MAINTAINER}\n\
             - [ ] Cap cache rebuild concurrency\n"
        )
    };
    // Not under `paths` any more: ignored.
    h.push(&[(PATH, Some(checkout_postmortem(&ITEMS).as_str()))])
        .await;
    h.push(&[("ops/cache.md", Some(doc(" ").as_str()))]).await;
    h.settle().await;
    let bot = h.fake.bot_login();
    let opened: Vec<FakeIssue> = h
        .fake
        .issues(&repo())
        .into_iter()
        .filter(|i| i.author == bot && i.labels == ["pm-follow-up"])
        .collect();
    assert_eq!(opened.len(), 2, "{:#?}", h.fake.issues(&repo()));
    assert!(opened.iter().all(|i| i.assignees.is_empty()));
    let tracking = h
        .bot_issues_without_follow_up_label()
        .into_iter()
        .find(|i| i.title == "Post-mortem: Cache stampede")
        .expect("the tracking issue");
    let mut subs: Vec<IssueNumber> = h
        .fake
        .sub_issues(&repo(), tracking.number)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    subs.sort();
    let mut numbers: Vec<IssueNumber> = opened.iter().map(|i| i.number).collect();
    numbers.sort();
    assert_eq!(subs, numbers);

    h.push(&[("ops/cache.md", Some(doc("x").as_str()))]).await;
    h.settle().await;
    let coalescing = by_title(&opened, "Add request coalescing").number;
    let issue = h.fake.issue(&repo(), coalescing).unwrap();
    assert_eq!(
        issue.state, "open",
        "on_done_in_doc: comment leaves it open"
    );
    assert!(
        h.bot_comments(coalescing)
            .iter()
            .any(|c| c.contains("marks this item as done"))
    );
}

#[tokio::test]
async fn postmortem_path_makes_the_issue_the_tracking_issue() {
    let h = Harness::start().await;
    h.push(&[("docs/retro.md", Some(checkout_postmortem(&ITEMS).as_str()))])
        .await;
    h.settle().await;
    assert!(
        h.follow_up_issues().is_empty(),
        "not under the default paths"
    );
    let issue = h.open_issue("Checkout retro", "Tracking the checkout retro here.");
    h.comment(issue, MAINTAINER, "/postmortem docs/retro.md")
        .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
    let body = h.fake.issue(&repo(), issue).unwrap().body.unwrap();
    assert!(body.starts_with("Tracking the checkout retro here."));
    assert_eq!(body.matches(render::SECTION_START).count(), 1);
    assert!(h.bot_issues_without_follow_up_label().is_empty());
    let replies = h.bot_comments(issue);
    assert!(
        replies[0].starts_with("Tracking 3 follow-ups"),
        "{replies:?}"
    );

    h.comment(issue, MAINTAINER, "/postmortem docs/missing.md")
        .await;
    h.settle().await;
    assert!(h.bot_comments(issue)[1].contains("could not find the file `docs/missing.md`"));
}

#[tokio::test]
async fn api_calls_per_push_changing_one_item_of_ten_are_a_small_constant() {
    let h = Harness::start().await;
    let items: Vec<String> = (1..=10)
        .map(|n| format!("Follow-up number {n} about the checkout queue"))
        .collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    h.fake.clear_requests();
    push_checkout(&h, &refs).await;
    assert_eq!(h.follow_up_issues().len(), 10);
    let first = h.fake.requests().len();
    eprintln!("figure: the first push of a 10-item post-mortem made {first} GitHub calls");
    assert!(first <= 10 + 14, "{:#?}", h.fake.requests());

    let mut changed = refs.clone();
    let reworded = "Follow-up number 7 about the checkout queue, reworded";
    changed[6] = reworded;
    h.fake.clear_requests();
    push_checkout(&h, &changed).await;
    let calls = h.fake.requests();
    eprintln!(
        "figure: a push changing 1 item of a 10-item post-mortem made {} GitHub calls: {:?}",
        calls.len(),
        calls
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert!(calls.len() <= 4, "{calls:#?}");
    assert_eq!(h.follow_up_issues().len(), 10);
    assert!(h.follow_up_issues().iter().any(|i| i.title == reworded));
}

#[tokio::test]
async fn a_lost_answer_to_the_tracking_issue_create_opens_no_second_one() {
    use http::Method;
    use postmortem_bot::fake_github::{Fault, FaultKind};
    let h = Harness::start().await;
    // The first create (the tracking issue) is applied but its answer is lost.
    h.fake.inject(Fault::new(
        Method::POST,
        format!("/repos/{}/issues", repo()),
        FaultKind::ApplyThenStatus(502),
    ));
    push_checkout(&h, &ITEMS).await;
    assert!(
        h.fake
            .requests()
            .iter()
            .any(|r| r.method == Method::POST && r.status == 502),
        "the fault fired"
    );
    tracking_issue(&h);
    assert_eq!(h.follow_up_issues().len(), 3);
    assert_eq!(h.fake.issues(&repo()).len(), 4);
}

#[tokio::test]
async fn postmortem_wiki_url_makes_the_issue_the_tracking_issue() {
    let h = Harness::start().await;
    h.fake
        .write_wiki_page(&repo(), "Checkout notes", &checkout_postmortem(&ITEMS[..2]))
        .unwrap();
    let issue = h.open_issue("Checkout follow-ups", "From the wiki.");
    let url = format!("{}/{}/wiki/Checkout-notes", h.fake.url(), repo());
    h.comment(issue, MAINTAINER, &format!("/postmortem {url}"))
        .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 2);
    let body = h.fake.issue(&repo(), issue).unwrap().body.unwrap();
    assert!(body.starts_with("From the wiki."));
    for follow_up in h.follow_up_issues() {
        assert!(body.contains(&format!("- [ ] #{}\n", follow_up.number)));
        assert!(
            follow_up
                .body
                .unwrap_or_default()
                .contains("/wiki/Checkout-notes")
        );
    }
    let missing = format!("{}/{}/wiki/Nope", h.fake.url(), repo());
    h.comment(issue, MAINTAINER, &format!("/postmortem {missing}"))
        .await;
    h.settle().await;
    let replies = h.bot_comments(issue);
    assert!(
        replies[0].starts_with("Tracking 2 follow-ups"),
        "{replies:?}"
    );
    assert!(
        replies[1].contains("could not find the wiki page"),
        "{replies:?}"
    );
}

#[tokio::test]
async fn a_renamed_postmortem_file_keeps_its_issues() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let tracking = tracking_issue(&h).number;
    let moved = "postmortems/2024/checkout.md";
    h.push(&[
        (PATH, None),
        (moved, Some(checkout_postmortem(&ITEMS).as_str())),
    ])
    .await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3, "no duplicates after a move");
    assert_eq!(tracking_issue(&h).number, tracking);
    assert!(
        h.bot_comments(tracking).is_empty(),
        "a move is not a deletion"
    );

    // Edits at the new path keep working; deleting it is reported once.
    push_checkout_at(&h, moved, &ITEMS[..2]).await;
    assert_eq!(h.follow_up_issues().len(), 3);
    let before = h.fake.head(&repo(), "main").unwrap();
    let after = h.push(&[(moved, None)]).await;
    h.settle().await;
    let comments = h.bot_comments(tracking);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].contains("was deleted"), "{}", comments[0]);

    // The same push delivered again (a new delivery id) says nothing more.
    let again = h
        .fake
        .push_event(&repo(), "main", &before, &after, MAINTAINER)
        .unwrap();
    h.deliver("push", &again).await;
    h.settle().await;
    assert_eq!(h.bot_comments(tracking).len(), 1);
}

async fn push_checkout_at(h: &Harness, path: &str, items: &[&str]) {
    h.push(&[(path, Some(checkout_postmortem(items).as_str()))])
        .await;
    h.settle().await;
}

#[tokio::test]
async fn a_deleted_tracking_issue_is_replaced_on_the_next_push() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let old = tracking_issue(&h).number;
    h.fake.delete_issue(&repo(), old);
    push_checkout(&h, &ITEMS[..2]).await;
    let new = tracking_issue(&h);
    assert_ne!(new.number, old);
    assert_eq!(h.follow_up_issues().len(), 3, "no follow-up opened twice");
    let body = new.body.unwrap_or_default();
    for issue in h.follow_up_issues() {
        let listed = body.contains(&format!("#{}\n", issue.number));
        assert_eq!(listed, !issue.title.starts_with("Review"), "{body}");
    }
}

#[tokio::test]
async fn a_transferred_follow_up_is_noticed_when_its_item_changes() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let review = by_title(&h.follow_up_issues(), "Review the timeouts").number;
    let elsewhere = postmortem_bot::ids::RepoName::new("octo-org", "payments");
    h.fake.transfer_issue(&repo(), review, &elsewhere).unwrap();
    // No `issues` event arrives (missed delivery): the next run notices on its own.
    push_checkout(
        &h,
        &[
            ITEMS[0],
            ITEMS[1],
            "Review the timeouts between checkout and payments, and retries",
        ],
    )
    .await;
    assert_eq!(h.follow_up_issues().len(), 2, "not recreated here");
    let body = tracking_issue(&h).body.unwrap_or_default();
    assert!(!body.contains(&format!("#{review}\n")), "{body}");
    // And it stays quiet afterwards.
    h.fake.clear_requests();
    push_checkout(
        &h,
        &[
            ITEMS[0],
            ITEMS[1],
            "Review the timeouts between checkout and payments, and retries",
        ],
    )
    .await;
    assert!(
        h.fake.requests().iter().all(|r| r.method == "GET"),
        "{:#?}",
        h.fake.requests()
    );
}

#[tokio::test]
async fn a_postmortem_grown_too_large_is_not_read_rather_than_cut_short() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let filler = "Padding paragraph for a very long appendix.\n\n".repeat(60_000);
    let huge = format!("{filler}{}", checkout_postmortem(&["Only this item"]));
    assert!(huge.len() > 2 * 1024 * 1024);
    h.push(&[(PATH, Some(huge.as_str()))]).await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
    for issue in h.follow_up_issues() {
        assert!(h.bot_comments(issue.number).is_empty(), "nothing removed");
    }
}

#[tokio::test]
async fn calls_per_wiki_edit_changing_one_item_of_ten_are_a_small_constant() {
    let h = Harness::start().await;
    let page = |changed: Option<&str>| {
        let mut items: Vec<String> = (1..=10)
            .map(|n| format!("Follow-up number {n} about the database failover"))
            .collect();
        if let Some(changed) = changed {
            items[3] = changed.to_string();
        }
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        checkout_postmortem(&refs)
    };
    h.edit_wiki("Incident database failover", &page(None)).await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 10);
    h.fake.clear_requests();
    let reworded = "Follow-up number 4 about the database failover, reworded";
    h.edit_wiki("Incident database failover", &page(Some(reworded)))
        .await;
    h.settle().await;
    let calls = h.fake.requests();
    let git = calls
        .iter()
        .filter(|r| r.path.contains(".wiki.git"))
        .count();
    eprintln!(
        "figure: a wiki edit changing 1 item of 10 made {} REST calls and {git} git HTTP requests \
         (a fetch into the cached clone)",
        calls.len() - git
    );
    assert!(calls.len() - git <= 3, "{calls:#?}");
    assert!(git <= 3, "a fetch, not a clone of everything: {calls:#?}");
    assert!(h.follow_up_issues().iter().any(|i| i.title == reworded));
}

#[tokio::test]
async fn a_retitled_document_retitles_its_tracking_issue_unless_a_person_renamed_it() {
    let h = Harness::start().await;
    push_checkout(&h, &ITEMS).await;
    let tracking = tracking_issue(&h).number;
    let title = |h: &Harness| h.fake.issue(&repo(), tracking).unwrap().title;

    let retitled =
        checkout_postmortem(&ITEMS).replace("# Checkout outage", "# Checkout and payments outage");
    h.push(&[(PATH, Some(retitled.as_str()))]).await;
    h.settle().await;
    assert_eq!(title(&h), "Post-mortem: Checkout and payments outage");

    h.fake
        .set_issue_title(&repo(), tracking, "SEV1: checkout, May");
    let again = retitled.replace("Checkout and payments", "Checkout, payments and search");
    h.push(&[(PATH, Some(again.as_str()))]).await;
    h.settle().await;
    assert_eq!(title(&h), "SEV1: checkout, May", "a person's title stays");
    assert_eq!(h.follow_up_issues().len(), ITEMS.len());
    assert_eq!(h.bot_issues_without_follow_up_label().len(), 1);
}
