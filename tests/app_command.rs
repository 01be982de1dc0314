//! `/postmortem` end to end: signed webhooks into the real router, jobs against the fake GitHub.

mod support;

use axum::http::StatusCode;
use http::Method;
use postmortem_bot::fake_github::{Fault, FaultKind};
use postmortem_bot::ids::IssueNumber;
use postmortem_bot::render;
use support::{Harness, MAINTAINER, READER, repo};

/// A post-mortem in our own words: three open items, one done, one naming an existing issue.
fn checkout_postmortem(runbook_issue: IssueNumber) -> String {
    format!(
        "# Checkout outage\n\n\
         ## Summary\n\nCheckout returned errors for 47 minutes after a configuration push.\n\n\
         ## Timeline\n\n- 14:02 configuration pushed\n- 14:49 configuration rolled back\n\n\
         ## Action items\n\n\
         - [ ] Add a canary stage to configuration pushes @mona\n\
         - [ ] Alert when the checkout error rate exceeds 2% for five minutes\n\
         - [x] Roll back the bad configuration\n\
         - [ ] Write the rollback runbook (see #{runbook_issue})\n\
         - [ ] Review the timeouts between checkout and payments\n"
    )
}

const OPENED_TITLES: [&str; 3] = [
    "Add a canary stage to configuration pushes",
    "Alert when the checkout error rate exceeds 2% for five minutes",
    "Review the timeouts between checkout and payments",
];

async fn run_checkout_postmortem(h: &Harness) -> (IssueNumber, IssueNumber) {
    h.fake.set_assignable(&repo(), MAINTAINER, true);
    let runbook = h.open_issue("Rollback runbook", "We have none.");
    let postmortem = h.open_issue(
        "Post-mortem: checkout outage",
        &checkout_postmortem(runbook),
    );
    let (status, _, _) = h.comment(postmortem, MAINTAINER, "/postmortem").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    h.settle().await;
    (runbook, postmortem)
}

fn sorted_titles(h: &Harness) -> Vec<String> {
    let mut titles: Vec<String> = h.follow_up_issues().into_iter().map(|i| i.title).collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_postmortem_in_an_issue_becomes_one_issue_per_follow_up() {
    let h = Harness::start().await;
    let (runbook, postmortem) = run_checkout_postmortem(&h).await;

    let opened = h.follow_up_issues();
    let mut expected: Vec<String> = OPENED_TITLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(sorted_titles(&h), expected);
    for issue in &opened {
        assert_eq!(issue.author, h.fake.bot_login());
        assert!(issue.labels.contains(&"postmortem".to_string()));
        let body = issue.body.clone().unwrap_or_default();
        assert_eq!(
            body.matches("<!-- postmortem-bot:key=").count(),
            1,
            "{body}"
        );
        assert!(
            body.contains(&format!("#{postmortem}")),
            "links back: {body}"
        );
    }
    let canary = opened
        .iter()
        .find(|i| i.title.starts_with("Add a canary"))
        .expect("the canary item");
    assert_eq!(canary.assignees, vec![MAINTAINER.to_string()]);

    // The post-mortem keeps its text and gains the checklist.
    let pm = h
        .fake
        .issue(&repo(), postmortem)
        .expect("the post-mortem issue");
    let body = pm.body.unwrap_or_default();
    assert!(body.starts_with(&checkout_postmortem(runbook).trim_end().to_string()));
    assert_eq!(body.matches(render::SECTION_START).count(), 1);
    for issue in &opened {
        assert!(
            body.contains(&format!("- [ ] #{}\n", issue.number)),
            "{body}"
        );
    }
    assert!(
        body.contains(&format!("- [ ] #{runbook}\n")),
        "adopted: {body}"
    );
    assert!(
        body.contains("- [x] Roll back the bad configuration (done)"),
        "{body}"
    );
    assert!(
        h.fake.issue(&repo(), runbook).unwrap().labels.is_empty(),
        "adopted, untouched"
    );

    // Acknowledged with a reaction, then a summary.
    let command = pm.comments.iter().find(|c| c.author == MAINTAINER).unwrap();
    assert!(command.reactions.iter().any(|r| r.content == "eyes"));
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(
        replies[0].starts_with("Tracking 5 follow-ups"),
        "{}",
        replies[0]
    );
    assert!(replies[0].contains("- opened 3"), "{}", replies[0]);
    assert!(
        replies[0].contains(&format!("- adopted 1: #{runbook}")),
        "{}",
        replies[0]
    );
    assert!(replies[0].contains("- already done 1"), "{}", replies[0]);
}

#[tokio::test]
async fn a_second_command_and_a_redelivery_create_nothing() {
    let h = Harness::start().await;
    h.fake.set_assignable(&repo(), MAINTAINER, true);
    let runbook = h.open_issue("Rollback runbook", "");
    let postmortem = h.open_issue("Post-mortem", &checkout_postmortem(runbook));
    let (_, delivery, payload) = h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);

    // The same delivery again: acknowledged, dropped.
    assert_eq!(
        h.deliver_as("issue_comment", &delivery, &payload).await,
        StatusCode::OK
    );
    h.settle().await;
    assert_eq!(h.bot_comments(postmortem).len(), 1);

    h.fake.clear_requests();
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    assert_eq!(h.follow_up_issues().len(), 3);
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 2);
    assert!(replies[1].contains("- unchanged 5"), "{}", replies[1]);
    let creates = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/issues"))
        .count();
    assert_eq!(creates, 0);
    let patches: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert!(
        patches.is_empty(),
        "an unchanged checklist is not rewritten: {patches:#?}"
    );
}

#[tokio::test]
async fn editing_the_postmortem_updates_closes_comments_and_opens_only_what_is_new() {
    let h = Harness::start().await;
    let (runbook, postmortem) = run_checkout_postmortem(&h).await;
    let before = h.follow_up_issues();
    let numbered = |prefix: &str| {
        before
            .iter()
            .find(|i| i.title.starts_with(prefix))
            .unwrap_or_else(|| panic!("no issue starting with {prefix}"))
            .number
    };
    let alert = numbered("Alert when");
    let timeouts = numbered("Review the timeouts");
    let canary = numbered("Add a canary");

    let edited = checkout_postmortem(runbook)
        .replace(
            "Alert when the checkout error rate exceeds 2% for five minutes",
            "Alert when the checkout error rate exceeds 2% for three minutes",
        )
        .replace(
            "- [ ] Review the timeouts between checkout and payments\n",
            "",
        )
        .replace("- [ ] Add a canary", "- [x] Add a canary")
        + "- [ ] Load-test checkout before the sale\n";
    let current = h.fake.issue(&repo(), postmortem).unwrap().body.unwrap();
    h.fake.set_issue_body(
        &repo(),
        postmortem,
        &render::with_tracking_section(
            &edited,
            &current[current.find(render::SECTION_START).unwrap()..],
        ),
    );
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;

    let after = h.follow_up_issues();
    assert_eq!(after.len(), 4, "one new issue: {:?}", sorted_titles(&h));
    let reworded = h.fake.issue(&repo(), alert).unwrap();
    assert_eq!(
        reworded.title,
        "Alert when the checkout error rate exceeds 2% for three minutes"
    );
    let removed = h.fake.issue(&repo(), timeouts).unwrap();
    assert!(removed.is_open(), "removal comments, it does not close");
    assert!(
        removed
            .comments
            .iter()
            .any(|c| c.body.contains("no longer in the post-mortem"))
    );
    let done = h.fake.issue(&repo(), canary).unwrap();
    assert!(!done.is_open(), "marked done in the document: closed");
    assert!(
        after
            .iter()
            .any(|i| i.title == "Load-test checkout before the sale")
    );

    let body = h.fake.issue(&repo(), postmortem).unwrap().body.unwrap();
    assert!(body.contains(&format!("- [x] #{canary}\n")), "{body}");
    assert!(!body.contains(&format!("#{timeouts}\n")), "{body}");
    let reply = h.bot_comments(postmortem).pop().unwrap();
    assert!(reply.contains("- opened 1"), "{reply}");
    assert!(reply.contains(&format!("- updated 1: #{alert}")), "{reply}");
    assert!(
        reply.contains(&format!("- closed as done 1: #{canary}")),
        "{reply}"
    );
    assert!(reply.contains("- removed from the document 1"), "{reply}");
}

#[tokio::test]
async fn the_seed_postmortem_pasted_in_an_issue_becomes_one_issue_per_follow_up() {
    let Some(shared) = support::shared_dir() else {
        eprintln!("notice: ../shared is absent; skipping the seed post-mortem test");
        return;
    };
    let seed = std::fs::read_to_string(shared.join("corpus/seed/laevigata-post-mortems.md"))
        .expect("the seed post-mortem");
    let parsed = postmortem_bot::postmortem::parse(&seed);
    let to_open: Vec<_> = parsed
        .follow_ups
        .iter()
        .filter(|f| !f.done && f.issue.is_none())
        .collect();
    assert!(
        to_open.len() >= 4,
        "the parser finds the seed's follow-ups: {parsed:#?}"
    );

    let h = Harness::start().await;
    let postmortem = h.open_issue("Post Mortems", &seed);
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    let mut opened: Vec<String> = h.follow_up_issues().into_iter().map(|i| i.title).collect();
    opened.sort();
    let mut expected: Vec<String> = to_open.iter().map(|f| render::issue_title(f)).collect();
    expected.sort();
    assert_eq!(opened, expected);
    let body = h.fake.issue(&repo(), postmortem).unwrap().body.unwrap();
    assert!(body.starts_with(seed.trim_end()));
}

#[tokio::test]
async fn signatures_and_payloads_are_checked_before_anything_is_stored() {
    let h = Harness::start().await;
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#.to_vec();
    let (status, _) = h
        .post_webhook("ping", "d-1", body.clone(), Some("sha256=00".repeat(1)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let wrong = format!("sha256={}", "ab".repeat(32));
    assert_eq!(
        h.post_webhook("ping", "d-1", body.clone(), Some(wrong))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.post_webhook("ping", "d-1", body.clone(), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let signed = support::sign(&body);
    assert_eq!(
        h.post_webhook("ping", "d-1", body, Some(signed)).await.0,
        StatusCode::OK
    );

    let garbage = b"{\"action\": \"created\", \"issue\": 12".to_vec();
    let signed = support::sign(&garbage);
    assert_eq!(
        h.post_webhook("issue_comment", "d-2", garbage, Some(signed))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let missing_fields = br#"{"action":"created"}"#.to_vec();
    let signed = support::sign(&missing_fields);
    assert_eq!(
        h.post_webhook("issue_comment", "d-3", missing_fields, Some(signed))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let stats = h.app.store().queue_stats(chrono::Utc::now()).await.unwrap();
    assert_eq!(stats, Default::default(), "nothing was queued");
    let (_, metrics) = h.get("/metrics").await;
    assert!(
        metrics.contains("postmortem_deliveries_total{event=\"ping\",outcome=\"bad_signature\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("outcome=\"malformed\"} 2"), "{metrics}");
}

#[tokio::test]
async fn a_reader_is_refused_politely_and_nothing_else_happens() {
    let h = Harness::start().await;
    let postmortem = h.open_issue("Post-mortem", &checkout_postmortem(IssueNumber(99)));
    h.comment(postmortem, READER, "/postmortem").await;
    h.settle().await;
    assert!(h.follow_up_issues().is_empty());
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 1);
    assert!(replies[0].contains(&format!("@{READER}")), "{}", replies[0]);
    assert!(replies[0].contains("write access"), "{}", replies[0]);
    let pm = h.fake.issue(&repo(), postmortem).unwrap();
    assert!(!pm.body.unwrap().contains(render::SECTION_START));
    assert!(pm.comments.iter().all(|c| c.reactions.is_empty()));
}

#[tokio::test]
async fn comments_by_bots_are_ignored() {
    let h = Harness::start().await;
    let postmortem = h.open_issue("Post-mortem", &checkout_postmortem(IssueNumber(99)));
    h.fake.set_permission(&repo(), "helper-bot[bot]", "write");
    h.comment(postmortem, "helper-bot[bot]", "/postmortem")
        .await;
    let bot = h.fake.bot_login();
    h.comment(postmortem, &bot, "/postmortem").await;
    h.settle().await;
    assert!(h.follow_up_issues().is_empty());
    assert_eq!(
        h.bot_comments(postmortem),
        vec!["/postmortem".to_string()],
        "only the comment the test posted as the App"
    );
    assert!(
        h.fake
            .requests()
            .iter()
            .all(|r| !r.path.contains("/collaborators/")),
        "not even a permission check"
    );
}

#[tokio::test]
async fn help_and_unknown_subcommands_answer_with_usage() {
    let h = Harness::start().await;
    let postmortem = h.open_issue("Post-mortem", "nothing yet");
    h.comment(postmortem, MAINTAINER, "/postmortem help").await;
    h.comment(postmortem, MAINTAINER, "/postmortem frobnicate")
        .await;
    h.comment(postmortem, MAINTAINER, "```\n/postmortem\n```")
        .await;
    h.settle().await;
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies.iter().all(|r| r.contains("| `/postmortem help` |")));
    assert!(h.follow_up_issues().is_empty());
}

#[tokio::test]
async fn github_failing_then_rate_limiting_still_ends_with_one_issue_per_item() {
    let h = Harness::start().await;
    let issues_path = format!("/repos/{}/issues", repo());
    h.fake
        .inject(Fault::new(Method::POST, issues_path.clone(), FaultKind::Status(500)).times(2));
    h.fake.inject(Fault::new(
        Method::POST,
        issues_path.clone(),
        FaultKind::RateLimited {
            retry_after_secs: 1,
        },
    ));
    h.fake.inject(Fault::new(
        Method::GET,
        format!("/repos/{}/issues/{{number}}", repo()),
        FaultKind::Status(502),
    ));
    run_checkout_postmortem(&h).await;
    let mut expected: Vec<String> = OPENED_TITLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(sorted_titles(&h), expected);
    assert!(h.fake.armed_faults().is_empty(), "every fault was hit");
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_repeated() {
    let h = Harness::start().await;
    h.fake.inject(
        Fault::new(
            Method::POST,
            format!("/repos/{}/issues", repo()),
            FaultKind::ApplyThenStatus(502),
        )
        .times(2),
    );
    let (_, postmortem) = run_checkout_postmortem(&h).await;
    let mut expected: Vec<String> = OPENED_TITLES.iter().map(|t| t.to_string()).collect();
    expected.sort();
    assert_eq!(sorted_titles(&h), expected, "no duplicates");
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].contains("- opened 3"), "{}", replies[0]);
}

#[tokio::test]
async fn work_acknowledged_before_a_restart_is_done_once_after_it() {
    let fake = postmortem_bot::fake_github::FakeGitHub::start(
        postmortem_bot::fake_github::FakeConfig::for_tests(),
    )
    .await
    .unwrap();
    fake.add_installation(support::INSTALLATION, repo().owner());
    fake.add_repo(support::INSTALLATION, &repo());
    fake.set_permission(&repo(), MAINTAINER, "write");
    // No workers: the delivery is acknowledged and stored, then the process "dies".
    let h = Harness::start_with(fake, 0).await;
    let postmortem = h.open_issue("Post-mortem", &checkout_postmortem(IssueNumber(99)));
    let (status, _, _) = h.comment(postmortem, MAINTAINER, "/postmortem").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(h.follow_up_issues().is_empty());

    let h = h.restart().await;
    h.settle().await;
    assert_eq!(
        h.follow_up_issues().len(),
        3,
        "the item naming #99 adopts it"
    );
    assert_eq!(h.bot_comments(postmortem).len(), 1);
}

#[tokio::test]
async fn a_follow_up_closed_on_github_is_ticked_in_the_checklist() {
    let h = Harness::start().await;
    let (_, postmortem) = run_checkout_postmortem(&h).await;
    let issue = h.follow_up_issues()[0].number;
    h.fake.set_issue_state(&repo(), issue, false, MAINTAINER);
    let payload = serde_json::json!({
        "action": "closed",
        "issue": h.fake.issue_json(&repo(), issue).unwrap(),
        "repository": h.fake.repo_json(&repo()).unwrap(),
        "installation": { "id": support::INSTALLATION.0 },
        "sender": h.fake.user_json(MAINTAINER),
    });
    assert_eq!(h.deliver("issues", &payload).await.0, StatusCode::ACCEPTED);
    h.settle().await;
    let body = h.fake.issue(&repo(), postmortem).unwrap().body.unwrap();
    assert!(body.contains(&format!("- [x] #{issue}\n")), "{body}");
}

#[tokio::test]
async fn api_calls_per_command_are_the_creates_plus_a_small_constant() {
    let h = Harness::start().await;
    let items: String = (1..=12)
        .map(|n| format!("- [ ] Follow-up number {n} about the queue\n"))
        .collect();
    let postmortem = h.open_issue(
        "Post-mortem",
        &format!("# Queue outage\n\n## Action items\n\n{items}"),
    );
    h.fake.clear_requests();
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    let first = h.fake.requests().len();
    assert_eq!(h.follow_up_issues().len(), 12);
    h.fake.clear_requests();
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;
    let rerun = h.fake.requests().len();
    eprintln!(
        "figure: /postmortem with 12 follow-ups made {first} GitHub calls; a no-op re-run made {rerun}"
    );
    assert!(first <= 12 + 14, "{first} calls: {:#?}", h.fake.requests());
    assert!(rerun <= 6, "{rerun} calls: {:#?}", h.fake.requests());
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let h = Harness::start().await;
    let (status, body) = h.get("/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    run_checkout_postmortem(&h).await;
    let (status, metrics) = h.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains(
            "postmortem_deliveries_total{event=\"issue_comment\",outcome=\"accepted\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_jobs_total{kind=\"webhook\",outcome=\"done\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_github_calls_total{method=\"POST\",status=\"201\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("postmortem_queue_depth 0"), "{metrics}");
    assert!(
        !metrics.contains("postmortem_github_rate_limit_remaining -1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_job_that_keeps_failing_stops_and_the_user_is_told() {
    let h = Harness::start().await;
    let postmortem = h.open_issue("Post-mortem", &checkout_postmortem(IssueNumber(99)));
    h.fake.inject(
        Fault::new(
            Method::GET,
            format!("/repos/{}/issues/{postmortem}", repo()),
            FaultKind::Status(503),
        )
        .times(1000),
    );
    h.comment(postmortem, MAINTAINER, "/postmortem").await;
    h.settle().await;

    let stats = h.app.store().queue_stats(chrono::Utc::now()).await.unwrap();
    assert_eq!(stats.dead, 1, "given up after the bounded attempts");
    assert!(h.follow_up_issues().is_empty());
    let replies = h.bot_comments(postmortem);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].contains("could not finish"), "{}", replies[0]);
    assert!(
        replies[0].contains("503"),
        "the reason is named: {}",
        replies[0]
    );
    let (_, metrics) = h.get("/metrics").await;
    assert!(
        metrics.contains("postmortem_jobs_total{kind=\"webhook\",outcome=\"dead\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("postmortem_jobs_total{kind=\"webhook\",outcome=\"retried\"} 3"),
        "{metrics}"
    );
}

#[tokio::test]
async fn bodies_up_to_githubs_25_mb_are_accepted_and_larger_ones_refused() {
    let h = Harness::start().await;
    let postmortem = h.open_issue(
        "Post-mortem",
        "## Action items\n\n- [ ] Trim the payloads\n",
    );
    let comment_id = h
        .fake
        .add_comment(&repo(), postmortem, MAINTAINER, "just a note")
        .unwrap();
    let mut payload = h.comment_payload(postmortem, comment_id, MAINTAINER);
    payload["issue"]["body"] = serde_json::Value::String("x".repeat(24 * 1024 * 1024));
    let (status, _) = h.deliver("issue_comment", &payload).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    payload["issue"]["body"] = serde_json::Value::String("x".repeat(26 * 1024 * 1024));
    let (status, _) = h.deliver("issue_comment", &payload).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    h.settle().await;
}
