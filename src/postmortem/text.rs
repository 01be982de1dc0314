//! Plain-text helpers: sentence and line splitting, placeholders, and telling forward-looking
//! actions from narrative.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::trim::TrimWs;
use super::twin::Twin;
use super::wordkeys::{Initials, WordKeys};
use chrono::NaiveDate;
use regex::Regex;

/// Collapses runs of whitespace (line breaks included) into single spaces and trims.
pub(crate) fn collapse_ws(s: &str) -> String {
    collapsed(s).into_owned()
}

/// `collapse_ws` that borrows when the trimmed text is already clean (most text is), for
/// callers that only look at the result or keep it rarely.
pub(crate) fn collapsed(s: &str) -> Cow<'_, str> {
    let t = s.trim_ws();
    if is_clean(t) {
        return Cow::Borrowed(t);
    }
    // One pass over the trimmed text: each run of whitespace becomes one space (cheaper than
    // gathering `split_whitespace` words, with the same result). Read by bytes: only a
    // non-ASCII character is decoded (a few are spaces), and each run of other text is copied
    // whole, where pushing character by character encoded every one again.
    let bytes = t.as_bytes();
    let mut out = String::with_capacity(t.len());
    let mut push_run = |run: &str| push_spaced(&mut out, run);
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let space_len = match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => 1,
            // A UTF-8 lead byte: the character it starts may be a space.
            0xc0.. => match t.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) if c.is_whitespace() => c.len_utf8(),
                _ => 0,
            },
            _ => 0,
        };
        if space_len == 0 {
            i += 1;
        } else {
            push_run(t.get(run_start..i).unwrap_or_default());
            i += space_len;
            run_start = i;
        }
    }
    push_run(t.get(run_start..).unwrap_or_default());
    Cow::Owned(out)
}

/// Appends `run` to `out`, after a single space unless `out` is empty; an empty run adds
/// nothing. Runs without whitespace at their ends, pushed in turn, make their whitespace-collapsed
/// join.
pub(crate) fn push_spaced(out: &mut String, run: &str) {
    if !run.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(run);
    }
}

/// `collapse_ws` for a string the caller owns: clean text is handed back without a copy.
pub(crate) fn collapse_ws_owned(s: String) -> String {
    if s.trim_ws().len() == s.len() && is_clean(&s) {
        s
    } else {
        collapse_ws(&s)
    }
}

/// No whitespace but single ASCII spaces (non-ASCII characters are decoded: a few are spaces).
fn is_clean(t: &str) -> bool {
    // Nearly all text has no control byte, no non-ASCII character and no double space: a screen
    // without a loop over odd bytes settles it; anything else is read character by character.
    let bytes = t.as_bytes();
    if plain_and_single_spaced(bytes) {
        return true;
    }
    // Most text the screen turns away is a paragraph of several lines: its first line break
    // settles it, found by a vector search rather than the byte loop below.
    if memchr::memchr(b'\n', bytes).is_some() {
        return false;
    }
    let mut after_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        let bad = if b >= 0xc0 {
            // A UTF-8 lead byte: the character it starts may be a Unicode space.
            t.get(i..)
                .and_then(|rest| rest.chars().next())
                .is_none_or(char::is_whitespace)
        } else {
            matches!(b, b'\n' | b'\t' | b'\r' | 0x0b | 0x0c) || (b == b' ' && after_space)
        };
        if bad {
            return false;
        }
        after_space = b == b' ';
    }
    true
}

/// Whether every byte of `bytes` is in `0x20..0xc0` (printable ASCII or a UTF-8 continuation
/// byte) and no two spaces stand side by side. Read in fixed-size windows that overlap by a
/// byte, so every pair of neighbours is in one of them and no loop runs over odd bytes (its exit
/// mispredicted on every short title and cell): 33-byte windows, which the compiler vectorizes,
/// on long text; four 8-byte words on text of 8 to 32 bytes; one padded word below that.
fn plain_and_single_spaced(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len >= 33 {
        let usual = |b: u8| (0x20..0xc0).contains(&b);
        let window_flagged = |start: usize| {
            let Some(w) = bytes.get(start..start + 33) else {
                return true;
            };
            w.iter().zip(&w[1..]).fold(false, |seen, (&a, &b)| {
                seen | !usual(a) | (a == b' ' && b == b' ')
            })
        };
        // The last byte is never the first of a pair: tested apart.
        return bytes.last().is_some_and(|&b| usual(b))
            && !(0..len - 33).step_by(32).any(window_flagged)
            && !window_flagged(len - 33);
    }
    if len >= 8 {
        return [0, 7, 14, 21, len - 8]
            .into_iter()
            .all(|at| word_plain_and_single_spaced(word_at(bytes, at)));
    }
    // Padded with a letter, which is plain and no space.
    let mut padded = [b'a'; 8];
    padded[..len].copy_from_slice(bytes);
    word_plain_and_single_spaced(u64::from_le_bytes(padded))
}

/// The little-endian word of the 8 bytes at `at`, or of the last 8 when fewer follow: the
/// windows of `has_digit` and `plain_and_single_spaced` on text of 8 to 32 bytes, which overlap
/// where the text is short (reading a byte twice changes neither answer). 0 on text shorter than
/// 8 bytes, which neither asks about.
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let at = at.min(bytes.len().saturating_sub(8));
    bytes
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

/// A word with 1 in each byte, and with each byte's high bit: the bit tests on 8 bytes at once.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `plain_and_single_spaced` of the 8 bytes of `word` (little-endian), by the classic bit tests:
/// a byte below `0x20`, a byte with both top bits set (`0xc0` and up), two adjacent spaces.
fn word_plain_and_single_spaced(word: u64) -> bool {
    // Exact for whether any byte is below the bound (flags above a true one may be spurious).
    let below_space = word.wrapping_sub(0x20 * ONES) & !word & HIGH;
    let lead_byte = word & (word << 1) & HIGH;
    // Exact per byte: the high bit of each byte that equals a space.
    let x = word ^ (u64::from(b' ') * ONES);
    let spaces = !(((x & !HIGH) + !HIGH) | x) & HIGH;
    let double_space = spaces & (spaces >> 8);
    below_space | lead_byte | double_space == 0
}

/// `s.split('\n')`, with the line ends found by a vectorized search (the standard library's
/// byte search reads a word at a time; the timeline and statement passes split every paragraph).
pub(crate) fn split_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', s.as_bytes());
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let line = match ends.next() {
            Some(end) => {
                let line = &s[start..end];
                start = end + 1;
                line
            }
            None => {
                done = true;
                &s[start..]
            }
        };
        Some(line)
    })
}

/// Whether `s` holds an ASCII digit. The timeline pass asks this of every line of a document,
/// so it reads fixed-size windows (which the compiler vectorizes and that need no loop over odd
/// bytes, whose exit mispredicted on every short line): whole 32-byte windows and one more
/// ending at the last byte, or four overlapping 8-byte words on shorter text. Overlaps read a
/// byte twice, which cannot change the answer.
pub(crate) fn has_digit(s: &str) -> bool {
    let bytes = s.as_bytes();
    let len = bytes.len();
    if len >= 32 {
        let window_has_digit = |w: &[u8]| w.iter().fold(false, |seen, b| seen | b.is_ascii_digit());
        return bytes.chunks_exact(32).any(window_has_digit)
            || window_has_digit(&bytes[len - 32..]);
    }
    if len >= 8 {
        return [0, 8, 16, len - 8]
            .into_iter()
            .any(|at| word_has_digit(word_at(bytes, at)));
    }
    bytes.iter().any(u8::is_ascii_digit)
}

/// Whether some byte of `word` is an ASCII digit: whether some byte of `word` XOR `0` is below
/// 10, by the classic test for a byte below a bound (exact for whether any byte is).
fn word_has_digit(word: u64) -> bool {
    let shifted = word ^ (u64::from(b'0') * ONES);
    shifted.wrapping_sub(10 * ONES) & !shifted & HIGH != 0
}

/// `Some(date)` when `t` is exactly `YYYY-MM-DD` (`Some(None)` for a day that does not exist),
/// read directly: chrono's `%Y-%m-%d` reads such text the same way, at many times the cost.
/// `None` for any other shape, which only chrono can judge.
pub(crate) fn iso_date(t: &str) -> Option<Option<NaiveDate>> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    Some(
        i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
    )
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "eg", "ie", "ex", "etc", "vs", "approx", "incl", "mr", "mrs", "ms", "dr", "st",
    "no", "fig", "cf", "al", "resp", "min", "max", "sec", "hr", "hrs", "est", "dept", "inc", "ltd",
    "co", "jr", "sr", "v", "ver",
];

/// Byte index where the first sentence of `s` ends (exclusive), or `s.len()`.
///
/// A sentence ends at `.`, `!` or `?` followed by whitespace and then an uppercase letter, or at
/// such punctuation followed by a line break. Abbreviations (`e.g.`, `etc.`) and version numbers
/// do not end sentences.
pub(crate) fn first_sentence_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut from = 0;
    // Jump from one `.`, `!` or `?` to the next (a vectorized search) rather than stepping
    // through every byte: paragraphs can be long.
    while let Some(found) = bytes
        .get(from..)
        .and_then(|rest| memchr::memchr3(b'.', b'!', b'?', rest))
    {
        let i = from + found;
        let b = bytes[i];
        let mut j = i + 1;
        // Closing quotes and brackets belong to the sentence.
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']' | b'*' | b'_') {
            j += 1;
        }
        let ws_start = j;
        let mut saw_newline = false;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            saw_newline |= bytes[j] == b'\n';
            j += 1;
        }
        if j > ws_start && (b != b'.' || !is_abbreviation(&s[..i])) {
            if j >= bytes.len() {
                return ws_start;
            }
            let next = s[j..].chars().next().unwrap_or(' ');
            if saw_newline || next.is_uppercase() || next == '"' || next == '“' {
                return ws_start;
            }
        }
        from = j.max(i + 1);
    }
    s.len()
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_alphabetic()
    {
        return true;
    }
    ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a))
}

/// Splits a paragraph into statements where a line break follows the end of a sentence and the
/// next line starts with a capital letter: teams often write one action per line without bullets.
/// Lazily: most paragraphs are one statement, and a list of one cost an allocation each.
pub(crate) fn statement_lines(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let mut offset = 0;
    let mut lines = split_lines(s).peekable();
    std::iter::from_fn(move || {
        while let Some(line) = lines.next() {
            let line_end = offset + line.len();
            offset = line_end + 1;
            let ends_sentence = {
                let t = line.trim_end_ws().trim_end_matches(['"', '\'', ')', '*']);
                t.ends_with(['.', '!', '?'])
            };
            let next_starts_upper = lines
                .peek()
                .and_then(|n| n.trim_start_ws().chars().next())
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
            if lines.peek().is_none() || (ends_sentence && next_starts_upper) {
                let piece_start = start;
                let piece = &s[start..line_end];
                start = line_end + 1;
                if !piece.trim_ws().is_empty() {
                    return Some((piece_start, piece));
                }
            }
        }
        None
    })
}

/// A new alternative may need its first word in `opens_like_placeholder`.
static PLACEHOLDER: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)^(
            none(\s+(yet|so\s+far|identified|at\s+this\s+time))?
          | n/?a | tbd | tba | todo | nothing(\s+yet)? | fill\s+(me\s+)?in | to\s+be\s+(decided|determined|filled(\s+in)?)
          | todo:?\s*fill\s+(me\s+)?in.* | \.\.\.+ | -+ | —+ | …
          | lorem\s+ipsum.* | \[?\s*action\s+item\s*\]?
        )\.?$",
    )
});

static BRACED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\{[^}]*\}|^<[^>]*>$|\{[^}]{12,}\}").expect("braced regex"));

/// Template placeholders and empty markers that are not items: `{describe...}`, "None.", "TBD".
pub(crate) fn is_placeholder(title: &str) -> bool {
    let t = title.trim_ws();
    if t.is_empty() || !t.chars().any(|c| c.is_alphanumeric()) {
        return true;
    }
    (t.len() <= 48 && opens_like_placeholder(t) && PLACEHOLDER.is_match(t))
        || ((memchr::memchr(b'{', t.as_bytes()).is_some() || t.starts_with('<'))
            && BRACED.is_match(t))
}

/// Whether `t` opens the way every `PLACEHOLDER` match does: with `.` or `-`, a non-ASCII
/// character (a dash, an ellipsis), or one of the first words of its alternatives ("none",
/// "n/a", "tbd", "fill in", "lorem", "[action item]"...). None of those words holds a letter
/// that a non-ASCII character case-folds to (only `k` and `s` have one), so comparing ASCII
/// letters is exact.
fn opens_like_placeholder(t: &str) -> bool {
    const FIRST_WORDS: [&str; 11] = [
        "none", "n", "na", "tbd", "tba", "todo", "nothing", "fill", "to", "lorem", "action",
    ];
    match t.chars().next() {
        None => false,
        Some(c) if !c.is_ascii() || c == '.' || c == '-' => true,
        Some(_) => {
            let rest = t.strip_prefix('[').map_or(t, str::trim_start);
            // Most text is settled by its first byte, without reading the word or comparing
            // the list.
            const INITIALS: Initials = Initials::of(&FIRST_WORDS);
            if !rest.as_bytes().first().is_some_and(|&b| INITIALS.has(b)) {
                return false;
            }
            let word = &rest[..rest.bytes().take_while(u8::is_ascii_alphabetic).count()];
            FIRST_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
        }
    }
}

/// Base-form verbs that open an imperative action item ("Add alerts", "Document the process").
const ACTION_VERBS: &[&str] = &[
    "add",
    "adopt",
    "alert",
    "align",
    "allow",
    "analyse",
    "analyze",
    "announce",
    "ask",
    "assess",
    "assign",
    "audit",
    "automate",
    "avoid",
    "backport",
    "build",
    "bump",
    "change",
    "check",
    "clarify",
    "clean",
    "communicate",
    "conduct",
    "configure",
    "confirm",
    "consider",
    "consolidate",
    "contact",
    "create",
    "decide",
    "define",
    "deploy",
    "deprecate",
    "design",
    "detect",
    "determine",
    "develop",
    "disable",
    "discuss",
    "document",
    "double-check",
    "draft",
    "educate",
    "enable",
    "encourage",
    "enforce",
    "ensure",
    "escalate",
    "establish",
    "evaluate",
    "expand",
    "explore",
    "expose",
    "extend",
    "figure",
    "file",
    "find",
    "fix",
    "follow",
    "gather",
    "get",
    "harden",
    "have",
    "identify",
    "implement",
    "improve",
    "include",
    "increase",
    "instrument",
    "integrate",
    "introduce",
    "investigate",
    "isolate",
    "keep",
    "label",
    "learn",
    "limit",
    "log",
    "look",
    "lower",
    "maintain",
    "make",
    "measure",
    "merge",
    "migrate",
    "minimise",
    "minimize",
    "monitor",
    "move",
    "notify",
    "open",
    "patch",
    "pin",
    "plan",
    "practice",
    "prepare",
    "prevent",
    "prioritise",
    "prioritize",
    "produce",
    "provide",
    "publish",
    "raise",
    "re-evaluate",
    "reach",
    "reconsider",
    "reduce",
    "refactor",
    "remove",
    "rename",
    "replace",
    "report",
    "require",
    "research",
    "rethink",
    "review",
    "revise",
    "revisit",
    "rewrite",
    "run",
    "scale",
    "schedule",
    "script",
    "separate",
    "set",
    "setup",
    "share",
    "show",
    "simplify",
    "specify",
    "split",
    "standardise",
    "standardize",
    "start",
    "stop",
    "store",
    "streamline",
    "study",
    "support",
    "switch",
    "tag",
    "talk",
    "teach",
    "test",
    "tighten",
    "track",
    "train",
    "translate",
    "triage",
    "try",
    "tune",
    "understand",
    "unify",
    "update",
    "upgrade",
    "use",
    "validate",
    "verify",
    "write",
];

/// The length of the longest of `ACTION_VERBS` ("double-check").
const LONGEST_VERB: usize = 12;

fn first_word(s: &str) -> &str {
    s.trim_start_matches(|c: char| !c.is_alphanumeric())
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .next()
        .unwrap_or("")
}

/// Whether `s` opens with an imperative verb ("Add ...", "Make sure ...").
pub(crate) fn starts_with_action_verb(s: &str) -> bool {
    let word = first_word(s);
    if !word.is_ascii() {
        // Unicode lowercasing can turn a non-ASCII letter into an ASCII one (Kelvin sign → k).
        return ACTION_VERBS
            .binary_search(&word.to_lowercase().as_str())
            .is_ok();
    }
    if word.len() > LONGEST_VERB {
        return false;
    }
    // ASCII: lowercase on the stack rather than in a new String.
    let mut buf = [0u8; LONGEST_VERB];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    ACTION_VERBS
        .binary_search_by(|v| v.as_bytes().cmp(lower))
        .is_ok()
}

static FORWARD: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)
        ^(we\s+|i\s+|the\s+team\s+|you\s+)?(really\s+)?(need|needs)\s+to\b
      | ^(we|the\s+team)\s+(should|must|will|shall|plan|want|intend|are\s+going)\b
      | ^(should|must)\s+\w
      | ^follow[\s-]+up\b
      | ^make\s+sure\b
      | ^todo\b
      | \b(we|team|i)\s+(really\s+)?(need|needs)\b
      | \b(we|team)\s+(should|must)\s+\w
      | \bwe('ll|’ll|\s+will)\s+\w
      | \b(needs|need)\s+to\s+be\b
      | \bshould\s+(be|include|have\s+(a|an|the)\b|run|use|check|test|exclude|never|always|not)\b
      | \bit\s+would\s+be\s+(good|nice|great|better)\b
    ",
    )
});

/// Whether a line reads as a commitment or to-do rather than an account of what happened.
pub(crate) fn is_forward_looking(s: &str) -> bool {
    let t = s.trim_ws();
    // Hindsight ("should have been caught") and vague promises are not to-dos.
    let t = if RETROSPECTIVE_KEYS.any_in(t) {
        RETROSPECTIVE.replace_all(t, " ")
    } else {
        Cow::Borrowed(t)
    };
    (FORWARD_KEYS.any_in(&t) && FORWARD.is_match(&t)) || starts_with_action_verb(&t) || will_act(&t)
}

/// Every alternative of `FORWARD` holds one of these words at a word start (after `^`, `\b` or
/// `\s`), so text without one cannot match. A document without headings asks this of each of
/// its lines, most of them narrative that holds none.
const FORWARD_KEYS: WordKeys<14> = WordKeys::new([
    "are", "follow", "intend", "make", "must", "need", "plan", "shall", "should", "todo", "want",
    "we", "will", "would",
]);

/// Every alternative of `RETROSPECTIVE` ends in one of these words after `\s`.
const RETROSPECTIVE_KEYS: WordKeys<3> = WordKeys::new(["continue", "have", "making"]);

/// Whether `s` holds "will " in any ASCII case: exactly when its Unicode lowercasing holds
/// "will " (the only characters that lowercase to an ASCII letter are the Kelvin sign, to `k`,
/// and `İ`, to `i` followed by a combining dot, which cannot precede `l`).
fn holds_will(s: &str) -> bool {
    let bytes = s.as_bytes();
    memchr::memchr2_iter(b'w', b'W', bytes).any(|at| {
        bytes
            .get(at + 1..at + 5)
            .is_some_and(|rest| rest.eq_ignore_ascii_case(b"ill "))
    })
}

/// "... will stop retrying", "... will add": a future action, unlike "will be 3 seconds".
fn will_act(s: &str) -> bool {
    if !holds_will(s) {
        return false;
    }
    let lower = s.to_lowercase();
    lower
        .match_indices("will ")
        .any(|(i, m)| starts_with_action_verb(&lower[i + m.len()..]))
}

/// A new alternative needs its word in `INTRO_KEYS` and a phrase in the screen's test.
static INTRO: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)\b(the\s+following|as\s+follows|listed\s+below|see\s+below
          | (two|three|four|five|six|several|a\s+few|some|these|a\s+number\s+of)\s+(more\s+)?(things|changes|steps|actions|items|improvements|areas|safeguards|measures)
        )\b",
    )
});

/// Whether a prose line only introduces the actions that follow ("We are changing three things.").
pub(crate) fn is_intro(s: &str) -> bool {
    INTRO_KEYS.any_in(s) && INTRO.is_match(s)
}

/// Every alternative of `INTRO` ends in one of these words at a word start (after `\s` or
/// `\b`), so text without one cannot match. A regex search costs far more than its instruction
/// count on prose this rare: each distinct pattern's automaton is out of the cache by its next
/// use.
const INTRO_KEYS: WordKeys<11> = WordKeys::new([
    "action", "area", "below", "change", "follow", "improvem", "item", "measure", "safeguar",
    "step", "thing",
]);

static PAST: LazyLock<Twin> = LazyLock::new(|| Twin::new(r"(?i)\b(was|were|did|had)\b"));

/// Whether a line is told in the past tense ("... was down and needs to be restarted").
pub(crate) fn is_past(s: &str) -> bool {
    PAST.is_match(s)
}

static RETROSPECTIVE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(should|could|would|must|might)\s+(not\s+)?have\b|\bwe('ll|’ll|\s+will)\s+(be\s+making|continue)\b",
    )
});

static NARRATIVE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)
        ^(the|a|an|this|that|it|there|these|those|our)\b[^.]*?\b(was|were|had\s+been|has\s+been|have\s+been)\s+\w+(ed|en|t)\b
      | ^(we|they|he|she|i)\s+(did|had|were|was)\b
    ",
    )
});

/// Whether a line recounts what happened ("The cookie was rescoped ...").
pub(crate) fn is_narrative(s: &str) -> bool {
    NARRATIVE.is_match(s.trim_ws())
}

/// A new alternative needs its word in `ASIDE_KEYS` and a phrase in the screen's test.
static ASIDE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)
        ^(thanks|thank\s+you|many\s+thanks|huge\s+thanks|big\s+thanks|kudos|shout[\s-]?outs?|cheers|apologies|sorry)\b
      | ^(again|finally|and)\s*,?\s+(thanks|thank\s+you)\b
      | \bnot\s+(tracked|duplicated|captured|filed)\s+(here|in\s+this)\b
      | \b(not|won'?t\s+be|will\s+not\s+be)\s+tracked\s+(here|in\s+this|as\s+an?\s+)
      | \bout\s+of\s+scope\b
      | \balready\s+tracked\s+(by|in|elsewhere|separately)\b
      | \btracked\s+(elsewhere|separately)\b
      | ^open\s+questions?\b
      | ^(next|the\s+next)\s+(review|sync|meeting|retro|check[\s-]?in|call)\b
      | \b(review|meeting|sync|retro|stand[\s-]?up|call)\s+(moves|moved|is\s+moving|will\s+move|is\s+rescheduled)\b
      | \brevisit\s+(this|these|the)\s+(list|items|actions|action\s+items)\b
      | \b(come|get)\s+back\s+(to\s+(this|it)\s+)?at\s+the\s+next\b
    ",
    )
});

/// Whether a line is an aside a reader would not track: thanks, meeting logistics, or a remark
/// the document itself marks as untracked, out of scope or an open question.
pub(crate) fn is_aside(s: &str) -> bool {
    let t = s.trim_ws();
    !t.is_empty() && ASIDE_KEYS.any_in(t) && ASIDE.is_match(t)
}

/// Every alternative of `ASIDE` holds one of these words at a word start (after `^`, `\b` or
/// `\s`), so text without one cannot match.
const ASIDE_KEYS: WordKeys<16> = WordKeys::new([
    "apolog", "captur", "cheers", "duplicat", "filed", "kudos", "mov", "next", "question",
    "resched", "revisit", "scope", "shout", "sorry", "thank", "tracked",
]);

static REVIEW_STEP: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)^[^.;]{0,80}?\b(reviewed|approved|signed[\s-]?off|agreed|confirmed|verified|filled\s+in|attached|linked|circulated|acknowledged|read)\b
        (\s+(by|with|in|on|at)\b[^.;]*)?[.;]?$",
    )
});

/// Whether a checklist line records a review step done on the document ("Timeline reviewed by
/// all responders", "Sign-off: IC approved") rather than work to do.
pub(crate) fn is_review_step(s: &str) -> bool {
    let t = s.trim_ws();
    !starts_with_action_verb(t) && REVIEW_STEP.is_match(t)
}

/// Text of up to five words from `words`, each after a separator from `separators`: what
/// the screen property tests (here, in `sections` and in `timeline`) feed a pattern and its
/// word screen.
#[cfg(test)]
pub(crate) fn phrase(
    words: Vec<&'static str>,
    separators: Vec<&'static str>,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    proptest::collection::vec(
        (
            proptest::sample::select(words),
            proptest::sample::select(separators),
        ),
        0..6,
    )
    .prop_map(|parts| parts.iter().flat_map(|(w, sep)| [*sep, *w]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_matches_splitting_on_whitespace() {
        for s in [
            "a  b",
            "  lead\nand\t\ttrail \r\n",
            "one\x0Bvt\x0Cff",
            "x",
            "",
            "   ",
            "non\u{a0}breaking\u{2003}\u{2003}em ÉQUIPE\u{3000}",
        ] {
            assert_eq!(
                collapse_ws(s),
                s.split_whitespace().collect::<Vec<_>>().join(" "),
                "{s:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn has_digit_agrees_with_a_byte_scan(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'0', b'9', b'/', b':', b'a', b' ', 0x00, 0xb0, 0xb9, 0xff]),
                0..80,
            )
        ) {
            let text = String::from_utf8_lossy(&bytes);
            proptest::prop_assert_eq!(
                has_digit(&text),
                text.bytes().any(|b| b.is_ascii_digit()),
                "{:?}",
                text
            );
        }

        #[test]
        fn word_digit_test_agrees_with_a_byte_scan(word in proptest::num::u64::ANY) {
            proptest::prop_assert_eq!(
                word_has_digit(word),
                word.to_le_bytes().iter().any(u8::is_ascii_digit)
            );
        }
    }

    #[test]
    fn word_digit_test_reads_every_byte_value_in_every_place() {
        for filler in [0x00u8, b'a', b'/', b':', 0xb0, 0xff] {
            for place in 0..8 {
                for b in 0..=255u8 {
                    let mut bytes = [filler; 8];
                    bytes[place] = b;
                    assert_eq!(
                        word_has_digit(u64::from_le_bytes(bytes)),
                        b.is_ascii_digit(),
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Collapsing gives what splitting on whitespace and joining with single spaces gives,
        /// and trimmed text is clean exactly when collapsing leaves it as it is.
        #[test]
        fn collapse_agrees_with_split_whitespace(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "word", " ", "  ", "\n", "\t", "\u{a0}", "é", "\u{2003}", "-",
                    // Long enough to put a pair of spaces across the 64-byte chunks.
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                ]),
                0..12,
            )
        ) {
            let s = parts.concat();
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(collapse_ws(&s), expected.clone(), "{:?}", s);
            // `is_clean` is asked of trimmed text.
            let t = s.trim_ws();
            proptest::prop_assert_eq!(is_clean(t), t == expected, "{:?}", t);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        /// The windowed screen reads every byte and every pair of neighbours, at every length.
        #[test]
        fn plain_and_single_spaced_agrees_with_a_byte_scan(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![
                    b'a', b'a', b'a', b' ', b' ', 0x1f, 0x21, 0x7f, 0x80, 0xbf, 0xc0, 0xff, 0x00,
                ]),
                0..100,
            )
        ) {
            let plain = bytes.iter().all(|&b| (0x20..0xc0).contains(&b))
                && !bytes.windows(2).any(|w| w == b"  ");
            proptest::prop_assert_eq!(plain_and_single_spaced(&bytes), plain, "{:?}", bytes);
        }
    }

    #[test]
    fn flaws_at_every_place_are_seen() {
        for len in 0..80 {
            let clean = "a".repeat(len);
            assert!(plain_and_single_spaced(clean.as_bytes()), "{len}");
            for at in 0..len {
                for flaw in [0x1f_u8, 0xc0, 0xff] {
                    let mut b = clean.clone().into_bytes();
                    b[at] = flaw;
                    assert!(!plain_and_single_spaced(&b), "{len} {at} {flaw:#x}");
                }
                if at + 1 < len {
                    let mut b = clean.clone().into_bytes();
                    b[at] = b' ';
                    b[at + 1] = b' ';
                    assert!(!plain_and_single_spaced(&b), "{len} {at} double space");
                    b[at + 1] = b'a';
                    assert!(plain_and_single_spaced(&b), "{len} {at} single space");
                }
            }
        }
    }

    #[test]
    fn digits_anywhere() {
        assert!(has_digit("at 3pm"));
        assert!(has_digit(&format!("{}9", "x".repeat(70))));
        assert!(!has_digit("no numbers here, only words and ½ ٣"));
        assert!(!has_digit(""));
    }

    #[test]
    fn verbs_are_sorted_for_binary_search() {
        let mut sorted = ACTION_VERBS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, ACTION_VERBS);
        let longest = ACTION_VERBS.iter().map(|v| v.len()).max();
        assert_eq!(longest, Some(LONGEST_VERB));
    }

    #[test]
    fn sentences_end_at_capitals_and_line_breaks() {
        let cases = [
            ("Fix it. Then test.", "Fix it."),
            ("Use e.g. a cron job. Later", "Use e.g. a cron job."),
            ("Pin to v1.2. Done", "Pin to v1.2."),
            ("Patch prod. (ex. home)", "Patch prod. (ex. home)"),
            ("Add a check.\nthen more", "Add a check."),
            (
                "Wrapped line\ncontinues here",
                "Wrapped line\ncontinues here",
            ),
            ("Is this needed? Yes", "Is this needed?"),
        ];
        for (input, want) in cases {
            assert_eq!(&input[..first_sentence_end(input)], want, "{input}");
        }
    }

    #[test]
    fn statement_lines_split_only_after_sentence_ends() {
        let got: Vec<_> = statement_lines("Add tests.\nShip it.\nwrapped\ntext").collect();
        assert_eq!(got, [(0, "Add tests."), (11, "Ship it.\nwrapped\ntext")]);
        let got: Vec<_> = statement_lines("Fix A.\nFix B.\n2. Fix C.").collect();
        assert_eq!(got, [(0, "Fix A."), (7, "Fix B."), (14, "2. Fix C.")]);
        assert_eq!(statement_lines("   ").count(), 0);
        assert_eq!(statement_lines("").count(), 0);
    }

    #[test]
    fn placeholders() {
        for p in [
            "",
            "None.",
            "{link to issues}",
            "TBD",
            "-",
            "TODO: fill in",
            "n/a",
        ] {
            assert!(is_placeholder(p), "{p:?}");
        }
        for p in ["Add alerts", "None of the alerts fired; add one"] {
            assert!(!is_placeholder(p), "{p:?}");
        }
    }

    #[test]
    fn forward_looking_versus_narrative() {
        for s in [
            "We need a better runbook",
            "Need to see if it repeats",
            "Follow up on whether the alerts fired",
            "Ensure we script manual steps",
            "Track timings of events",
            "We should add paging",
        ] {
            assert!(is_forward_looking(s), "{s}");
        }
        for s in [
            "Bess removed the account",
            "Read-only mode",
            "The deploy was rolled back",
            "This should have been caught in review",
        ] {
            assert!(!is_forward_looking(s), "{s}");
        }
        assert!(is_narrative("The cookie was rescoped so it expires"));
        assert!(!is_narrative("Limit memory for builds"));
    }

    #[test]
    fn asides_and_review_steps() {
        for s in [
            "Thanks for bearing with us while we fixed this.",
            "Next sync moves to Wednesday",
            "We will revisit this list at the monthly ops review",
            "Moving to a new vendor came up; out of scope for this retro",
            "Open question from Ana: keep the old dashboards?",
            "Rotate the keys (discussed with security, not tracked here)",
        ] {
            assert!(is_aside(s), "{s}");
        }
        for s in [
            "Add a thank-you note to the status page template",
            "Track spool size",
        ] {
            assert!(!is_aside(s), "{s}");
        }
        // Non-ASCII text goes through the word screen, case-insensitively.
        assert!(is_aside("KUDOS à l’équipe d’astreinte"));
        assert!(is_aside("Réunion: retro MOVED to Friday"));
        assert!(!is_aside("Corriger l’alerte de débit"));
        // The Kelvin sign folds to k: "\u{212A}udos" is "kudos" to the pattern.
        assert!(is_aside("\u{212A}udos à l’équipe"));
        assert!(is_review_step("Timeline reviewed by all responders"));
        assert!(is_review_step("Sign-off: IC approved"));
        assert!(!is_review_step("Review the timeline with all responders"));
        assert!(!is_review_step("Add an alert on spool depth"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The word screen never turns away a line the pattern calls an aside.
        #[test]
        fn aside_screen_passes_every_aside(
            text in phrase(
                vec![
                    "thanks", "Thank you", "many thanks", "again, thanks", "kudos",
                    "shout-outs", "cheers", "apologies", "SORRY", "not tracked here",
                    "not duplicated in this", "not captured here", "not filed here",
                    "won't be tracked as an", "will not be tracked here", "out of scope",
                    "already tracked by", "tracked elsewhere", "open questions",
                    "the next review", "next sync", "review moved", "call is moving",
                    "retro is rescheduled", "revisit these items", "come back at the next",
                    "get back to it at the next", "remove", "movement", "context", "x",
                    "\u{212A}udos", "ſorry", "é", "_",
                ],
                vec!["", " ", "  ", "\n", "\u{a0}", "-", ",", "’"],
            )
        ) {
            let t = text.trim_ws();
            if ASIDE.is_match(t) {
                proptest::prop_assert!(ASIDE_KEYS.any_in(t), "{:?}", t);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The word screens never turn away a line `FORWARD` or `RETROSPECTIVE` matches.
        #[test]
        fn forward_screens_pass_every_match(
            text in phrase(
                vec![
                    "we", "We really need to", "I need to", "the team", "you", "needs to",
                    "need to be", "should", "MUST", "will", "shall", "plan", "want",
                    "intend", "are going", "follow-up", "Follow up", "make sure", "todo",
                    "team", "we'll", "we’ll", "should have", "could not have",
                    "would have", "might have", "will be making", "continue", "it would be",
                    "good", "better", "include", "have a", "check", "x", "\u{212A}", "ſhould",
                    "é", "_", "were", "weekly",
                ],
                vec!["", " ", "  ", "\n", "\u{a0}", "-", ",", "."],
            )
        ) {
            if FORWARD.is_match(&text) {
                proptest::prop_assert!(FORWARD_KEYS.any_in(&text), "{:?}", text);
            }
            if RETROSPECTIVE.is_match(&text) {
                proptest::prop_assert!(RETROSPECTIVE_KEYS.any_in(&text), "{:?}", text);
            }
        }

        /// `holds_will` answers as the lowercased text's search for "will " does.
        #[test]
        fn holds_will_is_lowercase_search(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "w", "W", "i", "I", "\u{130}", "l", "L", " ", "\u{a0}", "will", "WILL ",
                    "wİll ", "\u{212A}", "é", "ill ",
                ]),
                0..10,
            )
        ) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(
                holds_will(&text),
                text.to_lowercase().contains("will "),
                "{:?}",
                text
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn intro_screen_passes_every_intro(
            text in phrase(
                vec![
                    "the following", "As Follows", "listed below", "see below", "two",
                    "three more", "several", "a few", "some", "these", "a number of",
                    "things", "changes", "STEPS", "actions", "items", "improvements",
                    "areas", "safeguards", "measures", "following", "belong", "x",
                    "\u{212A}", "ſteps", "é", "_",
                ],
                vec!["", " ", "  ", "\n", "\u{a0}", "-", ",", "."],
            )
        ) {
            if INTRO.is_match(&text) {
                proptest::prop_assert!(INTRO_KEYS.any_in(&text), "{:?}", text);
            }
        }
    }

    /// The opening screen passes every title `PLACEHOLDER` matches, on each alternative's
    /// opening joined to each ending, in three cases.
    #[test]
    fn placeholder_screen_passes_every_placeholder() {
        let openings = [
            "none",
            "n/a",
            "na",
            "tbd",
            "tba",
            "todo",
            "todo:",
            "nothing",
            "fill",
            "to",
            "lorem",
            "action",
            "[action",
            "[ action",
            "[\u{a0}action",
            "...",
            "-",
            "—",
            "…",
            "add",
            "tod",
            "non",
            "",
            "[",
            "é",
        ];
        let endings = [
            "",
            ".",
            " yet",
            " so far",
            " identified",
            " at this time",
            " in",
            " me in",
            " be decided",
            " be determined",
            " be filled in",
            " fill in",
            " fill me in later",
            " ipsum dolor",
            " item",
            " item]",
            "--",
            "..",
            "—",
            " x",
        ];
        for a in openings {
            for b in endings {
                let title = format!("{a}{b}");
                for t in [title.clone(), title.to_uppercase(), title.to_lowercase()] {
                    let t = t.trim_ws();
                    if PLACEHOLDER.is_match(t) {
                        assert!(opens_like_placeholder(t), "{t:?}");
                    }
                }
            }
        }
        assert!(is_placeholder("TBD"));
        assert!(is_placeholder("[Action item]"));
        assert!(!is_placeholder("Add a canary for the config push"));
    }

    #[test]
    fn lines_split_like_the_standard_library() {
        for s in [
            "",
            "\n",
            "a",
            "a\n",
            "\na\n\nb",
            "one\ntwo\r\nthree",
            &"x\n".repeat(70),
        ] {
            assert_eq!(
                split_lines(s).collect::<Vec<_>>(),
                s.split('\n').collect::<Vec<_>>(),
                "{s:?}"
            );
        }
    }
}
