//! Pure: Markdown text → `PostMortem` (follow-ups, timeline, figures). No I/O, no GitHub types.

mod anchored_set;
mod blocks;
mod extract;
mod fields;
mod front_matter;
pub mod report;
mod sections;
mod tables;
mod text;
mod timeline;
mod tracker_ref;
mod tracker_url;
mod trailing;
mod trim;
mod twin;
mod urls;
mod wordkeys;

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

/// The string type of the output's short fields (see `FollowUp`).
pub use compact_str::CompactString;
use serde::Serialize;
use twin::Twin;

pub use report::render_text;

/// What the parser makes of one post-mortem document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostMortem {
    /// The document's title: front matter `title`, else its first heading.
    pub title: Option<String>,
    /// Incident headings when one page holds several incidents, in document order.
    pub incidents: Vec<String>,
    pub follow_ups: Vec<FollowUp>,
    pub timeline: Vec<TimelineEntry>,
    pub figures: Figures,
}

/// One action item, as a careful reader would track it.
///
/// The short fields (owner, due, priority, type, tracker) are `CompactString`s, which hold up to
/// 24 bytes without an allocation: most items then cost one or two allocations rather than six
/// (allocating and freeing the output's strings had been about a tenth of the parse's time).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowUp {
    pub title: String,
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<CompactString>,
    /// ISO date (`YYYY-MM-DD`) when one could be read, else the text as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<CompactString>,
    /// Normalized: `P0`..`P3`, `High`, `Medium`, `Low`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<CompactString>,
    /// prevent, mitigate, detect, process, or the document's own word.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompactString>,
    /// An existing tracker the item names: a URL, `owner/repo#12`, `#12`, `Bug 12345`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<CompactString>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// 1-based line of the item in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The incident heading this item belongs to, on pages holding several incidents (shared by
    /// the incident's items rather than copied into each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<Arc<str>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// The time as written ("3:03pm", "2024-05-01 14:03 UTC").
    pub at: CompactString,
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Minutes from the incident's start (or report) to its resolution, when both are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_resolve_minutes: Option<i64>,
}

/// The Markdown extensions the parser reads with (benchmarks compare against the same).
pub fn markdown_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
}

/// The most of a document the parser reads (1 GiB); the rest is ignored. Keeps every offset
/// the parser stores within 32 bits; no post-mortem comes near it.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// Parses a post-mortem. Never panics; bounded work on any input.
pub fn parse(text: &str) -> PostMortem {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text
        .get(..text.floor_char_boundary(MAX_DOCUMENT_BYTES))
        .unwrap_or(text);
    let doc = blocks::walk(text, markdown_options());
    let secs = sections::build(&doc);
    let mut follow_ups = extract::follow_ups(text, &doc, &secs);
    let (timeline, instants) = timeline::extract(&doc, &secs);
    let time_to_resolve_minutes = timeline::time_to_resolve(&doc, &timeline, &instants);

    let incident_headings = incidents(&doc);
    if incident_headings.len() >= 2 {
        // Both lists are in document order: one merge pass.
        let mut next = 0;
        for f in &mut follow_ups {
            let line = f.line.unwrap_or(0);
            while next < incident_headings.len() && incident_headings[next].0 <= line {
                next += 1;
            }
            f.incident = next
                .checked_sub(1)
                .and_then(|i| incident_headings[i].1.clone());
        }
    }
    let title = doc
        .metadata
        .as_deref()
        .and_then(front_matter::title)
        .or_else(|| first_heading(&doc));
    doc.recycle();
    PostMortem {
        title,
        incidents: incident_headings
            .into_iter()
            .filter_map(|(_, t)| t.as_deref().map(str::to_string))
            .collect(),
        follow_ups,
        timeline,
        figures: Figures {
            time_to_resolve_minutes,
        },
    }
}

fn first_heading(doc: &blocks::Doc) -> Option<String> {
    let headings = doc.headings().filter_map(|b| match b.kind {
        blocks::Kind::Heading { level } if !b.quoted => {
            let t = text::collapse_ws(doc.text(b));
            (!t.is_empty()).then_some((level, t))
        }
        _ => None,
    });
    let mut best: Option<(u8, String)> = None;
    for (level, t) in headings {
        if level == 1 {
            return Some(t);
        }
        if best.is_none() {
            best = Some((level, t));
        }
    }
    best.map(|(_, t)| t)
}

/// Every alternative holds a digit: `incidents` asks the pattern only of headings with one.
static INCIDENT_HEADING: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-\d{1,2}-\d{2,4}|incident\s*#?\d+)\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?\b|\b\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
    )
});

/// Headings that each open one incident, on a page holding several: the top-most heading level
/// used at least twice (a lone page title above them is skipped), where at least two and most
/// of those headings name a date or an incident.
fn incidents(doc: &blocks::Doc) -> Vec<(usize, Option<Arc<str>>)> {
    let mut per_level = [0usize; 7];
    for b in doc.headings() {
        if let blocks::Kind::Heading { level } = b.kind
            && !b.quoted
        {
            per_level[usize::from(level).min(6)] += 1;
        }
    }
    let Some(level) = (1..=6u8).find(|&l| per_level[usize::from(l)] >= 2) else {
        return Vec::new();
    };
    let mut top: Vec<(usize, Cow<'_, str>, bool)> =
        Vec::with_capacity(per_level[usize::from(level)]);
    top.extend(
        doc.headings()
            .filter(|b| !b.quoted && b.kind == blocks::Kind::Heading { level })
            .map(|b| {
                let t = text::collapsed(doc.text(b));
                // Every alternative holds a digit (`\d` is Unicode's on non-ASCII text).
                let is_incident =
                    (!t.is_ascii() || text::has_digit(&t)) && INCIDENT_HEADING.is_match(&t);
                (b.line(), t, is_incident)
            }),
    );
    let matching = top
        .iter()
        .filter(|(_, _, is_incident)| *is_incident)
        .count();
    if matching >= 2 && matching * 5 >= top.len() * 3 {
        // Non-incident headings at that level ("Notes") end the incident before them.
        top.into_iter()
            .map(|(line, t, is_incident)| (line, is_incident.then(|| Arc::from(t.as_ref()))))
            .collect()
    } else {
        Vec::new()
    }
}

/// The steps of `parse` in the order it runs them, for timing each one's share
/// (`examples/parse_profile.rs`, mode `stages`): instruction counts miss what a step pays in
/// cache misses, its code and tables cold again after the walk of every document. Built with
/// the `profiling` feature (and in unit tests) only: see `Cargo.toml`.
#[cfg(any(test, feature = "profiling"))]
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Walk,
    Sections,
    FollowUps,
    Timeline,
    TimeToResolve,
}

#[cfg(any(test, feature = "profiling"))]
impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Walk,
        Stage::Sections,
        Stage::FollowUps,
        Stage::Timeline,
        Stage::TimeToResolve,
    ];
}

/// Runs `parse`'s steps up to and including `last` and drops what they made; a count of it, so
/// that nothing is optimized away.
#[cfg(any(test, feature = "profiling"))]
#[doc(hidden)]
pub fn parse_until(text: &str, last: Stage) -> usize {
    let doc = blocks::walk(text, markdown_options());
    let mut made = doc.blocks.len();
    if last >= Stage::Sections {
        let secs = sections::build(&doc);
        made += secs.sections.len();
        if last >= Stage::FollowUps {
            made += extract::follow_ups(text, &doc, &secs).len();
        }
        if last >= Stage::Timeline {
            let (timeline, instants) = timeline::extract(&doc, &secs);
            made += timeline.len();
            if last >= Stage::TimeToResolve {
                made +=
                    usize::from(timeline::time_to_resolve(&doc, &timeline, &instants).is_some());
            }
        }
    }
    doc.recycle();
    made
}

/// Parses raw bytes, reading invalid UTF-8 lossily.
pub fn parse_bytes(bytes: &[u8]) -> PostMortem {
    parse(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists one parse leaves for the next on its thread carry nothing over: each document
    /// reads the same after any other as on a thread of its own.
    #[test]
    fn a_parse_reads_the_same_after_another_on_its_thread() {
        let documents = [
            "# Outage\n\n## Timeline\n\n- 10:02 alerts fired\n- 10:40 resolved\n\n## Action items\n\n| Action | Owner | Bug |\n|---|---|---|\n| Add **paging** for [lag](https://example.com/lag) | @ana | #12 |\n| ~~Rotate keys~~ | @bo | |\n",
            "- We need a canary stage\n  - > quoted aside\n- Bess removed the account\n- [x] Track the disk alert\n",
            "---\ntitle: Front matter\n---\n\n## Follow-ups\n\n1. **Owner: cy** Document the failover, due 2024-05-01\n2. Split the queue<br>across two hosts\n",
        ];
        let alone: Vec<PostMortem> = documents
            .iter()
            .map(|d| {
                let d = d.to_string();
                std::thread::spawn(move || parse(&d))
                    .join()
                    .expect("parse thread")
            })
            .collect();
        for first in documents {
            for (second, expected) in documents.iter().zip(&alone) {
                parse(first);
                assert_eq!(&parse(second), expected, "{second:?} after {first:?}");
            }
        }
        assert!(alone.iter().all(|p| !p.follow_ups.is_empty()));
    }

    /// Each stage `parse_until` adds runs the step `parse` runs: what it adds to the count is
    /// what that step gives the document's reading.
    #[test]
    fn each_stage_adds_its_steps_reading() {
        let text = "# Queue outage\n\n## Timeline\n\n- 10:02 outage detected by alerts\n- 10:40 service restored\n\n## Action items\n\n- [ ] Alert on queue depth @ana\n- [x] Add a runbook for the failover\n";
        let reading = parse(text);
        assert_eq!(reading.follow_ups.len(), 2);
        assert_eq!(reading.timeline.len(), 2);
        assert_eq!(reading.figures.time_to_resolve_minutes, Some(38));
        let counts: Vec<usize> = Stage::ALL.iter().map(|&s| parse_until(text, s)).collect();
        let added: Vec<usize> = counts.windows(2).map(|w| w[1] - w[0]).collect();
        // Sections: the root and one per heading.
        assert_eq!(added, [4, 2, 2, 1], "{counts:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn incident_headings_hold_a_digit(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "2024-03-01", "3/14/24", "14-3-2024", "Incident #12", "incident 7", "Jan",
                    "March", "5th", "21", "Sept.", "outage", "Incident", "#", "-", "/", "é",
                    "٣", "May", "1st",
                ]),
                0..6,
            )
        ) {
            let heading = parts.join(" ");
            if INCIDENT_HEADING.is_match(&heading) {
                proptest::prop_assert!(!heading.is_ascii() || text::has_digit(&heading));
            }
        }
    }
}
