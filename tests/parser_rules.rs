//! Table-driven checks of the parser's rules on fixture post-mortems written for these tests.

use postmortem_bot::postmortem::{FollowUp, PostMortem, parse};

fn fixture(name: &str) -> PostMortem {
    let path = format!(
        "{}/tests/fixtures/postmortems/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&text)
}

fn titles(pm: &PostMortem) -> Vec<&str> {
    pm.follow_ups.iter().map(|f| f.title.as_str()).collect()
}

fn item<'a>(pm: &'a PostMortem, title: &str) -> &'a FollowUp {
    pm.follow_ups
        .iter()
        .find(|f| f.title == title)
        .unwrap_or_else(|| panic!("no item {title:?} in {:?}", titles(pm)))
}

#[test]
fn titles_per_fixture() {
    let cases: &[(&str, &[&str])] = &[
        (
            "atx-sections.md",
            &[
                "Require a second reviewer for broker config changes",
                "Write down the rollback steps in the runbook",
                "Alert on consumer lag, not only on queue depth",
                "Page the payments channel as well as on-call",
            ],
        ),
        (
            "setext-tasks.md",
            &[
                "Warm the cache before switching traffic",
                "Add request coalescing in the search client",
                "Cap database connections per search pod",
                "Pick a limit from last month's peak",
                "Expose the limit as a setting",
                "Rewrite the cache layer",
                "Document the warm-up step",
            ],
        ),
        (
            "table-ragged.md",
            &[
                "Automate certificate renewal",
                "Alert 30 days before any certificate expires",
                "Inventory every certificate we serve",
                "Move certificates to the managed store",
                "Add expiry dates to the weekly ops review",
            ],
        ),
        (
            "prose-actions.md",
            &[
                "Rate limits per tenant: one tenant's retries should never starve the others.",
                "Roll back the session store upgrade.",
                "publish the session store upgrade checklist.",
                "Add a canary stage for session store upgrades.",
                "Give the support team a template for outage replies.",
            ],
        ),
        (
            "headingless.md",
            &[
                "We need an alert when the nightly export does not start",
                "Need to check whether other paused jobs were missed",
                "Follow up with the data team about a retry policy",
                "Ensure migrations never pause the scheduler without a ticket",
                "Track which jobs the scheduler skipped",
            ],
        ),
        (
            "front-matter-template.md",
            &["Rebuild the index from snapshots instead of from the primary"],
        ),
        (
            "multi-incident.md",
            &[
                "Pin the kernel version on resolver hosts",
                "Add a canary resolver",
                "Verify artifact checksums on read",
            ],
        ),
        (
            "grouping.md",
            &[
                "Rotate logs hourly instead of daily",
                "Alert at 80% disk usage",
                "Add disk usage to the weekly capacity review",
                "Script the archive cleanup",
                "Move archives to object storage",
                "Alert on growth rate",
                "Shorter retention",
            ],
        ),
        (
            "trackers.md",
            &[
                "Sign release artifacts in CI",
                "Verify signatures before publishing",
                "Re-publish the affected versions",
                "Add a smoke test that downloads each artifact",
                "Audit the mirror sync job, see Bug 44120",
                "Reproduce the corruption locally",
            ],
        ),
    ];
    for (name, want) in cases {
        let pm = fixture(name);
        assert_eq!(titles(&pm), *want, "{name}");
    }
}

#[test]
fn items_come_in_document_order_with_lines() {
    let pm = fixture("atx-sections.md");
    let lines: Vec<usize> = pm.follow_ups.iter().filter_map(|f| f.line).collect();
    assert_eq!(lines, [34, 35, 39, 40]);
    assert_eq!(pm.follow_ups[0].kind.as_deref(), Some("process"));
}

#[test]
fn task_lists_fields_and_details() {
    let pm = fixture("setext-tasks.md");
    assert_eq!(
        pm.title.as_deref(),
        Some("Cache stampede on the search tier")
    );
    let warm = item(&pm, "Warm the cache before switching traffic");
    assert!(warm.done);
    assert_eq!(warm.owner.as_deref(), Some("dana"));
    let coalesce = item(&pm, "Add request coalescing in the search client");
    assert!(!coalesce.done);
    assert_eq!(coalesce.priority.as_deref(), Some("P1"));
    assert_eq!(coalesce.owner.as_deref(), Some("@lee"));
    assert_eq!(
        coalesce.details,
        [
            "The client library has a flag for this already",
            "Needs a load test first"
        ]
    );
    assert_eq!(
        item(&pm, "Cap database connections per search pod")
            .due
            .as_deref(),
        Some("2024-06-30")
    );
    assert!(item(&pm, "Expose the limit as a setting").done);
    assert!(item(&pm, "Rewrite the cache layer").done, "struck through");
    assert_eq!(
        item(&pm, "Document the warm-up step").priority.as_deref(),
        Some("P2")
    );
}

#[test]
fn table_columns_are_found_by_header() {
    let pm = fixture("table-ragged.md");
    let renew = item(&pm, "Automate certificate renewal");
    assert_eq!(renew.owner.as_deref(), Some("ops-team"));
    assert_eq!(renew.priority.as_deref(), Some("High"));
    assert_eq!(renew.due.as_deref(), Some("2024-07-01"));
    assert!(!renew.done);
    assert_eq!(
        renew.issue.as_deref(),
        Some("https://github.com/acme/edge/issues/431")
    );
    let alert = item(&pm, "Alert 30 days before any certificate expires");
    assert!(alert.done);
    assert_eq!(alert.issue.as_deref(), Some("acme/edge#432"));
    // The second table's separator row is one column short: still read.
    let managed = item(&pm, "Move certificates to the managed store");
    assert_eq!(managed.owner.as_deref(), Some("kai"));
    assert_eq!(managed.issue.as_deref(), Some("Bug 20931"));
    assert_eq!(pm.timeline.len(), 3);
    assert_eq!(pm.figures.time_to_resolve_minutes, Some(35));
}

#[test]
fn prose_status_prefixes() {
    let pm = fixture("prose-actions.md");
    assert!(item(&pm, "Roll back the session store upgrade.").done);
    assert!(!item(&pm, "publish the session store upgrade checklist.").done);
    let limits = item(
        &pm,
        "Rate limits per tenant: one tenant's retries should never starve the others.",
    );
    assert_eq!(limits.details, ["Work has started."]);
}

#[test]
fn headingless_page_keeps_forward_looking_lines_and_reads_times() {
    let pm = fixture("headingless.md");
    assert_eq!(pm.follow_ups.len(), 5);
    let at: Vec<&str> = pm.timeline.iter().map(|e| e.at.as_str()).collect();
    assert_eq!(at, ["9:10am", "10:25am"]);
    assert_eq!(pm.figures.time_to_resolve_minutes, Some(75));
}

#[test]
fn front_matter_title_and_placeholders() {
    let pm = fixture("front-matter-template.md");
    assert_eq!(pm.title.as_deref(), Some("Search index rebuild failure"));
    assert_eq!(pm.follow_ups.len(), 1);
}

#[test]
fn several_incidents_on_one_page() {
    let pm = fixture("multi-incident.md");
    assert_eq!(pm.incidents.len(), 2);
    let incidents: Vec<_> = pm
        .follow_ups
        .iter()
        .map(|f| f.incident.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        incidents,
        [
            "Incident 2024-01-09: DNS resolver flapping",
            "Incident 2024-01-09: DNS resolver flapping",
            "Incident 2024-02-17: Build cache corruption",
        ]
    );
}

#[test]
fn wiki_page_with_a_title_above_dated_incidents() {
    let pm = fixture("wiki-incidents.md");
    assert_eq!(
        pm.incidents,
        ["June 22, 2018 - Approver removal", "2018-09-03 Disk full"]
    );
    let got: Vec<(&str, Option<&str>)> = pm
        .follow_ups
        .iter()
        .map(|f| (f.title.as_str(), f.incident.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "We need a self-service way to remove approvers",
                Some("June 22, 2018 - Approver removal")
            ),
            ("Add a disk usage alert", Some("2018-09-03 Disk full")),
            ("Keep these short", None),
        ]
    );
}

#[test]
fn grouping_parents_and_detail_children() {
    let pm = fixture("grouping.md");
    let archives = item(&pm, "Move archives to object storage");
    assert_eq!(
        archives.details,
        ["Needs budget approval", "Keep 90 days of archives"]
    );
    assert_eq!(
        item(&pm, "Shorter retention").details,
        ["Keep seven days on local disk."]
    );
    assert_eq!(pm.figures.time_to_resolve_minutes, Some(252));
}

#[test]
fn dangling_lead_ins_and_one_line_colon_labels() {
    // A flat list with no headings: a forward-looking line ending in a preposition takes the
    // lines after it as what it is about.
    let pm = parse(
        "- Bess rotated the token after the alert.\n\
         - We need to check whether we can reproduce this on\n\
         - the staging cluster\n\
         - the canary hosts\n\
         - Ensure the rotation script logs its runs\n",
    );
    assert_eq!(
        titles(&pm),
        [
            "We need to check whether we can reproduce this on",
            "Ensure the rotation script logs its runs"
        ]
    );
    assert_eq!(
        pm.follow_ups[0].details,
        ["the staging cluster", "the canary hosts"]
    );

    // A one-line "Label:" groups its children and is no item itself; an item whose first line
    // ends in a colon but goes on is an item.
    let pm = parse(
        "# Follow-ups\n\n- Process:\n- Storage:\n  - Add a second replica\n\
         - Review the runbook. Then:\n  walk through it\n",
    );
    assert_eq!(titles(&pm), ["Add a second replica", "Review the runbook."]);
    assert_eq!(pm.follow_ups[1].details, ["Then: walk through it"]);
}

#[test]
fn trackers_are_read_and_stripped() {
    let pm = fixture("trackers.md");
    let issues: Vec<Option<&str>> = pm.follow_ups.iter().map(|f| f.issue.as_deref()).collect();
    assert_eq!(
        issues,
        [
            Some("https://github.com/acme/release/issues/88"),
            Some("acme/release#89"),
            Some("https://github.com/acme/release/issues/90"),
            Some("https://github.com/acme/release/issues/91"),
            Some("Bug 44120"),
            None,
        ]
    );
}

#[test]
fn field_prefixes_and_child_field_lines() {
    let pm = parse(
        "## Follow-ups\n\n- @alice: Rotate the keys\n- TODO(bob): Update the dashboards\n- Fix the exporter\n  - Owner: carol\n  - Due: 2024-07-01\n  - Priority: high\n  - Check the other exporters too\n",
    );
    assert_eq!(
        titles(&pm),
        [
            "Rotate the keys",
            "Update the dashboards",
            "Fix the exporter"
        ]
    );
    assert_eq!(pm.follow_ups[0].owner.as_deref(), Some("@alice"));
    assert_eq!(pm.follow_ups[1].owner.as_deref(), Some("bob"));
    let exporter = &pm.follow_ups[2];
    assert_eq!(exporter.owner.as_deref(), Some("carol"));
    assert_eq!(exporter.due.as_deref(), Some("2024-07-01"));
    assert_eq!(exporter.priority.as_deref(), Some("High"));
    assert_eq!(exporter.details, ["Check the other exporters too"]);
}

#[test]
fn trailing_annotation_styles() {
    let pm = parse(
        "## Action Items\n\n- [ ] **Add alerting** (@bob, due 2024-06-01)\n- [ ] Improve dashboards — owner: @carol — P2\n- [x] ~~Fix the cron job~~ (#123)\n* Rotate credentials (done)\n",
    );
    let got: Vec<_> = pm
        .follow_ups
        .iter()
        .map(|f| {
            (
                f.title.as_str(),
                f.done,
                f.owner.as_deref(),
                f.due.as_deref(),
                f.priority.as_deref(),
                f.issue.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "Add alerting",
                false,
                Some("@bob"),
                Some("2024-06-01"),
                None,
                None
            ),
            (
                "Improve dashboards",
                false,
                Some("@carol"),
                None,
                Some("P2"),
                None
            ),
            ("Fix the cron job", true, None, None, None, Some("#123")),
            ("Rotate credentials", true, None, None, None, None),
        ]
    );
}

#[test]
fn json_shape_matches_the_contract() {
    let pm = fixture("setext-tasks.md");
    let value = serde_json::to_value(&pm).expect("json");
    let first = &value["follow_ups"][0];
    assert_eq!(first["title"], "Warm the cache before switching traffic");
    assert_eq!(first["done"], true);
    assert_eq!(first["owner"], "dana");
    assert_eq!(first["line"], 12);
    let second = &value["follow_ups"][1];
    assert_eq!(second["priority"], "P1");
    assert!(second["details"].is_array());
    assert!(first.get("due").is_none(), "unknown fields are left out");
}

#[test]
fn small_inline_documents() {
    // (document, expected titles) for rules that need no fixture file.
    let cases: &[(&str, &[&str])] = &[
        (
            "## Next steps\n\n1. Fix it\n2. Test it\n",
            &["Fix it", "Test it"],
        ),
        ("## Timeline\n\n- 10:00 Add more disks\n", &[]),
        ("## Action Items\n\n- [ ] One\n* [x] Two\n", &["One", "Two"]),
        (
            "# X\n\n## Lessons learned and future improvements\n\nAdd a cache.\nDrop the old flag.\n",
            &["Add a cache.", "Drop the old flag."],
        ),
        (
            "## Follow-ups\n\n- **Review actions**:\n  - Add a probe\n- Note:\n",
            &["Add a probe"],
        ),
        (
            "## Action items\n\n- <https://github.com/o/r/issues/1>\n",
            &[],
        ),
        ("", &[]),
        (
            "## Action items\n\n### 1. Add lag alerts\n\nNothing pages on lag today.\n\n### Monitoring\n\nAlert on burn rate.\n",
            &["Add lag alerts", "Alert on burn rate."],
        ),
        (
            "## What's next\n\n- [Improve alerting](https://github.com/o/r/issues/5)\n- [o/r#6](https://github.com/o/r/issues/6)\n",
            &["Improve alerting"],
        ),
        (
            "## Follow-ups\n\n| Action owner | Follow-up task | Due date |\n|---|---|---|\n| kim | Add a canary | 2024-07-01 |\n",
            &["Add a canary"],
        ),
    ];
    for (doc, want) in cases {
        let pm = parse(doc);
        assert_eq!(titles(&pm), *want, "{doc:?}");
    }
}

#[test]
fn checklists_observations_lessons_and_asides_are_not_items() {
    let pm = fixture("asides-and-labels.md");
    assert_eq!(
        titles(&pm),
        [
            "Reject new mail with a temporary error once the spool passes 80%.",
            "Split the spool onto its own volume.",
            "Throttle bulk senders.",
            "Page earlier.",
        ]
    );
    // The line after a bold lead explains it rather than adding an item.
    let throttle = item(&pm, "Throttle bulk senders.");
    assert!(
        throttle
            .details
            .iter()
            .any(|d| d.contains("newsletter account")),
        "{:?}",
        throttle.details
    );
}

#[test]
fn bold_action_label_paragraph_opens_an_action_list() {
    let pm = fixture("chat-summary.md");
    assert_eq!(
        titles(&pm),
        [
            "the deploy script should refuse an empty target list",
            "pin the webhook worker image by digest",
        ]
    );
    assert_eq!(
        item(&pm, "pin the webhook worker image by digest")
            .owner
            .as_deref(),
        Some("@lee")
    );
}

/// A stated time to resolve wins over any other stated figure wherever each stands, and the
/// first one stated wins over later ones (the search stops at it).
#[test]
fn the_first_stated_time_to_resolve_settles_the_figure() {
    let pm = parse(
        "# Outage\n\nDuration: 3 hours\n\n- **Time to resolve**: 1h 10m\n\n## Timeline\n\n- 10:00 outage detected\n- 14:00 resolved\n\nTime to resolution: 9 hours, by the later count.\n",
    );
    assert_eq!(pm.figures.time_to_resolve_minutes, Some(70));
    let other_only = parse("# Outage\n\nDuration: 3 hours\n\nDuration: 5 hours\n");
    assert_eq!(other_only.figures.time_to_resolve_minutes, Some(180));
    let timeline_first = parse(
        "# Outage\n\n## Timeline\n\n- 10:00 outage detected\n- 10:45 service restored\n\nDuration: 3 hours\n",
    );
    assert_eq!(timeline_first.figures.time_to_resolve_minutes, Some(45));
}

#[test]
fn stated_figures_are_read_in_title_and_upper_case() {
    let title_case = parse("# Outage\n\n**Time To Repair**: 2h 5m\n");
    assert_eq!(title_case.figures.time_to_resolve_minutes, Some(125));
    let upper_case = parse("# Outage\n\nDURATION: 45 minutes\n");
    assert_eq!(upper_case.figures.time_to_resolve_minutes, Some(45));
}
