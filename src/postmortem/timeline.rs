//! Timeline lines ("14:03 UTC - paged", "When the incident was reported - 3:03pm", table rows)
//! and the time to resolve derived from them or stated outright ("Time to resolve: 4h 12m").

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

use super::blocks::{Doc, Kind};
use super::sections::{Class, Sections};
use super::text::{collapse_ws, collapsed, has_digit, iso_date, push_spaced, split_lines};
use super::trim::TrimWs;
use super::twin::Twin;
use super::wordkeys::WordKeys;
use super::{CompactString, TimelineEntry};

mod clock;

const TIME: &str = r"(?:\d{4}-\d{2}-\d{2}(?:[ T]+\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?|\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}|\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]m)(?:\s*(?:UTC|GMT|PST|PDT|CET|CEST|EST|EDT|IST|GST|BST|Z))?";

static LEADING_TIME: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(&format!(
        r"(?i)^[\s\[(*_]*(?P<at>{TIME})(?:\s*[-–]\s*{TIME})?[\s\])*_]*(?:[-–—:|]+\s*)?"
    ))
});

/// `LEADING_TIME` up to the end of its `at` group. Everything after `at` in `LEADING_TIME` may
/// match empty, so the leftmost-first match of this prefix ends where `at` ends in a
/// `LEADING_TIME` match: two DFA searches stand in for one much costlier capture search.
static LEADING_AT: LazyLock<Twin> = LazyLock::new(|| Twin::new(&format!(r"(?i)^[\s\[(*_]*{TIME}")));

/// A line's leading time and the text after it. Only a short head of the line is searched: the
/// time sits at its start, and captures on a whole long line are costly.
fn leading_time(line: &str) -> Option<(CompactString, &str)> {
    let first = line
        .trim_start_matches([' ', '\t', '[', '(', '*', '_'])
        .bytes()
        .next()?;
    if !first.is_ascii_digit() {
        return None;
    }
    let mut k = line.len().min(80);
    while !line.is_char_boundary(k) {
        k -= 1;
    }
    let head = &line[..k];
    let (at_start, at_end, end) = if reads_by_hand(head) {
        clock::leading(head.as_bytes())?
    } else {
        leading_by_pattern(head)?
    };
    let at = CompactString::from(head.get(at_start..at_end)?.trim_ws());
    Some((at, line[end..].trim_ws()))
}

/// Whether `clock::leading` reads `head` exactly as `LEADING_TIME` would: every non-ASCII
/// character in it is one the pattern's ASCII twin applies to and that no letter of the pattern
/// case-folds to (dashes, quotes, the ellipsis, the check marks).
fn reads_by_hand(head: &str) -> bool {
    head.is_ascii()
        || head.chars().all(|c| {
            c.is_ascii() || matches!(c, '–' | '—' | '‘' | '’' | '“' | '”' | '…' | '✅' | '✔')
        })
}

/// Where `at` starts and ends in `head` and where the `LEADING_TIME` match ends, by the patterns.
fn leading_by_pattern(head: &str) -> Option<(usize, usize, usize)> {
    let end = LEADING_TIME.find(head)?.end();
    let at_end = LEADING_AT.find(head)?.end();
    // `at` opens after the run of `[\s\[(*_]` (a time starts with a digit, which none of those is).
    let at_start = head.len()
        - head
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '[' | '(' | '*' | '_'))
            .len();
    Some((at_start, at_end, end))
}

/// Opens with one of `KEY_EVENT_OPENERS`: keep the two in step.
static KEY_EVENT: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(&format!(
        r"(?i)^(?P<text>(?:when\s+(?:the\s+)?(?:\w+\s+){{0,2}}was\s+|incident\s+|outage\s+|issue\s+|first\s+|service\s+)?(?:reported|detected|declared|started|began|resolved|repaired|mitigated|fixed|restored|recovered|ended|noticed)\b[^0-9]{{0,24}}?)\s*[-–—:]?\s*(?P<at>{TIME})\s*\.?$"
    ))
});

/// The words a `KEY_EVENT` line can open with: keep in step with the pattern.
const KEY_EVENT_OPENERS: [&str; 19] = [
    "when",
    "incident",
    "outage",
    "issue",
    "first",
    "service",
    "reported",
    "detected",
    "declared",
    "started",
    "began",
    "resolved",
    "repaired",
    "mitigated",
    "fixed",
    "restored",
    "recovered",
    "ended",
    "noticed",
];

/// Whether `line` may match `KEY_EVENT`, which is anchored at the start on one of
/// `KEY_EVENT_OPENERS`. An ASCII first byte must be one of their first letters (an ASCII
/// character case-folds to no other letter of theirs), and a line whose head is ASCII must open
/// with one of them but for case; any other head goes to the pattern (a long s case-folds to
/// "s").
fn may_open_key_event(line: &str) -> bool {
    let head = line.as_bytes().get(..9).unwrap_or(line.as_bytes());
    let Some(&first) = head.first() else {
        return false;
    };
    // Most lines fail on their first byte: one table lookup before any word is compared.
    if first.is_ascii() && !KEY_EVENT_FIRST_BYTES[usize::from(first)] {
        return false;
    }
    !head.is_ascii()
        || KEY_EVENT_OPENERS.iter().any(|w| {
            head.get(..w.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(w.as_bytes()))
        })
}

/// The first letters of `KEY_EVENT_OPENERS`, in both cases.
static KEY_EVENT_FIRST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < KEY_EVENT_OPENERS.len() {
        let first = KEY_EVENT_OPENERS[i].as_bytes()[0];
        table[first as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

static BARE_DATE: LazyLock<Twin> = LazyLock::new(|| Twin::new(r"^\s*(\d{4}-\d{2}-\d{2})\s*$"));

static START_WORDS: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(reported|detected|start\s+of\s+outage|outage\s+(starts|begins|began)|first\s+noticed|declared|went\s+down|begins?\s+failing|started\s+failing)\b",
    )
});

static END_WORDS: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(resolved|end\s+of\s+(outage|\w+\s+outage)|outage\s+ends|restored|recovered|repaired|back\s+online|fully\s+operational)\b",
    )
});

/// Every alternative of `START_WORDS` opens with one of these words at a word start, and every
/// one of `END_WORDS` with one of `END_KEYS`: an entry without one is not asked the pattern. A
/// timeline that names no start has every entry asked for one, which cost a regex search each
/// before these keys. A new alternative needs its word here and a phrase in
/// `start_and_end_screens_pass_every_alternative`.
const START_KEYS: WordKeys<8> = WordKeys::new([
    "begin", "declared", "detected", "first", "outage", "reported", "start", "went",
]);

const END_KEYS: WordKeys<8> = WordKeys::new([
    "back", "end", "fully", "outage", "recovere", "repaired", "resolved", "restored",
]);

static STATED: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(time\s+to\s+(?:resolve|resolution|recovery|recover|repair|mitigate)|duration)\b\s*[:\-–]?\s*(?P<dur>[^\n.;]{1,40})",
    )
});

static DURATION: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)^\s*(?:(?P<d>\d+)\s*d(?:ays?)?\b)?\s*,?\s*(?:(?P<h>\d+)\s*h(?:ours?|rs?)?\b)?\s*,?\s*(?:and\s+)?(?:(?P<m>\d+)\s*m(?:in(?:ute)?s?)?\b)?",
    )
});

/// Timeline entries in document order, each with the date in force where it was written (times
/// are parsed later, only for the entries that bound the incident).
pub(crate) fn extract(doc: &Doc, secs: &Sections) -> (Vec<TimelineEntry>, Vec<Option<NaiveDate>>) {
    let mut entries = Vec::new();
    let mut instants = Vec::new();
    let mut date: Option<NaiveDate> = None;
    let mut pending_at: Option<(CompactString, usize)> = None;
    let mut cells = Vec::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        if block.quoted {
            continue;
        }
        let in_timeline = secs.sections[secs.of_block[i]].class == Class::Timeline;
        match &block.kind {
            Kind::Heading { .. } => {
                pending_at = None;
                let text = doc.text(block);
                if !has_digit(text) {
                    continue;
                }
                let t = collapsed(text);
                if let Some(d) = leading_date(&t) {
                    date = Some(d);
                }
                pending_at = None;
                if in_timeline
                    && let Some((at, rest)) = leading_time(&t)
                    && rest.is_empty()
                {
                    pending_at = Some((at, block.line()));
                }
            }
            Kind::Paragraph | Kind::Item { .. } => {
                let text = doc.text(block);
                // Only lines with a digit, or the line after a bare time heading, are read.
                if pending_at.is_none() && !has_digit(text) {
                    continue;
                }
                let inline = doc.inline(block);
                let mut offset = 0;
                let mut n = 0;
                for piece in split_lines(text) {
                    // Counted piecewise so a paragraph of many lines stays linear.
                    if offset > 0 {
                        n += inline.lines_between(offset - 1, offset);
                    }
                    offset += piece.len() + 1;
                    let line = piece;
                    let line = line.trim_ws();
                    if line.is_empty() {
                        continue;
                    }
                    // A one-line block's line holds the digit the block was found to hold.
                    if pending_at.is_none() && piece.len() != text.len() && !has_digit(line) {
                        continue;
                    }
                    if line.len() <= 12
                        && let Some(c) = BARE_DATE.captures(line)
                    {
                        date = c
                            .get(1)
                            .and_then(|m| NaiveDate::parse_from_str(m.as_str(), "%Y-%m-%d").ok());
                        continue;
                    }
                    // A line's own time wins over the heading above it ("### 2016-11-02" then
                    // "**15:11** merged").
                    let own = if in_timeline {
                        leading_time(line)
                    } else {
                        None
                    };
                    let found = if let Some((at, rest)) = own {
                        pending_at = None;
                        Some((at, rest))
                    } else {
                        pending_at.take().map(|(at, _)| (at, line))
                    }
                    .or_else(|| {
                        if line.len() > 200
                            || !may_open_key_event(line)
                            || !KEY_EVENT.is_match(line)
                        {
                            return None;
                        }
                        KEY_EVENT.captures(line).map(|c| {
                            (
                                CompactString::from(
                                    c.name("at").map_or("", |m| m.as_str()).trim_ws(),
                                ),
                                c.name("text")
                                    .map_or("", |m| m.as_str())
                                    .trim_ws()
                                    .trim_end_matches(['-', '–', '—', ':'])
                                    .trim_ws(),
                            )
                        })
                    });
                    if let Some((at, text)) = found
                        && !text.is_empty()
                    {
                        if let Some(d) = leading_date(&at) {
                            date = Some(d);
                        }
                        instants.push(date);
                        entries.push(TimelineEntry {
                            at,
                            text: collapse_ws(text),
                            line: block.line() + n,
                        });
                    }
                }
            }
            Kind::TableRow { header, .. } => {
                if *header || !in_timeline {
                    continue;
                }
                doc.cells_into(block, &mut cells);
                if cells.len() < 2 {
                    continue;
                }
                let first = collapsed(cells[0].text);
                if leading_time(&first).is_some() {
                    // The other cells joined by spaces, whitespace collapsed: each cell
                    // collapsed and pushed in turn, with no joined copy in between.
                    let mut text = String::new();
                    for cell in &cells[1..] {
                        push_spaced(&mut text, &collapsed(cell.text));
                    }
                    if let Some(d) = leading_date(&first) {
                        date = Some(d);
                    }
                    if !text.is_empty() {
                        instants.push(date);
                        entries.push(TimelineEntry {
                            at: first.as_ref().into(),
                            text,
                            line: block.line(),
                        });
                    }
                }
            }
        }
    }
    (entries, instants)
}

fn leading_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim_start_matches(|c: char| !c.is_ascii_digit());
    let head = t.get(..10)?;
    match iso_date(head) {
        Some(date) => date,
        None => NaiveDate::parse_from_str(head, "%Y-%m-%d").ok(),
    }
}

/// Parses a written time ("3:03pm", "2024-05-01 14:03 UTC", "16:22") against the current date.
fn instant(at: &str, date: Option<NaiveDate>) -> Option<NaiveDateTime> {
    let lower = at.to_ascii_lowercase().replace('.', ":");
    let day = leading_date(&lower).or(date);
    let time_part = match leading_date(&lower) {
        Some(_) => lower.get(10..).unwrap_or("").trim_ws().to_string(),
        None => lower.clone(),
    };
    let re_time = time_of_day(&time_part)?;
    Some(day.unwrap_or(NaiveDate::MIN).and_time(re_time))
}

static TOD: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"(?i)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])?"));

fn time_of_day(s: &str) -> Option<NaiveTime> {
    let c = TOD.captures(s)?;
    let mut h: u32 = c.get(1)?.as_str().parse().ok()?;
    let m: u32 = c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
    if c.get(2).is_none() && c.get(4).is_none() {
        return None;
    }
    match c.get(4).map(|m| m.as_str().to_ascii_lowercase()) {
        Some(p) if p == "p" && h < 12 => h += 12,
        Some(p) if p == "a" && h == 12 => h = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// Minutes from start (or report) to resolution: stated outright, else from timeline entries.
pub(crate) fn time_to_resolve(
    doc: &Doc,
    entries: &[TimelineEntry],
    instants: &[Option<NaiveDate>],
) -> Option<i64> {
    let mut stated_resolve = None;
    let mut stated_other = None;
    // The words a stated figure needs, searched for in all text as the blocks ask, instead of
    // three searches per block; not past the first time to resolve, which settles the figure.
    let all_text = doc.all_text();
    let mut hits_ahead = HitCursor::new(|at| {
        // A search of the text from `at` on: the needles are plain words, which read the
        // same whatever comes before them. Through `find_iter`: as a second caller of
        // `Regex::find`, this search stopped it being inlined into `Twin::find`.
        let m = STATED_WORDS.find_iter(all_text.get(at..)?).next()?;
        Some((at + m.start(), at + m.end()))
    });
    // Most documents state no figure: then no block needs a look.
    let blocks = if hits_ahead.none_ahead() {
        &[][..]
    } else {
        &doc.blocks[..]
    };
    for block in blocks {
        if !hits_ahead.any_within(doc.text_range(block)) {
            continue;
        }
        let text = doc.text(block);
        if !has_digit(text) {
            continue;
        }
        for c in STATED.captures_iter(text) {
            let resolve = c.get(1).is_some_and(|m| {
                m.as_str()
                    .as_bytes()
                    .windows(5)
                    .any(|w| w.eq_ignore_ascii_case(b"resol"))
            });
            if let Some(minutes) = c.name("dur").and_then(|m| duration_minutes(m.as_str())) {
                if resolve {
                    stated_resolve.get_or_insert(minutes);
                } else {
                    stated_other.get_or_insert(minutes);
                }
            }
        }
        if stated_resolve.is_some() {
            break;
        }
    }
    if stated_resolve.is_some() {
        return stated_resolve;
    }
    let start = entries
        .iter()
        .zip(instants)
        .filter(|(e, _)| START_KEYS.any_in(&e.text) && START_WORDS.is_match(&e.text))
        .find_map(|(e, d)| instant(&e.at, *d));
    // Without a start there is nothing to measure to: the end is not looked for.
    if let Some(s) = start
        && let Some(e) = entries
            .iter()
            .zip(instants)
            .rev()
            .filter(|(e, _)| END_KEYS.any_in(&e.text) && END_WORDS.is_match(&e.text))
            .find_map(|(e, d)| instant(&e.at, *d))
    {
        let minutes = (e - s).num_minutes();
        if minutes >= 0 {
            return Some(minutes);
        }
    }
    stated_other
}

/// What a block must hold for `time_to_resolve` to try `STATED` on it: the pattern's words in the
/// casings a document writes them (lower, title and upper case, one space). None of them can
/// overlap another, so the non-overlapping matches are all occurrences. "duration" is screened
/// whole: `STATED` wants it as a word, and "uration" alone also finds every "configuration",
/// about as common in post-mortems as all of these words together.
static STATED_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("ime to|ime To|IME TO|duration|Duration|DURATION").expect("stated words regex")
});

/// Answers whether an occurrence of a needle lies wholly inside a range, for ranges asked in
/// ascending order (blocks' texts sit in the text arena in document order), searching only as
/// far as asked: `find_at(at)` gives the first occurrence starting at or after `at` (occurrences
/// never overlap). The first occurrence at or after the last range's start is kept; a later
/// range searches again from its own start only when that occurrence lies before it, so
/// ascending ranges read the text once, and a caller that stops early reads no further. Only
/// that occurrence can lie inside: every later one ends later.
struct HitCursor<F> {
    find_at: F,
    /// The first occurrence starting at or after `start`.
    next: Option<(usize, usize)>,
    start: usize,
}

impl<F: FnMut(usize) -> Option<(usize, usize)>> HitCursor<F> {
    fn new(mut find_at: F) -> HitCursor<F> {
        let next = find_at(0);
        HitCursor {
            find_at,
            next,
            start: 0,
        }
    }

    fn any_within(&mut self, range: std::ops::Range<usize>) -> bool {
        if range.is_empty() {
            // An occurrence is never empty, so none lies inside.
            return false;
        }
        // A range further back (blocks never give one: their texts lie in document order)
        // searches again from its start, as does one past the kept occurrence.
        if range.start < self.start || self.next.is_some_and(|(s, _)| s < range.start) {
            self.next = (self.find_at)(range.start);
        }
        self.start = range.start;
        self.next.is_some_and(|(_, e)| e <= range.end)
    }

    /// No occurrence starts at or after the last range's start (at first, none at all).
    fn none_ahead(&self) -> bool {
        self.next.is_none()
    }
}

fn duration_minutes(s: &str) -> Option<i64> {
    let c = DURATION.captures(s)?;
    let get = |n: &str| -> Option<i64> { c.name(n).and_then(|m| m.as_str().parse().ok()) };
    let (d, h, m) = (get("d"), get("h"), get("m"));
    if d.is_none() && h.is_none() && m.is_none() {
        return None;
    }
    Some(d.unwrap_or(0) * 1440 + h.unwrap_or(0) * 60 + m.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_minutes("35h 36m"), Some(2136));
        assert_eq!(duration_minutes("13 minutes"), Some(13));
        assert_eq!(duration_minutes("1 hour and 31 minutes"), Some(91));
        assert_eq!(duration_minutes("N/A"), None);
    }

    #[test]
    fn stated_words_screen_passes_every_stated_figure() {
        for line in [
            "Time to resolve: 4h 12m",
            "time to recovery - 35 minutes",
            "TIME TO MITIGATE: 1 hour",
            "Duration: 2h",
            "Total duration 95 minutes",
            "DURATION: 3 days",
        ] {
            assert!(STATED.is_match(line), "{line}");
            assert!(STATED_WORDS.is_match(line), "{line}");
        }
        // A configuration change names no figure: the screen spares it the search.
        assert!(!STATED_WORDS.is_match("Configuration push at 14:02, misconfiguration 2"));
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("3:03pm"), NaiveTime::from_hms_opt(15, 3, 0));
        assert_eq!(time_of_day("16:22"), NaiveTime::from_hms_opt(16, 22, 0));
        assert_eq!(time_of_day("12am"), NaiveTime::from_hms_opt(0, 0, 0));
        assert_eq!(time_of_day("2019"), None);
    }

    #[test]
    fn leading_times_read_by_hand() {
        for (line, at, rest) in [
            ("14:03 UTC - paged", "14:03 UTC", "paged"),
            (
                "**2024-05-01 09:10** – rollback done",
                "2024-05-01 09:10",
                "rollback done",
            ),
            ("[3:03 p.m.] alert fires", "3:03 p.m.", "alert fires"),
            ("09:10 – 09:40 | degraded", "09:10", "degraded"),
            ("05-01 14:03: deploy", "05-01 14:03", "deploy"),
            ("3pm — call opened", "3pm", "call opened"),
            (
                "2024-05-01T14:03:00Z rollback",
                "2024-05-01T14:03:00Z",
                "rollback",
            ),
        ] {
            assert!(reads_by_hand(line), "{line}");
            assert_eq!(leading_time(line), Some((at.into(), rest)), "{line}");
        }
        for line in ["123:45 nothing", "2024 was a year", "12-3 items"] {
            assert_eq!(leading_time(line), None, "{line}");
        }
        // Text the hand reading leaves to the patterns: a long s case-folds to "s" (PſT).
        assert!(!reads_by_hand("14:03 PſT paged"));
        assert_eq!(
            leading_time("14:03 PſT paged"),
            Some(("14:03 PſT".into(), "paged"))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn hit_cursor_answers_like_a_search_per_range(
            gaps in proptest::collection::vec((0usize..6, 1usize..4), 0..12),
            ranges in proptest::collection::vec((0usize..40, 0usize..12), 0..20),
        ) {
            let mut hits = Vec::new();
            let mut at = 0;
            for (gap, len) in gaps {
                at += gap;
                hits.push((at, at + len));
                at += len;
            }
            let mut cursor = HitCursor::new(|at| hits.iter().copied().find(|&(s, _)| s >= at));
            for (start, len) in ranges {
                let range = start..start + len;
                let inside = cursor.any_within(range.clone());
                proptest::prop_assert_eq!(
                    inside,
                    hits.iter().any(|&(s, e)| s >= range.start && e <= range.end),
                    "{:?} in {:?}",
                    range,
                    hits
                );
                if !range.is_empty() {
                    proptest::prop_assert_eq!(
                        cursor.none_ahead(),
                        hits.iter().all(|&(s, _)| s < range.start),
                        "{:?} in {:?}",
                        range,
                        hits
                    );
                }
            }
        }
    }

    /// Every way `KEY_EVENT` can open passes the screen in front of it.
    #[test]
    fn key_event_screen_passes_every_opener() {
        let lines = [
            "When the alert was reported - 3:03pm",
            "when the page was noticed 14:03",
            "Incident declared 09:10",
            "OUTAGE began: 2024-05-01 14:03 UTC",
            "Issue detected 10:15",
            "First noticed 2pm",
            "Service restored - 15:20",
            "Reported 9:00",
            "started 8:00",
            "Resolved 7:00",
            "repaired 1:00 pm",
            "Mitigated 02:00",
            "Fixed 3:03",
            "Recovered 4:00",
            "Ended 5:00",
            "Noticed 6:00",
            "Restored at 11:45",
            "ſervice restored 12:00",
            "Detected at 10:00",
            "DECLARED 11:00",
            "Began 12:00",
        ];
        for line in lines {
            assert!(KEY_EVENT.is_match(line), "{line}");
            assert!(may_open_key_event(line), "{line}");
        }
        for opener in KEY_EVENT_OPENERS {
            assert!(
                lines
                    .iter()
                    .any(|l| l.to_ascii_lowercase().starts_with(opener)),
                "no line opens with {opener}"
            );
        }
        assert!(!may_open_key_event("Rolled back at 14:03"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn key_event_screen_never_turns_away_a_match(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "when", "WHEN", "the", "page", "was", "Incident", "outage", "issue",
                    "first", "Service", "reported", "Detected", "declared", "started", "began",
                    "RESOLVED", "repaired", "mitigated", "fixed", "restored", "recovered",
                    "ended", "noticed", "ſ", "é", " ", "  ", "-", ":", "3:03pm", "14:03 UTC",
                    "2024-05-01", ".",
                ]),
                1..8,
            )
        ) {
            let line = parts.concat();
            if KEY_EVENT.is_match(&line) {
                proptest::prop_assert!(may_open_key_event(&line), "{:?}", line);
            }
        }
    }

    #[test]
    fn start_and_end_screens_pass_every_alternative() {
        for start in [
            "Customers reported errors",
            "Alert DETECTED the spike",
            "Start of outage",
            "outage starts",
            "Outage begins",
            "outage  began",
            "First noticed by support",
            "Incident declared",
            "The API went down",
            "Logins begin failing",
            "Checkout begins failing",
            "Uploads started failing",
        ] {
            assert!(START_WORDS.is_match(start), "{start}");
            assert!(START_KEYS.any_in(start), "{start}");
        }
        for end in [
            "Incident resolved",
            "End of outage",
            "end of the outage",
            "Outage ends",
            "Service RESTORED",
            "Database recovered",
            "Link repaired",
            "Back online",
            "Fully operational again",
        ] {
            assert!(END_WORDS.is_match(end), "{end}");
            assert!(END_KEYS.any_in(end), "{end}");
        }
        // Most entries name neither: no pattern search for them.
        assert!(!START_KEYS.any_in("Rollback finished, queue drained"));
        assert!(!END_KEYS.any_in("Config push goes out"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The word screens never turn away an entry their pattern matches.
        #[test]
        fn start_and_end_screens_never_turn_away_a_match(
            text in crate::postmortem::text::phrase(
                vec![
                    "reported", "Detected", "start", "STARTED", "of", "outage", "Outage",
                    "starts", "begins", "began", "begin", "failing", "first", "noticed",
                    "declared", "went", "down", "resolved", "end", "End", "the", "api",
                    "ends", "restored", "recovered", "repaired", "back", "online",
                    "fully", "operational", "unreported", "backend", "x", "_", "é",
                    "ſtart", "\u{212A}", "3:03pm",
                ],
                vec!["", " ", "  ", "\n", "\u{a0}", "-", ",", "’"],
            )
        ) {
            if START_WORDS.is_match(&text) {
                proptest::prop_assert!(START_KEYS.any_in(&text), "{:?}", text);
            }
            if END_WORDS.is_match(&text) {
                proptest::prop_assert!(END_KEYS.any_in(&text), "{:?}", text);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn hand_reading_agrees_with_the_patterns(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "1", "12", "123", "2024", "05", "-", ":", ".", " ", "  ", "\t", "T", "t",
                    "am", "PM", "p.m.", "a", "m", "UTC", "cest", "CET", "Z", "z", "–", "—", "|",
                    "[", "(", "*", "_", "]", ")", "x", "’", "…", "paged", "gmt", "PsT", "EDT",
                    "bst", "ist", "GST", "Pdt", "est",
                ]),
                1..12,
            )
        ) {
            let head = parts.concat();
            proptest::prop_assert!(reads_by_hand(&head));
            proptest::prop_assert_eq!(
                clock::leading(head.as_bytes()),
                leading_by_pattern(&head),
                "{:?}",
                head
            );
        }
    }
}
