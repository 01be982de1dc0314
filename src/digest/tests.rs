use chrono::TimeZone as _;

use super::*;

fn now() -> DateTime<Utc> {
    // Monday 2026-11-23 09:00 UTC: the default digest slot of 2026-W48.
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn item(n: u64, title: &str, created_days_ago: i64) -> TrackedFollowUp {
    TrackedFollowUp {
        postmortem_id: 1,
        key: format!("k{n}"),
        title: title.to_string(),
        issue: Some(IssueNumber(n)),
        adopted: false,
        state: FollowUpState::Open,
        done_in_doc: false,
        owner: Some("@mona".into()),
        due: None,
        priority: None,
        body_hash: String::new(),
        position: n as i64,
        last_human_activity: Some(now() - Duration::days(1)),
        nag_count: 0,
        last_nag_at: None,
        escalated: false,
        snoozed_until: None,
        created_at: now() - Duration::days(created_days_ago),
        closed_at: None,
    }
}

fn closed(mut f: TrackedFollowUp, days_ago: i64) -> TrackedFollowUp {
    f.state = FollowUpState::Closed;
    f.closed_at = Some(now() - Duration::days(days_ago));
    f
}

fn input<'a>(
    repo: &'a RepoName,
    settings: &'a ScheduleSettings,
    postmortems: &'a [DigestPostMortem<'a>],
) -> DigestInput<'a> {
    DigestInput {
        repo,
        week: "2026-W48",
        now: now(),
        html_base: "https://github.com",
        settings,
        postmortems,
    }
}

/// Every Markdown table in `body` has the same number of cells on each of its rows.
fn assert_tables_whole(body: &str) {
    let cells = |line: &str| line.replace("\\|", "").matches('|').count();
    let mut header: Option<usize> = None;
    for line in body.lines() {
        if line.starts_with('|') {
            match header {
                None => header = Some(cells(line)),
                Some(n) => assert_eq!(cells(line), n, "a row cut short: {line}"),
            }
            assert!(line.ends_with('|'), "a row cut mid-way: {line}");
        } else {
            header = None;
        }
    }
}

/// The Mermaid block's series, checked for shape.
fn mermaid_series(body: &str) -> (Vec<String>, Vec<u64>, Vec<u64>, u64) {
    let start = body.find("```mermaid\n").expect("a mermaid block");
    let block = &body[start + "```mermaid\n".len()..];
    let end = block.find("\n```\n").expect("the block is closed");
    let block = &block[..end];
    let lines: Vec<&str> = block.lines().map(str::trim).collect();
    assert_eq!(lines[0], "xychart-beta");
    assert!(lines[1].starts_with("title \"") && lines[1].ends_with('"'));
    let list = |prefix: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line"));
        let inner = line.strip_prefix(prefix).unwrap().trim();
        inner
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .expect("a bracketed list")
            .to_string()
    };
    let labels: Vec<String> = list("x-axis")
        .split(", ")
        .map(|l| {
            l.strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .expect("quoted label")
                .to_string()
        })
        .collect();
    let numbers = |s: String| -> Vec<u64> { s.split(", ").map(|n| n.parse().unwrap()).collect() };
    let bar = numbers(list("bar"));
    let line = numbers(list("line"));
    let y = lines
        .iter()
        .find(|l| l.starts_with("y-axis"))
        .expect("a y axis");
    let top: u64 = y.rsplit("--> ").next().unwrap().parse().unwrap();
    assert_eq!(lines.len(), 6, "{block}");
    (labels, bar, line, top)
}

#[test]
fn a_digest_lists_open_items_with_flags_and_the_weeks_movement() {
    let repo = RepoName::new("octo-org", "incidents");
    let settings = ScheduleSettings::default();
    let mut overdue = item(3, "Alert on | error rate @oncall", 30);
    overdue.due = Some("2026-11-20".into());
    let mut stale = item(4, "Write the runbook", 40);
    stale.last_human_activity = Some(now() - Duration::days(20));
    let follow_ups = vec![
        overdue,
        stale,
        item(5, "New this week", 2),
        closed(item(6, "Rolled back", 20), 3),
        closed(item(7, "Old fix", 60), 30),
    ];
    let pms = vec![DigestPostMortem {
        title: "Checkout outage",
        tracking_issue: Some(IssueNumber(1)),
        time_to_resolve_minutes: Some(47),
        follow_ups: &follow_ups,
    }];
    let body = render_digest(&input(&repo, &settings, &pms)).unwrap();
    assert!(
        body.starts_with("## Post-mortem follow-ups: week 2026-W48\n"),
        "{body}"
    );
    assert!(
        body.contains("**3 open** across 1 post-mortem · this week: 1 opened, 1 closed · 40% done overall (2 of 5) · 1 overdue · 1 stale"),
        "{body}"
    );
    assert!(
        body.contains("#### Checkout outage (#1) — 3 open"),
        "{body}"
    );
    assert!(
        body.contains("| #3 | Alert on \\| error rate @\u{2060}oncall | `@mona` | 30 d | 2026-11-20 | overdue |"),
        "{body}"
    );
    assert!(
        body.contains("| #4 | Write the runbook | `@mona` | 40 d |  | stale |"),
        "{body}"
    );
    assert!(
        body.contains("1. #4 Write the runbook — 40 d (Checkout outage)"),
        "{body}"
    );
    assert!(
        body.contains("- Incidents: median 47 min to resolve over 1 post-mortem"),
        "{body}"
    );
    assert!(body.contains("- Follow-ups: median "), "{body}");
    assert!(body.trim_end().ends_with(&digest_marker("2026-W48")));
    assert_tables_whole(&body);
}

#[test]
fn the_chart_counts_open_and_closed_per_week() {
    let repo = RepoName::new("o", "r");
    let settings = ScheduleSettings::default();
    let follow_ups = vec![
        item(1, "a", 100),             // open throughout
        closed(item(2, "b", 100), 10), // closed two weeks back
        item(3, "c", 3),               // opened this week
        closed(item(4, "d", 100), 1),  // closed this week
    ];
    let pms = vec![DigestPostMortem {
        title: "PM",
        tracking_issue: None,
        time_to_resolve_minutes: None,
        follow_ups: &follow_ups,
    }];
    let text = chart(&input(&repo, &settings, &pms));
    let (labels, bar, line, top) = mermaid_series(&text);
    assert_eq!(
        labels,
        ["W41", "W42", "W43", "W44", "W45", "W46", "W47", "W48"]
    );
    assert_eq!(bar, [0, 0, 0, 0, 0, 0, 1, 1]);
    assert_eq!(line, [3, 3, 3, 3, 3, 3, 2, 2]);
    assert!(top >= 3);
}

#[test]
fn five_hundred_follow_ups_stay_under_the_limit_with_whole_tables() {
    let repo = RepoName::new("octo-org", "incidents");
    let settings = ScheduleSettings::default();
    let long = "Make sure the configuration push pipeline has a canary stage that holds the rollout \
                when the error rate of checkout rises above two percent for five minutes";
    let groups: Vec<Vec<TrackedFollowUp>> = (0..50u64)
        .map(|p| {
            (0..10u64)
                .map(|i| {
                    let n = 100 + p * 10 + i;
                    let mut f = item(n, &format!("{long} ({n})"), (n % 90) as i64 + 1);
                    f.postmortem_id = p as i64;
                    f
                })
                .collect()
        })
        .collect();
    let titles: Vec<String> = (0..50)
        .map(|p| format!("Incident {p}: a long title"))
        .collect();
    let pms: Vec<DigestPostMortem<'_>> = groups
        .iter()
        .zip(&titles)
        .map(|(f, t)| DigestPostMortem {
            title: t,
            tracking_issue: Some(IssueNumber(1)),
            time_to_resolve_minutes: None,
            follow_ups: f,
        })
        .collect();
    let body = render_digest(&input(&repo, &settings, &pms)).unwrap();
    assert!(
        body.chars().count() < MAX_BODY_CHARS,
        "{} chars",
        body.chars().count()
    );
    assert!(body.len() < MAX_BODY_CHARS, "{} bytes", body.len());
    assert!(
        body.contains("**500 open** across 50 post-mortems"),
        "{}",
        &body[..300]
    );
    assert!(body.contains("Too many to list one by one"), "summarized");
    assert!(body.contains("label%3Afollow-up"), "links to the rest");
    assert!(body.contains("### Oldest open items"));
    assert_tables_whole(&body);
    let (labels, bar, line, _) = mermaid_series(&body);
    assert_eq!((labels.len(), bar.len(), line.len()), (8, 8, 8));
    assert_eq!(line[7], 500);

    // Thousands of post-mortems: the summary table itself is cut between rows, with a link.
    let many_groups: Vec<Vec<TrackedFollowUp>> =
        (0..3000u64).map(|p| vec![item(p + 1, "x", 5)]).collect();
    let many: Vec<DigestPostMortem<'_>> = many_groups
        .iter()
        .map(|f| DigestPostMortem {
            title: long,
            tracking_issue: Some(IssueNumber(2)),
            time_to_resolve_minutes: Some(30),
            follow_ups: f,
        })
        .collect();
    let body = render_digest(&input(&repo, &settings, &many)).unwrap();
    assert!(body.len() < MAX_BODY_CHARS, "{} bytes", body.len());
    assert!(
        body.contains("more: see [the issue list]"),
        "names what it left out"
    );
    assert_tables_whole(&body);
    mermaid_series(&body);
}

#[test]
fn an_empty_week_is_one_line_or_nothing() {
    let repo = RepoName::new("o", "r");
    let mut settings = ScheduleSettings::default();
    let follow_ups = vec![closed(item(1, "done", 30), 10)];
    let pms = vec![DigestPostMortem {
        title: "PM",
        tracking_issue: None,
        time_to_resolve_minutes: None,
        follow_ups: &follow_ups,
    }];
    let body = render_digest(&input(&repo, &settings, &pms)).unwrap();
    assert_eq!(
        body.lines().filter(|l| !l.is_empty()).count(),
        3,
        "title, one line, marker: {body}"
    );
    assert!(body.contains("Nothing open this week"));
    settings.digest.skip_empty = true;
    assert_eq!(render_digest(&input(&repo, &settings, &pms)), None);
}

#[test]
fn status_shows_every_item_and_its_state() {
    let settings = ScheduleSettings::default();
    let mut snoozed = item(2, "Snoozed one", 30);
    snoozed.snoozed_until = Some(now() + Duration::days(10));
    snoozed.last_human_activity = None;
    snoozed.nag_count = 1;
    let mut removed = item(9, "Gone", 3);
    removed.state = FollowUpState::Removed;
    let follow_ups = vec![
        item(1, "Fresh", 1),
        snoozed,
        closed(item(3, "Done", 9), 2),
        removed,
    ];
    let text = render_status("Checkout | outage", &follow_ups, &settings, now());
    assert!(
        text.starts_with("Follow-ups of **Checkout \\| outage**:"),
        "{text}"
    );
    assert!(
        text.contains("| #1 | Fresh | `@mona` | open |  |  |"),
        "{text}"
    );
    assert!(
        text.contains("| #2 | Snoozed one | `@mona` | open |  | stale, snoozed until 2026-12-03, reminded 1 of 3 |"),
        "{text}"
    );
    assert!(
        text.contains("| #3 | Done | `@mona` | closed |  |  |"),
        "{text}"
    );
    assert!(!text.contains("Gone"));
    assert!(text.ends_with("2 open, 1 closed.\n"), "{text}");
    assert_tables_whole(&text);
}
