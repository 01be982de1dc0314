//! Pure: the weekly digest comment (open follow-ups grouped by post-mortem, the week's movement,
//! completion, the oldest items, time-to-resolve figures, an 8-week Mermaid chart) and the
//! `/postmortem status` table. Always under GitHub's body limit: past a budget the digest
//! summarizes and links instead of listing, and it never cuts a table mid-row.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::ids::{IssueNumber, RepoName};
use crate::policy::nag::{due_date, last_activity};
use crate::policy::{ScheduleSettings, iso_week, local_day};
use crate::render::MAX_BODY_CHARS;
use crate::store::{FollowUpState, TrackedFollowUp};

/// Room left under GitHub's limit for the marker and any multi-byte surprise.
const BUDGET: usize = MAX_BODY_CHARS - 1_536;
const MAX_CELL_CHARS: usize = 120;
const OLDEST: usize = 10;
const CHART_WEEKS: i64 = 8;

const DIGEST_MARKER: &str = "<!-- postmortem-bot:digest=";
pub const DIGEST_ISSUE_MARKER: &str = "<!-- postmortem-bot:digest-issue -->";
pub const DIGEST_ISSUE_TITLE: &str = "Post-mortem follow-ups: weekly digest";

/// One tracked post-mortem as the digest sees it.
#[derive(Debug, Clone)]
pub struct DigestPostMortem<'a> {
    pub title: &'a str,
    pub tracking_issue: Option<IssueNumber>,
    /// From the post-mortem's timeline, where the parser found one.
    pub time_to_resolve_minutes: Option<i64>,
    pub follow_ups: &'a [TrackedFollowUp],
}

#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    pub repo: &'a RepoName,
    /// `2026-W48`: the week this digest covers (also its marker).
    pub week: &'a str,
    pub now: DateTime<Utc>,
    /// Where summaries link to: `https://github.com` or a GitHub Enterprise host.
    pub html_base: &'a str,
    pub settings: &'a ScheduleSettings,
    pub postmortems: &'a [DigestPostMortem<'a>],
}

/// The hidden marker of the digest for `week`.
pub fn digest_marker(week: &str) -> String {
    format!("{DIGEST_MARKER}{week} -->")
}

/// The body of the digest issue the App opens once per repository.
pub fn digest_issue_body() -> String {
    format!(
        "The weekly digest of this repository's post-mortem follow-ups is posted here as a \
         comment. Subscribe to this issue to get it.\n\n{DIGEST_ISSUE_MARKER}\n"
    )
}

/// Text from a document, made safe for a table cell: one line, no pipes, no pings, no markers.
fn cell(text: &str) -> String {
    let one_line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
        .replace('@', "@\u{2060}")
        .replace("<!--", "&lt;!--");
    if one_line.chars().count() > MAX_CELL_CHARS {
        let cut: String = one_line.chars().take(MAX_CELL_CHARS - 1).collect();
        format!("{}…", cut.trim_end_matches('\\'))
    } else {
        one_line
    }
}

/// An owner shown without pinging them (the digest goes to every subscriber each week).
fn owner_cell(owner: Option<&str>) -> String {
    match owner.map(str::trim).filter(|o| !o.is_empty()) {
        Some(o) => format!("`{}`", o.replace('`', "'")),
        None => "—".to_string(),
    }
}

fn issue_ref(issue: Option<IssueNumber>) -> String {
    issue.map_or_else(|| "—".to_string(), |n| format!("#{n}"))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_minutes(minutes: i64) -> String {
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 60 * 48 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (60 * 24)),
    }
}

fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// What the digest shows about one open item.
struct OpenItem<'a> {
    follow_up: &'a TrackedFollowUp,
    postmortem: &'a str,
    age_days: i64,
    due: Option<NaiveDate>,
    overdue: bool,
    stale: bool,
    snoozed: bool,
}

impl OpenItem<'_> {
    fn flags(&self) -> String {
        let mut flags = Vec::new();
        if self.overdue {
            flags.push("overdue");
        }
        if self.stale {
            flags.push("stale");
        }
        if self.snoozed {
            flags.push("snoozed");
        }
        if flags.is_empty() {
            String::new()
        } else {
            flags.join(", ")
        }
    }

    fn row(&self) -> String {
        let due = self.due.map_or_else(String::new, |d| d.to_string());
        format!(
            "| {} | {} | {} | {} d | {} | {} |\n",
            issue_ref(self.follow_up.issue),
            cell(&self.follow_up.title),
            owner_cell(self.follow_up.owner.as_deref()),
            self.age_days,
            due,
            self.flags()
        )
    }
}

fn open_items<'a>(input: &'a DigestInput<'a>) -> Vec<Vec<OpenItem<'a>>> {
    let s = input.settings;
    let today = local_day(input.now, s.quiet.tz());
    input
        .postmortems
        .iter()
        .map(|pm| {
            pm.follow_ups
                .iter()
                .filter(|f| f.state == FollowUpState::Open)
                .map(|f| {
                    let due = due_date(f, s);
                    OpenItem {
                        follow_up: f,
                        postmortem: pm.title,
                        age_days: (input.now - f.created_at).num_days().max(0),
                        due,
                        overdue: due.is_some_and(|d| today > d),
                        stale: (input.now - last_activity(f)).num_days() >= i64::from(s.stale.days),
                        snoozed: f.snoozed_until.is_some_and(|u| u > input.now),
                    }
                })
                .collect()
        })
        .collect()
}

/// Follow-ups open at `end`, and closed in the week before it, for the chart.
fn counts_at(input: &DigestInput<'_>, end: DateTime<Utc>) -> (usize, usize) {
    let start = end - Duration::days(7);
    let mut open = 0;
    let mut closed = 0;
    for f in input.postmortems.iter().flat_map(|p| p.follow_ups) {
        if f.state == FollowUpState::Removed || f.created_at > end {
            continue;
        }
        match f.closed_at {
            Some(c) if c <= end => {
                if c > start {
                    closed += 1;
                }
            }
            // Closed without a date (done in the document from the start): never open.
            None if f.state == FollowUpState::Closed => {}
            _ => open += 1,
        }
    }
    (open, closed)
}

/// The Mermaid `xychart-beta` of open (line) and closed-that-week (bars) follow-ups.
pub fn chart(input: &DigestInput<'_>) -> String {
    let tz = input.settings.digest.tz();
    let mut labels = Vec::new();
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for back in (0..CHART_WEEKS).rev() {
        let end = input.now - Duration::days(7 * back);
        let week = iso_week(local_day(end, tz));
        labels.push(format!(
            "\"{}\"",
            week.split_once('-').map_or(week.as_str(), |(_, w)| w)
        ));
        let (o, c) = counts_at(input, end);
        open.push(o);
        closed.push(c);
    }
    let top = open
        .iter()
        .chain(&closed)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let list = |v: &[usize]| {
        v.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "```mermaid\nxychart-beta\n    title \"Open follow-ups (line) and closed per week (bars)\"\n    \
         x-axis [{}]\n    y-axis \"Follow-ups\" 0 --> {top}\n    bar [{}]\n    line [{}]\n```\n",
        labels.join(", "),
        list(&closed),
        list(&open)
    )
}

fn headline(input: &DigestInput<'_>, open: &[&OpenItem<'_>]) -> String {
    let week_start = input.now - Duration::days(7);
    let all: Vec<&TrackedFollowUp> = input
        .postmortems
        .iter()
        .flat_map(|p| p.follow_ups)
        .filter(|f| f.state != FollowUpState::Removed)
        .collect();
    let opened = all.iter().filter(|f| f.created_at > week_start).count();
    let closed_week = all
        .iter()
        .filter(|f| {
            f.closed_at
                .is_some_and(|c| c > week_start && c <= input.now)
        })
        .count();
    let closed_all = all
        .iter()
        .filter(|f| f.state == FollowUpState::Closed)
        .count();
    let with_open = input
        .postmortems
        .iter()
        .filter(|p| p.follow_ups.iter().any(|f| f.state == FollowUpState::Open))
        .count();
    let rate = if all.is_empty() {
        100
    } else {
        closed_all * 100 / all.len()
    };
    format!(
        "**{} open** across {} · this week: {} opened, {} closed · {}% done overall \
         ({closed_all} of {}) · {} overdue · {} stale\n",
        open.len(),
        plural(with_open, "post-mortem", "post-mortems"),
        opened,
        closed_week,
        rate,
        all.len(),
        open.iter().filter(|i| i.overdue).count(),
        open.iter().filter(|i| i.stale).count(),
    )
}

fn time_to_resolve(input: &DigestInput<'_>) -> String {
    let mut out = String::new();
    let mut incidents: Vec<i64> = input
        .postmortems
        .iter()
        .filter_map(|p| p.time_to_resolve_minutes)
        .filter(|m| *m >= 0)
        .collect();
    if let Some(mid) = median(&mut incidents) {
        let _ = writeln!(
            out,
            "- Incidents: median {} to resolve over {} with a timeline (fastest {}, slowest {})",
            human_minutes(mid),
            plural(incidents.len(), "post-mortem", "post-mortems"),
            human_minutes(incidents[0]),
            human_minutes(incidents[incidents.len() - 1]),
        );
    }
    let mut closes: Vec<i64> = input
        .postmortems
        .iter()
        .flat_map(|p| p.follow_ups)
        .filter(|f| f.state == FollowUpState::Closed)
        .filter_map(|f| f.closed_at.map(|c| (c - f.created_at).num_hours().max(0)))
        .collect();
    if let Some(mid) = median(&mut closes) {
        let _ = writeln!(
            out,
            "- Follow-ups: median {} from tracked to closed over {}",
            human_minutes(mid * 60),
            plural(closes.len(), "closed item", "closed items"),
        );
    }
    if out.is_empty() {
        out.push_str("- No resolution times known yet.\n");
    }
    out
}

fn search_link(input: &DigestInput<'_>) -> String {
    format!(
        "{}/{}/issues?q=is%3Aissue+is%3Aopen+label%3Afollow-up",
        input.html_base.trim_end_matches('/'),
        input.repo
    )
}

fn pm_heading(pm: &DigestPostMortem<'_>) -> String {
    match pm.tracking_issue {
        Some(n) => format!("{} (#{n})", cell(pm.title)),
        None => cell(pm.title),
    }
}

const ITEM_HEADER: &str =
    "| Issue | Follow-up | Owner | Age | Due | Flags |\n|---|---|---|---|---|---|\n";

/// Every open item, one table per post-mortem.
fn full_listing(input: &DigestInput<'_>, groups: &[Vec<OpenItem<'_>>]) -> String {
    let mut out = String::new();
    for (pm, items) in input.postmortems.iter().zip(groups) {
        if items.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "#### {} — {} open\n\n{ITEM_HEADER}",
            pm_heading(pm),
            items.len()
        );
        for item in items {
            out.push_str(&item.row());
        }
        out.push('\n');
    }
    out
}

/// One row per post-mortem, as many as `budget` allows, then a link to the rest.
fn summary_listing(input: &DigestInput<'_>, groups: &[Vec<OpenItem<'_>>], budget: usize) -> String {
    let mut out = format!(
        "Too many to list one by one; per post-mortem below, every open item [in the issue list]({}).\n\n\
         | Post-mortem | Open | Overdue | Stale | Oldest |\n|---|---|---|---|---|\n",
        search_link(input)
    );
    let mut rows: Vec<(usize, String)> = input
        .postmortems
        .iter()
        .zip(groups)
        .filter(|(_, items)| !items.is_empty())
        .map(|(pm, items)| {
            let oldest = items.iter().map(|i| i.age_days).max().unwrap_or(0);
            let row = format!(
                "| {} | {} | {} | {} | {oldest} d |\n",
                pm_heading(pm),
                items.len(),
                items.iter().filter(|i| i.overdue).count(),
                items.iter().filter(|i| i.stale).count(),
            );
            (items.len(), row)
        })
        .collect();
    // Most open first, so what is cut is what matters least.
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    let reserve = 200;
    let mut shown = 0;
    for (_, row) in &rows {
        if out.len() + row.len() + reserve > budget {
            break;
        }
        out.push_str(row);
        shown += 1;
    }
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "\n…and {} more: see [the issue list]({}).",
            plural(rows.len() - shown, "post-mortem", "post-mortems"),
            search_link(input)
        );
    }
    out.push('\n');
    out
}

fn oldest(open: &[&OpenItem<'_>]) -> String {
    let mut items: Vec<&&OpenItem<'_>> = open.iter().collect();
    items.sort_by_key(|i| (std::cmp::Reverse(i.age_days), i.follow_up.issue));
    let mut out = String::new();
    for (n, item) in items.iter().take(OLDEST).enumerate() {
        let _ = writeln!(
            out,
            "{}. {} {} — {} d ({})",
            n + 1,
            issue_ref(item.follow_up.issue),
            cell(&item.follow_up.title),
            item.age_days,
            cell(item.postmortem),
        );
    }
    out
}

/// The digest comment, or `None` for a week with nothing open when the settings skip those.
pub fn render_digest(input: &DigestInput<'_>) -> Option<String> {
    let groups = open_items(input);
    let open: Vec<&OpenItem<'_>> = groups.iter().flatten().collect();
    let title = format!("## Post-mortem follow-ups: week {}\n\n", cell(input.week));
    let marker = digest_marker(&cell(input.week));
    if open.is_empty() {
        if input.settings.digest.skip_empty {
            return None;
        }
        return Some(format!(
            "{title}Nothing open this week: every follow-up is done.\n\n{marker}\n"
        ));
    }
    let mut tail = String::new();
    let _ = write!(
        tail,
        "### Oldest open items\n\n{}\n### Time to resolve\n\n{}\n### Open vs closed, last 8 weeks\n\n{}\n{marker}\n",
        oldest(&open),
        time_to_resolve(input),
        chart(input)
    );
    let head = format!("{title}{}\n### Open follow-ups\n\n", headline(input, &open));
    let budget = BUDGET.saturating_sub(head.len() + tail.len());
    let full = full_listing(input, &groups);
    let listing = if full.len() <= budget {
        full
    } else {
        summary_listing(input, &groups, budget)
    };
    Some(format!("{head}{listing}{tail}"))
}

/// `/postmortem status`: every follow-up of one post-mortem and its state.
pub fn render_status(
    title: &str,
    follow_ups: &[TrackedFollowUp],
    settings: &ScheduleSettings,
    now: DateTime<Utc>,
) -> String {
    let today = local_day(now, settings.quiet.tz());
    let mut out = format!(
        "Follow-ups of **{}**:\n\n| Issue | Follow-up | Owner | State | Due | Notes |\n|---|---|---|---|---|---|\n",
        cell(title)
    );
    let listed: Vec<&TrackedFollowUp> = follow_ups
        .iter()
        .filter(|f| f.state != FollowUpState::Removed)
        .collect();
    let mut shown = 0;
    for f in &listed {
        let due = due_date(f, settings);
        let mut notes = Vec::new();
        if f.state == FollowUpState::Open {
            if due.is_some_and(|d| today > d) {
                notes.push("overdue".to_string());
            }
            if (now - last_activity(f)).num_days() >= i64::from(settings.stale.days) {
                notes.push("stale".to_string());
            }
            if let Some(until) = f.snoozed_until.filter(|u| *u > now) {
                notes.push(format!("snoozed until {}", until.format("%Y-%m-%d")));
            }
            if f.nag_count > 0 {
                notes.push(format!(
                    "reminded {} of {}",
                    f.nag_count, settings.stale.max_nags
                ));
            }
            if f.escalated {
                notes.push("escalated".to_string());
            }
        }
        let state = match f.state {
            FollowUpState::Open => "open",
            FollowUpState::Closed => "closed",
            FollowUpState::Removed => "removed",
        };
        let row = format!(
            "| {} | {} | {} | {state} | {} | {} |\n",
            issue_ref(f.issue),
            cell(&f.title),
            owner_cell(f.owner.as_deref()),
            due.map_or_else(String::new, |d| d.to_string()),
            notes.join(", ")
        );
        if out.len() + row.len() > BUDGET {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown < listed.len() {
        let _ = writeln!(out, "\n…and {} more.", listed.len() - shown);
    }
    let open = listed
        .iter()
        .filter(|f| f.state == FollowUpState::Open)
        .count();
    let _ = write!(out, "\n{} open, {} closed.\n", open, listed.len() - open);
    out
}

#[cfg(test)]
mod tests;
