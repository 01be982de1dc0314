//! From one item's text to its title and fields: strips leading checkbox/status/priority/tracker
//! tags and trailing owner/due/tracker annotations, and reads them into their fields.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::CompactString;
use super::blocks::Inline;
use super::text::{
    collapse_ws, collapse_ws_owned, collapsed, first_sentence_end, has_digit, iso_date,
    starts_with_action_verb,
};
use super::tracker_ref;
use super::tracker_url;
use super::trailing;
use super::trim::{TrimWs, narrow};
use super::twin::Twin;
use super::urls;
use super::wordkeys::Initials;

/// What one item's text says, with the title cleaned of its annotations.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Derived {
    pub title: String,
    /// Text after the title (later sentences, the lines under a bold lead).
    pub rest: String,
    pub rest_start: usize,
    pub done: Option<bool>,
    /// A status tag led the text (`DONE`, `**TODO**`, ✅): an explicit to-do marker.
    pub status_tagged: bool,
    /// The status tag was bold or an emoji, i.e. clearly meant as a marker.
    pub status_marked: bool,
    pub owner: Option<CompactString>,
    pub due: Option<CompactString>,
    pub priority: Option<CompactString>,
    pub issue: Option<CompactString>,
    /// The text opened with a bold lead standing on its own line or followed by a colon.
    pub bold_lead: bool,
    /// Nothing follows the lead: the item is only a label ("**Process**:").
    pub label_only: bool,
    /// The text is only a link or URL, with no words of its own.
    pub link_only: bool,
}

/// Spelled out in `STATUS_WORDS` for ASCII text: keep the two in step.
static STATUS_WORD: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)^(done|todo|to\s*do|doing|in[\s-]progress|wip|fixed|complete|completed|resolved|closed|open|pending|planned|not\s+started|failed|blocked|ongoing|merged|shipped)$",
    )
});

static PLAIN_STATUS: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"^(DONE|TODO|DOING|IN PROGRESS|WIP|FIXED|COMPLETED?|RESOLVED)\b\s*[:\-–—]?\s*")
});

static PRIORITY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(p[0-4]|high|medium|med|low|critical|urgent|sev[0-4])$").expect("prio regex")
});

static TODO_OWNER: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"^(?:TODO|FIXME|ACTION)\(([^)]{1,40})\)\s*[:\-–—]?\s*"));

static LEADING_MENTION: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"^(@[\w-]+(?:/[\w-]+)?)\s*[:\-–—]\s+"));

static PLAIN_PRIORITY: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"^[\[(]?(P[0-4])[\])]?\s*[:\-–—]?\s+"));

/// Read by hand on ASCII text (`tracker_ref.rs`): a change here needs the same change there.
pub(crate) static TRACKER_REF: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)^(#\d+|[\w.-]+/[\w.-]+#\d+|[A-Z][A-Z0-9]+-\d+|(bug|issue|pr|ticket)\s*#?\s*\d+)$",
    )
});

/// Read by hand on ASCII URLs (`tracker_url.rs`): a change here needs the same change there,
/// and its tokens in that module's property test.
pub(crate) static TRACKER_URL: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)^https?://\S*?(/(issues|pull|pulls|merge_requests)(/\d+)?\b|/browse/[A-Z][A-Z0-9]+-\d+|show_bug\.cgi\?id=\d+|crbug\.com/\d+|/tickets?/\d+)",
    )
});

static REF_IN_TEXT: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"(?i)(?:^|[\s(\[])((?:[\w.-]+/[\w.-]+)?#\d+|bug\s+\d{3,})\b"));

static TRAILING_MENTION: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"[\s,;\-–—]*[(\[]?((?:@[\w-]+(?:/[\w-]+)?[\s,&]*(?:and\s+)?)+)[)\]]?\s*[.;]?\s*$")
});

static TRAILING_DONE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)[\s,;\-–—]*(?:[(\[]\s*(done|completed?|fixed|finished|resolved)\s*[)\]]|✅|✔️|✔|☑️|\s-\s*done)\s*[.;]?\s*$",
    )
});

static TRAILING_URL: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"[\s,;:\-–—]*(?:\(\s*)?(?:see\s+)?<?https?://[^\s<>]+?>?\s*\)?\s*[.;]?\s*$")
});

/// What `trailing_paren` reads by hand; kept as the oracle of its property test.
#[cfg(test)]
static TRAILING_PAREN: LazyLock<Twin> = LazyLock::new(|| Twin::new(r"\s*\(([^()]*)\)\s*[.;]?\s*$"));

/// Normalizes a priority word: `P0`..`P3`, `High`, `Medium`, `Low`.
pub(crate) fn normalize_priority(word: &str) -> Option<CompactString> {
    let w = word.trim_ws().trim_matches(['*', '_', '[', ']', '(', ')']);
    let is = |name: &str| w.eq_ignore_ascii_case(name);
    let upper = || {
        let mut p = CompactString::from(w);
        p.as_mut_str().make_ascii_uppercase();
        p
    };
    Some(if ["p0", "p1", "p2", "p3", "p4"].into_iter().any(is) {
        upper()
    } else if is("high") || is("critical") || is("urgent") {
        CompactString::const_new("High")
    } else if is("medium") || is("med") {
        CompactString::const_new("Medium")
    } else if is("low") {
        CompactString::const_new("Low")
    } else if w.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sev")) {
        upper()
    } else {
        return None;
    })
}

/// Reads a status word as done / not done; `None` when it is not a status.
pub(crate) fn status_done(word: &str) -> Option<bool> {
    if word.len() > 40 {
        return None;
    }
    let trimmed = word.trim_ws().trim_matches(['*', '_', '.', ':']);
    // The marks are not ASCII: most cells are, and skip the character-by-character search.
    if !trimmed.is_ascii() && trimmed.contains(['✅', '✔', '☑']) {
        return Some(true);
    }
    // Only a letter some status word opens with can open one (non-ASCII may case-fold to one).
    let opens_like_status = trimmed
        .trim_start_ws()
        .chars()
        .next()
        .is_some_and(|c| !c.is_ascii() || STATUS_INITIALS.has(c as u8));
    if !opens_like_status {
        return None;
    }
    let w = collapsed(trimmed);
    if !is_status_word(&w) {
        return None;
    }
    let done_words = [
        "done",
        "fixed",
        "complete",
        "completed",
        "resolved",
        "closed",
        "merged",
        "shipped",
    ];
    Some(done_words.iter().any(|d| w.eq_ignore_ascii_case(d)))
}

/// What `STATUS_WORD` matches in whitespace-collapsed text (its only spaces are single ASCII
/// ones), spelled out.
const STATUS_WORDS: [&str; 21] = [
    "done",
    "todo",
    "to do",
    "doing",
    "in progress",
    "in-progress",
    "wip",
    "fixed",
    "complete",
    "completed",
    "resolved",
    "closed",
    "open",
    "pending",
    "planned",
    "not started",
    "failed",
    "blocked",
    "ongoing",
    "merged",
    "shipped",
];

const STATUS_INITIALS: Initials = Initials::of(&STATUS_WORDS);

/// `STATUS_WORD.is_match` on collapsed text. ASCII text is compared with the list; other text
/// goes to the pattern, as a non-ASCII letter may case-fold to an ASCII one (the Kelvin sign).
fn is_status_word(collapsed: &str) -> bool {
    if collapsed.is_ascii() {
        STATUS_WORDS
            .iter()
            .any(|s| collapsed.eq_ignore_ascii_case(s))
    } else {
        STATUS_WORD.is_match(collapsed)
    }
}

/// Whether a URL points at an issue tracker entry (GitHub issue/PR, Jira, Bugzilla...).
pub(crate) fn is_tracker_url(url: &str) -> bool {
    tracker_url::matches(url).unwrap_or_else(|| TRACKER_URL.is_match(url))
}

pub(crate) fn is_tracker_ref(text: &str) -> bool {
    let t = text.trim_ws().trim_matches(['[', ']', '(', ')']);
    // Every form ends in a (possibly non-ASCII) digit.
    let ends_in_digit = t
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_digit() || !c.is_ascii());
    ends_in_digit
        && if t.is_ascii() {
            tracker_ref::matches_ascii(t.as_bytes())
        } else {
            TRACKER_REF.is_match(t)
        }
}

/// Reads a due date as ISO `YYYY-MM-DD` when it is a full date, else keeps it as written.
pub(crate) fn normalize_due(text: &str) -> CompactString {
    let t = text.trim_ws().trim_end_matches(['.', ')', ']']);
    if !has_digit(t) || t.len() > 40 {
        return t.into();
    }
    if let Some(Some(_)) = iso_date(t) {
        // What parsing and formatting `%Y-%m-%d` would give back.
        return t.into();
    }
    let cleaned: String = collapse_ws(&t.replace(',', " "));
    for fmt in [
        "%Y-%m-%d", "%Y/%m/%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(&cleaned, fmt) {
            return compact_str::format_compact!("{}", d.format("%Y-%m-%d"));
        }
    }
    t.into()
}

/// Whether `inline.text[from..to]` opens with an explicit status marker (checkbox text, emoji,
/// `DONE`/`TODO`, a bold status word): a cheap screen before `derive`.
pub(crate) fn quick_marker(inline: &Inline, from: usize, to: usize) -> bool {
    let text = &inline.text;
    let to = to.min(text.len());
    let cur = skip_ws(text, from.min(to), to);
    let rest = &text[cur..to];
    if rest.starts_with("[x]") || rest.starts_with("[X]") || rest.starts_with("[ ]") {
        return true;
    }
    if rest
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '✅' | '✔' | '☑' | '☐' | '⬜' | '🔲'))
    {
        return true;
    }
    if opens_with_plain_status(rest) && PLAIN_STATUS.is_match(rest) {
        return true;
    }
    strong_at(inline, cur, to)
        .is_some_and(|(s, e)| status_done(text[s..e].trim_ws().trim_end_matches(':')).is_some())
}

/// Derives title and fields from `inline.text[from..to]`.
pub(crate) fn derive(inline: &Inline, from: usize, to: usize) -> Derived {
    let text = &inline.text;
    let to = to.min(text.len());
    let mut d = Derived::default();
    let mut cur = skip_ws(text, from.min(to), to);

    // Leading tags: checkbox text, status, priority, tracker reference. Bounded: each pass
    // consumes at least one character or stops.
    for _ in 0..6 {
        let rest = &text[cur..to];
        let before = cur;
        if let Some(r) = rest
            .strip_prefix("[x]")
            .or_else(|| rest.strip_prefix("[X]"))
        {
            d.done = Some(true);
            d.status_tagged = true;
            cur = to - r.len();
        } else if let Some(r) = rest.strip_prefix("[ ]") {
            d.done = Some(false);
            d.status_tagged = true;
            cur = to - r.len();
        } else if let Some(c) = rest.chars().next()
            && matches!(c, '✅' | '✔' | '☑' | '☐' | '⬜' | '🔲')
        {
            d.done = Some(c != '☐' && c != '⬜' && c != '🔲');
            d.status_tagged = true;
            d.status_marked = true;
            cur += c.len_utf8();
            // Variation selector after the emoji.
            if text[cur..to].starts_with('\u{fe0f}') {
                cur += '\u{fe0f}'.len_utf8();
            }
        } else if let Some((s, e)) = strong_at(inline, cur, to) {
            let word = text[s..e].trim_ws().trim_end_matches(':').trim_ws();
            if let Some(done) = status_done(word) {
                d.done = Some(done);
                d.status_tagged = true;
                d.status_marked = true;
                cur = skip_separators(text, e, to);
            } else if PRIORITY_WORD.is_match(word) {
                d.priority = normalize_priority(word);
                cur = skip_separators(text, e, to);
            } else {
                break;
            }
        } else if starts_with_any(rest, &["TODO(", "FIXME(", "ACTION("])
            && let Some(c) = TODO_OWNER.captures(rest)
        {
            d.done = Some(false);
            d.status_tagged = true;
            d.owner = c.get(1).map(|m| m.as_str().trim_ws().into());
            cur += c.get(0).map_or(0, |m| m.end());
        } else if rest.starts_with('@')
            && let Some(c) = LEADING_MENTION.captures(rest)
        {
            d.owner = c.get(1).map(|m| m.as_str().into());
            cur += c.get(0).map_or(0, |m| m.end());
        } else if opens_with_plain_status(rest)
            && let Some(m) = PLAIN_STATUS.find(rest)
        {
            let word = rest[..m.end()]
                .trim_ws()
                .trim_end_matches([':', '-', '–', '—']);
            d.done = status_done(word.trim_ws());
            d.status_tagged = true;
            cur += m.end();
        } else if opens_with_plain_priority(rest)
            && let Some(caps) = PLAIN_PRIORITY.captures(rest)
        {
            d.priority = caps.get(1).and_then(|m| normalize_priority(m.as_str()));
            cur += caps.get(0).map_or(0, |m| m.end());
        } else if let Some(link) = inline.links_in(cur, cur + 1).iter().find(|l| l.end <= to) {
            let label = &text[link.start..link.end];
            let after = &text[link.end..to];
            let sep = after
                .strip_prefix(':')
                .or_else(|| after.strip_prefix(" -"))
                .or_else(|| after.strip_prefix(" –"))
                .or_else(|| after.strip_prefix(" —"))
                .or_else(|| after.strip_prefix("\n-"));
            if (is_tracker_ref(label) || is_tracker_url(&link.url) || label.starts_with("http"))
                && let Some(r) = sep
            {
                d.issue.get_or_insert_with(|| tracker_of(label, &link.url));
                cur = skip_ws(text, to - r.len(), to);
            } else {
                break;
            }
        } else {
            break;
        }
        cur = skip_ws(text, cur, to);
        if cur == before {
            break;
        }
    }

    // Bold lead: "**Lead**: more", "**Lead**\nmore", or the whole line in bold.
    let mut title_raw: String;
    let mut rest_start;
    if let Some((s, e)) = strong_at(inline, cur, to) {
        let lead = text[s..e].trim_ws();
        let lead_has_colon = lead.ends_with(':');
        let lead = lead.trim_end_matches(':').trim_ws();
        let after = &text[e..to];
        let after_trim = after.trim_start_matches([' ', '\t']);
        let colon = lead_has_colon
            || after_trim.starts_with(':')
            || after_trim.starts_with(" -")
            || after_trim.starts_with("- ")
            || after_trim.starts_with('–')
            || after_trim.starts_with('—');
        let body = after_trim.trim_start_matches([':', '-', '–', '—', ' ', '\t']);
        let line_alone = body.is_empty() || body.starts_with('\n') || after_trim.starts_with('\n');
        if line_alone || colon {
            d.bold_lead = true;
            let body_start = skip_ws(text, to - body.len(), to);
            let body = &text[body_start..to];
            if line_alone || body.is_empty() {
                d.label_only = body.trim_ws().is_empty();
                title_raw = lead.to_string();
                rest_start = body_start;
            } else if starts_with_action_verb(lead) || lead.split_whitespace().count() >= 6 {
                title_raw = lead.to_string();
                rest_start = body_start;
            } else {
                let end = first_sentence_end(body);
                title_raw = format!("{lead}: {}", &body[..end]);
                rest_start = body_start + end;
            }
        } else {
            let s = &text[cur..to];
            let end = first_sentence_end(s);
            title_raw = s[..end].to_string();
            rest_start = cur + end;
        }
    } else {
        let s = &text[cur..to];
        let end = first_sentence_end(s);
        title_raw = s[..end].to_string();
        rest_start = cur + end;
    }
    rest_start = skip_ws(text, rest_start.min(to), to);
    d.rest_start = rest_start;
    d.rest = collapse_ws(&text[rest_start..to]);

    // Whole title struck through: done.
    let title_span = (cur, rest_start);
    if inline
        .struck_in(from.min(to), to)
        .iter()
        .any(|&(s, e)| s <= title_span.0 + 1 && e + 2 >= title_span.1 && e > s)
    {
        d.done = Some(true);
    }

    // Issue: the first tracker link or URL or reference anywhere in the item.
    if d.issue.is_none() {
        d.issue = inline
            .links_in(from.min(to), to)
            .iter()
            .filter(|l| l.end <= to)
            .find(|l| is_tracker_url(&l.url) || is_tracker_ref(&text[l.start..l.end]))
            .map(|l| tracker_of(&text[l.start..l.end], &l.url));
    }
    let window = &text[from.min(to)..to];
    if d.issue.is_none() {
        d.issue = urls::find_iter(window)
            .map(|r| window[r].trim_end_matches(['.', ',']))
            .find(|u| is_tracker_url(u))
            .map(CompactString::from);
    }
    let needles = Needles::of(window);
    if d.issue.is_none() && (needles.hash || needles.bug) {
        d.issue = REF_IN_TEXT
            .captures(window)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().into());
    }

    // Trailing annotations ("... OWNER: amirh@ (DONE).").
    title_raw = collapse_ws_owned(title_raw);
    strip_trailing(&mut title_raw, &mut d, inline, from.min(to), to);
    narrow(&mut title_raw, str::trim_ws);
    d.title = title_raw;
    if d.owner.is_none() && needles.owner {
        d.owner = owner_anywhere(window);
    }
    if let Some(owner) = &mut d.owner {
        narrow(owner, |o| o.trim_end_matches('@').trim_ws());
        if owner.is_empty() {
            d.owner = None;
        }
    }
    d.link_only = is_link_only(inline, cur, to);
    d
}

/// Reads the trailing annotations off a collapsed title into `d`, repeatedly ("... OWNER: amirh@
/// (DONE)."); bounded by the loop count. Kept out of `derive`: inlined, it made `derive` larger
/// than the instruction cache (callgrind's cache simulation: 9% fewer instruction-cache misses
/// on the generated page without it).
#[inline(never)]
fn strip_trailing(
    title_raw: &mut String,
    d: &mut Derived,
    inline: &Inline,
    from: usize,
    to: usize,
) {
    for _ in 0..6 {
        let before = title_raw.len();
        // Byte screens keep the common no-annotation case free of regex work.
        let t = title_raw.as_str();
        let tail = Tail::of(t);
        let has = |needle: &str| tail.has(needle);
        let closes = has(")") || has("]");
        let maybe_done = !t.is_ascii()
            || (closes
                && (has("don") || has("complet") || has("fix") || has("finish") || has("resolv")))
            || has("- done");
        if maybe_done && let Some(m) = TRAILING_DONE.find(title_raw) {
            if m.start() > 0 {
                d.done = Some(true);
                title_raw.truncate(m.start());
            }
        } else if tail.has_digit()
            && let Some((start, priority)) = trailing::priority(title_raw)
            && start > 0
        {
            d.priority = priority;
            title_raw.truncate(start);
        } else if (has(":") || has("="))
            && let Some((start, owner)) = trailing::owner(title_raw)
        {
            if start > 0 {
                d.owner = owner;
                title_raw.truncate(start);
            }
        } else if (tail.has_digit() || has("next") || has("end of"))
            && let Some((start, due)) = trailing::due(title_raw)
        {
            if start > 0 {
                d.due = due;
                title_raw.truncate(start);
            }
        } else if (closes || has("priority"))
            && let Some((start, priority)) = trailing::priority(title_raw)
        {
            if start > 0 {
                d.priority = priority;
                title_raw.truncate(start);
            }
        } else if has("@")
            && let Some(c) = TRAILING_MENTION.captures(title_raw)
        {
            let start = c.get(0).map_or(title_raw.len(), |m| m.start());
            // Only a trailing mention after real words is an owner annotation.
            if start > 0 && title_raw[..start].split_whitespace().count() >= 2 {
                d.owner = c.get(1).map(|m| {
                    m.as_str()
                        .trim_ws()
                        .trim_end_matches([',', '&'])
                        .trim_ws()
                        .into()
                });
                title_raw.truncate(start);
            }
        } else if urls::mentions_http(t)
            && let Some(m) = TRAILING_URL.find(title_raw)
        {
            let start = m.start();
            if start > 0
                && let Some(url) = urls::first(m.as_str())
            {
                let url = url.trim_end_matches(['.', ',', '>']);
                // Asked once; the URL is copied only when it becomes the item's tracker.
                let tracker = is_tracker_url(url);
                if tracker || m.as_str().contains('(') {
                    if tracker {
                        d.issue.get_or_insert_with(|| url.into());
                    }
                    title_raw.truncate(start);
                }
            }
        } else if closes
            && let Some((start, inner)) = trailing_paren(t)
            && start > 0
            && paren_is_tracker(inner, inline, from.min(to), to)
        {
            title_raw.truncate(start);
        }
        let kept = title_raw
            .trim_end_matches([' ', ',', ';', '-', '–', '—', ':'])
            .len();
        title_raw.truncate(kept);
        if title_raw.len() == before {
            break;
        }
    }
}

/// A closing parenthesized remark, read as `\s*\(([^()]*)\)\s*[.;]?\s*$` would: where the match
/// starts (the whitespace before `(` included) and the text between the parentheses. By hand:
/// a capture search cost some 3,500 instructions a title, on titles that mostly end in one.
fn trailing_paren(t: &str) -> Option<(usize, &str)> {
    let end = t.trim_end_ws();
    let end = end.strip_suffix(['.', ';']).unwrap_or(end);
    let body = end.trim_end_ws().strip_suffix(')')?;
    // The remark holds no parenthesis: the last one before `)` must open it.
    let open = body.rfind(['(', ')'])?;
    let inner = body.get(open..)?.strip_prefix('(')?;
    Some((body[..open].trim_end_ws().len(), inner))
}

/// The ASCII-lowercased last 48 bytes of a title, kept on the stack with the set of ASCII bytes
/// in it: the trailing-annotation screens test it for a dozen needles per title, and most
/// needles fail on a byte that does not occur at all.
struct Tail {
    buf: [u8; 48],
    len: usize,
    /// `present[b]` when byte `b` occurs (a table: one store per byte, no bit arithmetic).
    present: [bool; 256],
}

impl Tail {
    fn of(t: &str) -> Tail {
        let mut k = t.len().saturating_sub(48);
        while !t.is_char_boundary(k) {
            k += 1;
        }
        let src = &t.as_bytes()[k..];
        let mut buf = [0u8; 48];
        for (dst, b) in buf.iter_mut().zip(src) {
            *dst = b.to_ascii_lowercase();
        }
        let len = src.len();
        let mut present = [false; 256];
        for &b in &buf[..len] {
            present[usize::from(b)] = true;
        }
        Tail { buf, len, present }
    }

    /// Substring test; needles are ASCII, so a byte match is a text match.
    fn has(&self, needle: &str) -> bool {
        let n = needle.as_bytes();
        if !n.iter().all(|&b| self.present[usize::from(b)]) {
            return false;
        }
        // A one-byte needle is in the tail exactly when its byte is: no scan (the needles are
        // constants, so the length test folds away where this is inlined).
        n.len() == 1 || self.buf[..self.len].windows(n.len()).any(|w| w == n)
    }

    fn has_digit(&self) -> bool {
        self.present[usize::from(b'0')..=usize::from(b'9')]
            .iter()
            .any(|&p| p)
    }
}

/// Which of the screens for the issue and owner searches an item's text passes: a `#`, "ug "
/// (as in "Bug 123"), "wner" or "ssign". Found in one vectorized pass for the three bytes they
/// turn on instead of four substring searches.
struct Needles {
    hash: bool,
    bug: bool,
    owner: bool,
}

impl Needles {
    fn of(s: &str) -> Needles {
        let b = s.as_bytes();
        let mut found = Needles {
            hash: false,
            bug: false,
            owner: false,
        };
        for i in memchr::memchr3_iter(b'#', b'g', b'w', b) {
            match b[i] {
                b'#' => found.hash = true,
                b'g' => {
                    found.bug |= i > 0 && b[i - 1] == b'u' && b.get(i + 1) == Some(&b' ');
                    found.owner |= i >= 3 && b.get(i - 3..i + 2) == Some(b"ssign");
                }
                _ => found.owner |= b[i..].starts_with(b"wner"),
            }
        }
        found
    }
}

static OWNER_ANYWHERE: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"(?i)\b(?:owner|assignee|assigned\s+to)\s*[:=]\s*(@?[\w.-]+@?)"));

fn owner_anywhere(s: &str) -> Option<CompactString> {
    OWNER_ANYWHERE
        .captures(s)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().into())
}

/// A trailing "(...)" that only carries tracker links: "([Issue](...))", "(currently blocking on #365)".
fn paren_is_tracker(inner: &str, inline: &Inline, from: usize, to: usize) -> bool {
    let words = inner.split_whitespace().count();
    if words == 0 || words > 10 {
        return false;
    }
    // The whole parenthesis is one link: a tracker ("([PR by a contributor - merged](...))") or a
    // short reference ("([copy-paste example](https://docs...))"), not part of the action's name.
    let links = inline.links_in(from, to);
    if links.iter().any(|l| {
        inline
            .text
            .get(l.start..l.end)
            .is_some_and(|label| label.trim_ws() == inner.trim_ws())
            && (is_tracker_url(&l.url) || (words <= 4 && l.url.starts_with("http")))
    }) {
        return true;
    }
    if words > 8 {
        return false;
    }
    if inner.split_whitespace().any(is_tracker_ref)
        || urls::first(inner).is_some_and(is_tracker_url)
    {
        return true;
    }
    links.iter().any(|l| {
        let label = inline.text.get(l.start..l.end).unwrap_or("");
        !label.is_empty()
            && inner.contains(label)
            && (is_tracker_url(&l.url) || is_tracker_ref(label))
            && words <= 4
    })
}

fn tracker_of(label: &str, url: &str) -> CompactString {
    if url.starts_with("http") {
        url.into()
    } else {
        label.trim_ws().into()
    }
}

fn is_link_only(inline: &Inline, from: usize, to: usize) -> bool {
    let text = &inline.text[from..to];
    if text.trim_ws().is_empty() {
        return false;
    }
    // The text minus its bare links, copied only when there is a bare link to leave out.
    let mut covered: Option<String> = None;
    let mut last = from;
    for l in inline.links_in(from, to).iter().filter(|l| l.end <= to) {
        let label = &inline.text[l.start..l.end];
        // A link with words of its own ("[Improve alerting](...)") is an item; a bare reference
        // ("[flutter/plugins#12](...)", an URL as its own label) is not.
        let bare = is_tracker_ref(label) || label.trim_start_ws().starts_with("http");
        if l.start >= last && bare {
            covered
                .get_or_insert_with(String::new)
                .push_str(&inline.text[last..l.start]);
            last = l.end;
        }
    }
    let rest = &inline.text[last.min(to)..to];
    match covered {
        None => !has_words_outside_urls(rest),
        Some(mut c) => {
            c.push_str(rest);
            !has_words_outside_urls(&c)
        }
    }
}

/// Whether `s` has a letter or digit that is not part of a URL.
fn has_words_outside_urls(s: &str) -> bool {
    // URLs start at an "http": a first letter or digit that does not open one is outside them.
    let Some(first) = s.find(char::is_alphanumeric) else {
        return false;
    };
    if !s[first..].starts_with("http") {
        return true;
    }
    urls::without(s).any(|gap| gap.chars().any(char::is_alphanumeric))
}

fn strong_at(inline: &Inline, cur: usize, to: usize) -> Option<(usize, usize)> {
    inline
        .strong_in(cur.saturating_sub(1), cur + 2)
        .iter()
        .find(|&&(s, e)| s <= cur + 1 && s + 1 >= cur && e > cur && e <= to)
        .copied()
}

/// Cheap screen before an anchored regex: does `s` open with one of these literals?
fn starts_with_any(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
}

/// The words `PLAIN_STATUS` opens with (it is case-sensitive).
const PLAIN_STATUS_OPENERS: [&str; 8] = [
    "DONE",
    "TODO",
    "DOING",
    "IN PROGRESS",
    "WIP",
    "FIXED",
    "COMPLETE",
    "RESOLVED",
];

/// Whether `s` opens with one of `PLAIN_STATUS_OPENERS`. Each holds an uppercase second letter,
/// which most text does not: that byte settles it before the list is compared.
fn opens_with_plain_status(s: &str) -> bool {
    s.as_bytes().get(1).is_some_and(u8::is_ascii_uppercase)
        && starts_with_any(s, &PLAIN_STATUS_OPENERS)
}

/// `PLAIN_PRIORITY` opens with `P0`..`P4`, maybe after one bracket.
fn opens_with_plain_priority(s: &str) -> bool {
    let b = s.strip_prefix(['[', '(']).unwrap_or(s).as_bytes();
    b.first() == Some(&b'P') && b.get(1).is_some_and(|c| (b'0'..=b'4').contains(c))
}

fn skip_ws(text: &str, mut i: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    while i < to && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn skip_separators(text: &str, mut i: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    while i < to && matches!(bytes[i], b' ' | b'\t' | b':' | b'-' | b'\n') {
        i += 1;
    }
    // En and em dashes.
    for dash in ['–', '—'] {
        if text[i..to].starts_with(dash) {
            i += dash.len_utf8();
        }
    }
    skip_ws(text, i, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Inline<'_> {
        Inline {
            text: s,
            ..Inline::default()
        }
    }

    #[test]
    fn needles_match_the_substring_searches() {
        for s in [
            "",
            "#12",
            "Bug 123",
            "bug\t123",
            "debug it",
            "owner: kim",
            "OWNER: kim",
            "assigned to ana",
            "reassign",
            "signed",
            "ug ",
            "wne",
            "g#w",
            "ssig",
            "au g",
            "Fix plug (Owner = x) #4",
            "ssignssign wnerwner ug ug #",
        ] {
            let n = Needles::of(s);
            assert_eq!(n.hash, s.contains('#'), "{s}");
            assert_eq!(n.bug, s.contains("ug "), "{s}");
            assert_eq!(n.owner, s.contains("wner") || s.contains("ssign"), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn needles_agree_on_token_soup(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "#", "g", "w", "u", " ", "ssi", "gn", "wn", "er", "ug", "s", "n", "é",
                ]),
                0..16,
            )
        ) {
            let s = parts.concat();
            let n = Needles::of(&s);
            proptest::prop_assert_eq!(n.hash, s.contains('#'));
            proptest::prop_assert_eq!(n.bug, s.contains("ug "));
            proptest::prop_assert_eq!(n.owner, s.contains("wner") || s.contains("ssign"));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn trailing_paren_reads_as_the_pattern(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "(", ")", "(see #12)", "[", "]", ".", ";", " ", "\t", "\n", "\u{a0}",
                    "\u{3000}", "\u{b}", "word", "é", ",", "..", ";.",
                ]),
                0..10,
            )
        ) {
            let s = parts.concat();
            let expected = TRAILING_PAREN.captures(&s).and_then(|c| {
                Some((c.get(0)?.start(), c.get(1)?.as_str()))
            });
            proptest::prop_assert_eq!(trailing_paren(&s), expected, "{:?}", s);
        }
    }

    /// The spelled-out status list reads collapsed text as the pattern does, on every pair of
    /// words of its vocabulary (and near misses) joined by each kind of separator, in three cases.
    #[test]
    fn status_words_agree_with_the_pattern() {
        let words = [
            "",
            "done",
            "to",
            "do",
            "todo",
            "doing",
            "in",
            "progress",
            "wip",
            "fixed",
            "complete",
            "completed",
            "resolved",
            "closed",
            "open",
            "pending",
            "planned",
            "not",
            "started",
            "failed",
            "blocked",
            "ongoing",
            "merged",
            "shipped",
            "d",
            "one",
            "x",
            "é",
            "bloc\u{212A}ed",
            "\u{17F}hipped",
        ];
        let separators = ["", " ", "  ", "-", "\t", "\u{a0}", " - "];
        for a in words {
            for sep in separators {
                for b in words {
                    let text = format!("{a}{sep}{b}");
                    for text in [text.clone(), text.to_uppercase(), text.to_lowercase()] {
                        let w = collapsed(&text);
                        assert_eq!(is_status_word(&w), STATUS_WORD.is_match(&w), "{w:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn trailing_annotations_go_to_fields() {
        let d = derive(
            &plain("Rotate the keys. OWNER: kim@ (DONE)."),
            0,
            "Rotate the keys. OWNER: kim@ (DONE).".len(),
        );
        assert_eq!(d.title, "Rotate the keys.");
        let s = "Rotate the keys OWNER: kim@ (DONE).";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!(d.title, "Rotate the keys");
        assert_eq!(d.owner.as_deref(), Some("kim"));
        assert_eq!(d.done, Some(true));

        let s = "Add paging for queue lag @sam by 2024-05-01";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!(d.title, "Add paging for queue lag");
        assert_eq!(d.owner.as_deref(), Some("@sam"));
        assert_eq!(d.due.as_deref(), Some("2024-05-01"));

        let s = "Retry with backoff - https://github.com/o/r/issues/7.";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!(d.title, "Retry with backoff");
        assert_eq!(d.issue.as_deref(), Some("https://github.com/o/r/issues/7"));
    }

    #[test]
    fn plain_status_screen_passes_every_match() {
        let others = ["COMPLETED", "Done", "D", "IN", "x", " ", ":", "-", "é"];
        let tokens: Vec<&str> = PLAIN_STATUS_OPENERS
            .iter()
            .chain(&others)
            .copied()
            .collect();
        for &a in &tokens {
            for &b in &tokens {
                for c in ["", " ship it", ": ship it"] {
                    let text = format!("{a}{b}{c}");
                    if PLAIN_STATUS.is_match(&text) {
                        assert!(opens_with_plain_status(&text), "{text:?}");
                    }
                }
            }
        }
        assert!(!opens_with_plain_status("Done: ship it"));
    }

    #[test]
    fn leading_tags_are_stripped() {
        let s = "TODO: write the runbook";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!(d.title, "write the runbook");
        assert_eq!(d.done, Some(false));

        let s = "[P1] Cap retries (owner: lee)";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!(d.title, "Cap retries");
        assert_eq!(d.priority.as_deref(), Some("P1"));
        assert_eq!(d.owner.as_deref(), Some("lee"));

        let s = "✅ Ship the fix";
        let d = derive(&plain(s), 0, s.len());
        assert_eq!((d.title.as_str(), d.done), ("Ship the fix", Some(true)));
    }

    #[test]
    fn bold_leads() {
        let text = "HIGH Cap the queue".to_string();
        let inline = Inline {
            strong: &[(0, 4)],
            ..plain(&text)
        };
        let d = derive(&inline, 0, text.len());
        assert_eq!(d.title, "Cap the queue");
        assert_eq!(d.priority.as_deref(), Some("High"));

        let text = "Pool split: Reads get their own pool. Writes keep theirs.".to_string();
        let inline = Inline {
            strong: &[(0, 10)],
            ..plain(&text)
        };
        let d = derive(&inline, 0, text.len());
        assert_eq!(d.title, "Pool split: Reads get their own pool.");

        let text = "Add a canary stage: it catches bad configs.".to_string();
        let inline = Inline {
            strong: &[(0, 18)],
            ..plain(&text)
        };
        let d = derive(&inline, 0, text.len());
        assert_eq!(d.title, "Add a canary stage");
        assert_eq!(d.rest, "it catches bad configs.");
    }

    #[test]
    fn dates_and_statuses() {
        assert_eq!(normalize_due("May 1, 2024"), "2024-05-01");
        assert_eq!(normalize_due("next sprint"), "next sprint");
        assert_eq!(status_done("**DONE**"), Some(true));
        assert_eq!(status_done("In Progress"), Some(false));
        assert_eq!(status_done("Kevin"), None);
    }
}
