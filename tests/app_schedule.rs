//! Nags and digests end to end, with a controllable clock: the scheduler's tick is called with
//! chosen times, and the sweeps and jobs it causes run against the fake GitHub.

mod support;

use axum::http::StatusCode;
use chrono::{
    DateTime, Datelike as _, Duration, NaiveDate, NaiveTime, Timelike as _, Utc, Weekday,
};
use postmortem_bot::digest::{DIGEST_ISSUE_MARKER, digest_marker};
use postmortem_bot::ids::IssueNumber;
use postmortem_bot::policy::{iso_week, local_day};
use support::{Harness, MAINTAINER, repo};

const NAG_MARKER: &str = "<!-- postmortem-bot:nag=";
const ESCALATION_MARKER: &str = "<!-- postmortem-bot:escalation=";

/// Tracks a post-mortem with the given action items; returns its issue and the follow-up issues
/// in document order.
async fn track(h: &Harness, items: &[&str]) -> (IssueNumber, Vec<IssueNumber>) {
    h.fake.set_assignable(&repo(), MAINTAINER, true);
    let body = format!(
        "# Checkout outage\n\n## Summary\n\nCheckout failed.\n\n## Action items\n\n{}\n",
        items
            .iter()
            .map(|i| format!("- [ ] {i}\n"))
            .collect::<String>()
    );
    let pm = h.open_issue("Post-mortem: checkout outage", &body);
    let (status, _, _) = h.comment(pm, MAINTAINER, "/postmortem").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    h.settle().await;
    let mut issues: Vec<IssueNumber> = h.follow_up_issues().iter().map(|i| i.number).collect();
    issues.sort();
    assert_eq!(issues.len(), items.len());
    (pm, issues)
}

/// Midnight UTC `days` ago: follow-ups are backdated to it, and ticks are `at(n, hour)`.
fn anchor(days: i64) -> DateTime<Utc> {
    midnight((Utc::now() - Duration::days(days)).date_naive())
}

fn nags(h: &Harness, issue: IssueNumber) -> Vec<String> {
    h.bot_comments(issue)
        .into_iter()
        .filter(|c| c.contains(NAG_MARKER))
        .collect()
}

fn escalations(h: &Harness, issue: IssueNumber) -> Vec<String> {
    h.bot_comments(issue)
        .into_iter()
        .filter(|c| c.contains(ESCALATION_MARKER))
        .collect()
}

#[tokio::test]
async fn stale_follow_ups_are_nagged_on_a_cadence_then_escalated_once() {
    let h = Harness::start().await;
    let (pm, issues) = track(&h, &["Add a canary stage to configuration pushes @mona"]).await;
    let item = issues[0];
    let a = anchor(60);
    h.backdate(item, a).await;
    let at = |days: i64, hour: i64| a + Duration::days(days) + Duration::hours(hour);

    h.tick(at(13, 23)).await;
    assert!(nags(&h, item).is_empty(), "no nag before stale.days");

    h.tick(at(14, 9)).await;
    let sent = nags(&h, item);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("@mona, this follow-up has had no activity for 14 days"));
    assert!(sent[0].contains("Reminder 1 of 3"), "{}", sent[0]);
    assert!(h.labels_on(item).contains(&"stale".to_string()));
    assert_eq!(h.follow_up(item).await.nag_count, 1);

    h.tick(at(14, 18)).await;
    h.tick(at(20, 9)).await;
    assert_eq!(
        nags(&h, item).len(),
        1,
        "none twice a day, none before renag_days"
    );

    h.tick(at(21, 9)).await;
    h.tick(at(28, 9)).await;
    let sent = nags(&h, item);
    assert_eq!(sent.len(), 3);
    assert!(sent[2].contains("Reminder 3 of 3"), "{}", sent[2]);
    assert!(escalations(&h, pm).is_empty());

    h.tick(at(35, 9)).await;
    h.tick(at(42, 9)).await;
    h.tick(at(49, 9)).await;
    assert_eq!(nags(&h, item).len(), 3, "stops at max_nags");
    let escalated = escalations(&h, pm);
    assert_eq!(escalated.len(), 1, "escalates once: {escalated:?}");
    assert!(
        escalated[0].starts_with(&format!(
            "Follow-up #{item} (owner: @mona) is still open after 3 reminders"
        )),
        "{}",
        escalated[0]
    );
    assert!(h.follow_up(item).await.escalated);
}

#[tokio::test]
async fn a_human_comment_resets_the_clock_and_removes_the_label_but_a_bot_does_not() {
    let h = Harness::start().await;
    let (_, issues) = track(&h, &["Alert when checkout errors exceed 2% @mona"]).await;
    let item = issues[0];
    let a = anchor(40);
    h.backdate(item, a).await;

    h.tick(a + Duration::days(14) + Duration::hours(10)).await;
    assert_eq!(nags(&h, item).len(), 1);
    assert!(h.labels_on(item).contains(&"stale".to_string()));

    // Another bot's comment is not activity.
    h.comment(item, "dependabot[bot]", "Bumped a dependency")
        .await;
    h.settle().await;
    assert!(h.labels_on(item).contains(&"stale".to_string()));
    let f = h.follow_up(item).await;
    assert_eq!((f.nag_count, f.last_human_activity), (1, None));

    // A person's is: the label goes, the count and the quiet clock restart.
    h.comment(item, MAINTAINER, "Working on it this sprint.")
        .await;
    h.settle().await;
    assert!(!h.labels_on(item).contains(&"stale".to_string()));
    let f = h.follow_up(item).await;
    assert_eq!(f.nag_count, 0);
    assert!(f.last_human_activity.is_some());

    // 22 days after the first nag a renag would be due, but the comment was a day ago.
    h.tick(Utc::now() + Duration::days(1)).await;
    assert_eq!(nags(&h, item).len(), 1);
    h.tick(Utc::now() + Duration::days(15)).await;
    let sent = nags(&h, item);
    assert_eq!(sent.len(), 2);
    assert!(sent[1].contains("Reminder 1 of 3"), "{}", sent[1]);
}

#[tokio::test]
async fn a_snooze_holds_nags_until_it_ends_or_is_lifted() {
    let h = Harness::start().await;
    let (_, issues) = track(&h, &["Review the checkout timeouts @mona"]).await;
    let item = issues[0];

    h.comment(item, MAINTAINER, "/postmortem snooze 3w").await;
    h.settle().await;
    let replies = h.bot_comments(item);
    assert!(
        replies.last().unwrap().starts_with("Snoozed: no reminders"),
        "{replies:?}"
    );
    let until = h.follow_up(item).await.snoozed_until.expect("snoozed");
    assert!(until > Utc::now() + Duration::days(20));

    h.tick(Utc::now() + Duration::days(16)).await;
    assert!(nags(&h, item).is_empty(), "stale, but snoozed");

    h.comment(item, MAINTAINER, "/postmortem unsnooze").await;
    h.settle().await;
    assert!(
        h.bot_comments(item)
            .last()
            .unwrap()
            .starts_with("Unsnoozed")
    );
    assert_eq!(h.follow_up(item).await.snoozed_until, None);
    h.tick(Utc::now() + Duration::days(16) + Duration::hours(2))
        .await;
    assert_eq!(nags(&h, item).len(), 1);

    // Snoozing an issue the bot does not track says so.
    let other = h.open_issue("Unrelated", "");
    h.comment(other, MAINTAINER, "/postmortem snooze 1w").await;
    h.settle().await;
    assert!(h.bot_comments(other)[0].contains("works on a follow-up issue"));
}

#[tokio::test]
async fn due_dates_get_a_reminder_before_and_nags_after() {
    let h = Harness::start().await;
    let due = (Utc::now() + Duration::days(10)).date_naive();
    let (_, issues) = track(
        &h,
        &[&format!("Rotate the signing keys @mona (due: {due})")],
    )
    .await;
    let item = issues[0];
    assert_eq!(h.follow_up(item).await.due, Some(due.to_string()));
    let day =
        |d: chrono::NaiveDate, hour: u32| d.and_hms_opt(hour, 0, 0).expect("a time").and_utc();

    h.tick(day(due - Duration::days(3), 10)).await;
    assert!(nags(&h, item).is_empty(), "too early for the reminder");
    h.tick(day(due - Duration::days(2), 10)).await;
    let sent = nags(&h, item);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(&format!("this follow-up is due on {due}")),
        "{}",
        sent[0]
    );
    assert!(
        !h.labels_on(item).contains(&"stale".to_string()),
        "a reminder is not a nag"
    );
    h.tick(day(due - Duration::days(1), 10)).await;
    h.tick(day(due, 10)).await;
    assert_eq!(nags(&h, item).len(), 1, "one reminder");

    h.tick(day(due + Duration::days(1), 10)).await;
    let sent = nags(&h, item);
    assert_eq!(sent.len(), 2);
    assert!(sent[1].contains("is 1 day overdue"), "{}", sent[1]);
    assert!(h.labels_on(item).contains(&"stale".to_string()));
}

#[tokio::test]
async fn exempt_labels_and_closed_issues_are_skipped() {
    let h = Harness::start().await;
    let (_, issues) = track(
        &h,
        &[
            "Exempt item @mona",
            "Closed item @mona",
            "Removed from the list @mona",
            "Nagged item @mona",
        ],
    )
    .await;
    let a = anchor(30);
    for issue in &issues {
        h.backdate(*issue, a).await;
    }
    h.add_label(issues[0], "no-nag").await;
    // Closed on GitHub, with the webhook not (yet) delivered: the job asks GitHub first.
    h.fake
        .set_issue_state(&repo(), issues[1], false, MAINTAINER);
    // Closed and known to the store.
    h.edit_follow_up(issues[2], |f| {
        f.state = postmortem_bot::store::FollowUpState::Closed
    })
    .await;

    h.tick(a + Duration::days(15) + Duration::hours(10)).await;
    assert!(nags(&h, issues[0]).is_empty());
    assert!(!h.labels_on(issues[0]).contains(&"stale".to_string()));
    assert!(nags(&h, issues[1]).is_empty());
    assert!(nags(&h, issues[2]).is_empty());
    assert_eq!(nags(&h, issues[3]).len(), 1, "the control item is nagged");
}

/// The first `weekday`, from today on, whose digest slot `slot(day)` is still ahead of the real
/// clock. The App tracks post-mortems on the real clock, so a slot between the tracking and a
/// test's first tick is a digest already owed, as for an App that was down: taking "next Monday"
/// instead failed every Monday before 09:00 UTC, when today's slot fell in between.
fn first_with_slot_ahead(weekday: Weekday, slot: impl Fn(NaiveDate) -> DateTime<Utc>) -> NaiveDate {
    let now = Utc::now();
    let mut day = now.date_naive();
    while day.weekday() != weekday || slot(day) <= now {
        day += Duration::days(1);
    }
    day
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// 00:00 UTC of the first Monday whose default digest slot (09:00 UTC) is still ahead.
fn monday_with_slot_ahead() -> DateTime<Utc> {
    midnight(first_with_slot_ahead(Weekday::Mon, |day| {
        midnight(day) + Duration::hours(9)
    }))
}

fn digests(h: &Harness) -> Vec<String> {
    let Some(issue) = h.bot_issue_with(DIGEST_ISSUE_MARKER) else {
        return Vec::new();
    };
    h.bot_comments(issue.number)
}

#[tokio::test]
async fn the_digest_goes_out_once_per_iso_week_across_restarts() {
    let h = Harness::start().await;
    track(&h, &["Add a canary stage @mona", "Write the runbook"]).await;
    let monday = monday_with_slot_ahead();

    h.tick(monday + Duration::hours(8)).await;
    assert!(digests(&h).is_empty(), "not before Monday 09:00");

    h.tick(monday + Duration::hours(9)).await;
    let sent = digests(&h);
    assert_eq!(sent.len(), 1);
    let week = iso_week(local_day(monday, chrono_tz::Tz::UTC));
    assert!(sent[0].contains(&digest_marker(&week)), "{}", sent[0]);
    assert!(
        sent[0].contains("**2 open** across 1 post-mortem"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("```mermaid\nxychart-beta"), "{}", sent[0]);
    let issue = h.bot_issue_with(DIGEST_ISSUE_MARKER).unwrap();
    assert_eq!(issue.title, "Post-mortem follow-ups: weekly digest");

    h.tick(monday + Duration::hours(10)).await;
    let h = h.restart().await;
    h.tick(monday + Duration::hours(11)).await;
    h.tick(monday + Duration::days(3)).await;
    assert_eq!(digests(&h).len(), 1, "once this week, restart or not");
    let history = h.app.store().digest_history(&repo(), 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].week, week);

    h.tick(monday + Duration::days(7) + Duration::hours(9))
        .await;
    assert_eq!(digests(&h).len(), 2, "next week's");
    let issues = h
        .fake
        .issues(&repo())
        .into_iter()
        .filter(|i| {
            i.body
                .as_deref()
                .is_some_and(|b| b.contains(DIGEST_ISSUE_MARKER))
        })
        .count();
    assert_eq!(issues, 1, "one long-lived digest issue");
}

#[tokio::test]
async fn a_digest_missed_while_down_is_sent_once_when_the_app_returns() {
    let h = Harness::start().await;
    track(&h, &["Add a canary stage @mona"]).await;
    let monday = monday_with_slot_ahead();
    // Down over Monday's slot; the first tick after coming back is on Wednesday.
    let h = h.restart().await;
    h.tick(monday + Duration::days(2) + Duration::hours(15))
        .await;
    let sent = digests(&h);
    assert_eq!(sent.len(), 1);
    let week = iso_week(local_day(monday, chrono_tz::Tz::UTC));
    assert!(sent[0].contains(&digest_marker(&week)));
    h.tick(monday + Duration::days(2) + Duration::hours(16))
        .await;
    let h = h.restart().await;
    h.tick(monday + Duration::days(4)).await;
    assert_eq!(digests(&h).len(), 1);
}

#[tokio::test]
async fn status_and_digest_commands_answer_in_place() {
    let h = Harness::start().await;
    let (pm, issues) = track(&h, &["Add a canary stage @mona", "Write the runbook"]).await;
    h.fake
        .set_issue_state(&repo(), issues[1], false, MAINTAINER);
    h.edit_follow_up(issues[1], |f| {
        f.state = postmortem_bot::store::FollowUpState::Closed;
        f.closed_at = Some(Utc::now());
    })
    .await;

    h.comment(pm, MAINTAINER, "/postmortem status").await;
    h.settle().await;
    let status = h.bot_comments(pm).last().cloned().unwrap();
    assert!(
        status.starts_with("Follow-ups of **Checkout outage**"),
        "{status}"
    );
    assert!(
        status.contains(&format!(
            "| #{} | Add a canary stage | `@mona` | open |",
            issues[0]
        )),
        "{status}"
    );
    assert!(status.contains(&format!(
        "| #{} | Write the runbook | — | closed |",
        issues[1]
    )));
    assert!(status.ends_with("1 open, 1 closed.\n"), "{status}");

    // From a follow-up issue, the same post-mortem.
    h.comment(issues[0], MAINTAINER, "/postmortem status").await;
    h.settle().await;
    assert!(
        h.bot_comments(issues[0])
            .last()
            .unwrap()
            .contains("Write the runbook")
    );

    h.comment(pm, MAINTAINER, "/postmortem digest").await;
    h.settle().await;
    let digest_issue = h
        .bot_issue_with(DIGEST_ISSUE_MARKER)
        .expect("a digest issue");
    let reply = h.bot_comments(pm).last().cloned().unwrap();
    assert_eq!(
        reply,
        format!(
            "Posted this repository's digest on #{}.",
            digest_issue.number
        )
    );
    let sent = digests(&h);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("**1 open** across 1 post-mortem"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("on request"), "{}", sent[0]);
}

/// A settings file on the default branch, pushed (and so read and stored) before tracking.
async fn push_settings(h: &Harness, yaml: &str) {
    h.push(&[(".github/postmortem.yml", Some(yaml))]).await;
    h.settle().await;
}

#[tokio::test]
async fn the_settings_file_sets_the_cadence_the_label_and_the_exempt_labels() {
    let h = Harness::start().await;
    push_settings(
        &h,
        "stale:\n  days: 3\n  renag_days: 2\n  max_nags: 1\n  label: needs-love\n\
         exempt_labels: [parked]\n",
    )
    .await;
    let (pm, issues) = track(
        &h,
        &[
            "Rotate the signing keys @mona",
            "Retire the old queue @mona",
        ],
    )
    .await;
    let a = anchor(30);
    for issue in &issues {
        h.backdate(*issue, a).await;
    }
    h.add_label(issues[1], "parked").await;
    let at = |days: i64, hour: i64| a + Duration::days(days) + Duration::hours(hour);

    h.tick(at(2, 23)).await;
    assert!(
        nags(&h, issues[0]).is_empty(),
        "not before the file's 3 days"
    );

    h.tick(at(3, 9)).await;
    let sent = nags(&h, issues[0]);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("no activity for 3 days"), "{}", sent[0]);
    assert!(sent[0].contains("Reminder 1 of 1"), "{}", sent[0]);
    let labels = h.labels_on(issues[0]);
    assert!(labels.contains(&"needs-love".to_string()), "{labels:?}");
    assert!(!labels.contains(&"stale".to_string()), "{labels:?}");
    assert!(nags(&h, issues[1]).is_empty(), "`parked` is exempt here");

    h.tick(at(5, 9)).await;
    assert_eq!(nags(&h, issues[0]).len(), 1, "max_nags: 1");
    assert_eq!(escalations(&h, pm).len(), 1, "escalated after renag_days");

    h.comment(issues[0], MAINTAINER, "Picking this up now.")
        .await;
    h.settle().await;
    assert!(
        !h.labels_on(issues[0]).contains(&"needs-love".to_string()),
        "a person's comment removes the configured label"
    );
}

#[tokio::test]
async fn the_digest_follows_the_settings_day_hour_and_timezone_and_its_issue_is_pinned() {
    let h = Harness::start().await;
    push_settings(
        &h,
        "timezone: America/New_York\ndigest:\n  day: friday\n  hour: 16\n",
    )
    .await;
    track(&h, &["Add a canary stage @mona"]).await;
    let slot_on = |day: NaiveDate| {
        day.and_hms_opt(16, 0, 0)
            .unwrap()
            .and_local_timezone(chrono_tz::America::New_York)
            .unwrap()
            .with_timezone(&Utc)
    };
    let friday = first_with_slot_ahead(Weekday::Fri, slot_on);
    let slot = slot_on(friday);
    assert!(slot.hour() == 20 || slot.hour() == 21, "{slot}");

    h.tick(midnight(friday) + Duration::hours(9)).await;
    h.tick(slot - Duration::minutes(1)).await;
    assert!(
        digests(&h).is_empty(),
        "not before Friday 16:00 in New York"
    );

    h.tick(slot).await;
    let sent = digests(&h);
    assert_eq!(sent.len(), 1);
    let week = iso_week(friday);
    assert!(sent[0].contains(&digest_marker(&week)), "{}", sent[0]);
    let issue = h.bot_issue_with(DIGEST_ISSUE_MARKER).unwrap();
    assert!(issue.pinned, "the digest issue is pinned once opened");
}

#[tokio::test]
async fn a_repository_with_three_pinned_issues_still_gets_its_digest() {
    let h = Harness::start().await;
    for title in ["Roadmap", "Contributing", "Known issues"] {
        let n = h.open_issue(title, "Pinned by the maintainers.");
        h.fake.set_pinned(&repo(), n, true);
    }
    track(&h, &["Add a canary stage @mona"]).await;
    let monday = monday_with_slot_ahead();
    h.tick(monday + Duration::hours(9)).await;
    assert_eq!(
        digests(&h).len(),
        1,
        "pinning is a courtesy, not a condition"
    );
    let issue = h.bot_issue_with(DIGEST_ISSUE_MARKER).unwrap();
    assert!(!issue.pinned, "GitHub allows three pinned issues");
    let metrics = h.get("/metrics").await.1;
    assert!(
        metrics.contains("postmortem_skipped_work_total{reason=\"digest_pin\"} 1"),
        "{metrics}"
    );
}
