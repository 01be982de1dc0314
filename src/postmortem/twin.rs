//! Regexes with an ASCII twin: the same pattern with `\s`, `\w`, `\d` and `\b` narrowed to ASCII,
//! used whenever the text searched has no non-ASCII letter, digit, mark or space (nearly always:
//! curly quotes, dashes and emoji are fine). On such text both match exactly the same, as every
//! character is in or out of each class alike; but the Unicode classes make automata many times
//! larger, and a Unicode `\b` stops the fast DFA at the first non-ASCII byte, leaving the search
//! to an NFA simulation that costs hundreds of times more.

use std::cell::RefCell;
use std::sync::LazyLock;

use regex::Regex;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet, meta};

use super::anchored_set::AnchoredSet;

/// A non-ASCII character that Unicode `\w` or `\s` matches.
static NON_ASCII_WORD_OR_SPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[[\w\s]&&[^\x00-\x7F]]").expect("non-ASCII class regex"));

/// Whether the ASCII twin of a pattern matches `haystack` exactly as the pattern does.
fn twin_applies(haystack: &str) -> bool {
    haystack.is_ascii() || !NON_ASCII_WORD_OR_SPACE.is_match(haystack)
}

/// `\s` of the ASCII twins, on a byte: tab, line feed, vertical tab, form feed, return, space
/// (narrower than `u8::is_ascii_whitespace`, which leaves out the vertical tab).
pub(crate) fn is_space_byte(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

/// The first index at or after `i` in `b` that is not an ASCII twin's `\s` (the hand readers of
/// patterns step over `\s*` with it).
pub(crate) fn skip_space_bytes(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_space_byte(c)) {
        i += 1;
    }
    i
}

/// `\w` of the ASCII twins, on a byte: an ASCII letter, digit or `_`. In arithmetic without a
/// branch, so that a loop over a fixed-size array of bytes (`wordkeys::word_mask`) becomes a few
/// vector instructions.
pub(crate) const fn is_word_byte(c: u8) -> bool {
    let letter = (c | 0x20).wrapping_sub(b'a') < 26;
    letter | (c.wrapping_sub(b'0') < 10) | (c == b'_')
}

/// A regex and its ASCII twin; `pick` chooses by the text to search.
pub(crate) struct Twin {
    full: Regex,
    ascii: Regex,
}

impl Twin {
    /// Panics on an invalid pattern, like `Regex::new(..).expect(..)` on a constant.
    pub(crate) fn new(pattern: &str) -> Twin {
        Twin {
            full: Regex::new(pattern).expect("valid pattern"),
            ascii: Regex::new(&ascii_pattern(pattern)).expect("valid ASCII twin"),
        }
    }

    /// The regex to search `haystack` with.
    pub(crate) fn pick(&self, haystack: &str) -> &Regex {
        if twin_applies(haystack) {
            &self.ascii
        } else {
            &self.full
        }
    }

    #[inline(never)]
    pub(crate) fn is_match(&self, haystack: &str) -> bool {
        self.pick(haystack).is_match(haystack)
    }

    #[inline(never)]
    pub(crate) fn find<'h>(&self, haystack: &'h str) -> Option<regex::Match<'h>> {
        self.pick(haystack).find(haystack)
    }

    #[inline(never)]
    pub(crate) fn captures<'h>(&self, haystack: &'h str) -> Option<regex::Captures<'h>> {
        self.pick(haystack).captures(haystack)
    }

    #[inline(never)]
    pub(crate) fn captures_iter<'r, 'h>(
        &'r self,
        haystack: &'h str,
    ) -> regex::CaptureMatches<'r, 'h> {
        self.pick(haystack).captures_iter(haystack)
    }

    #[inline(never)]
    pub(crate) fn replace_all<'h>(
        &self,
        haystack: &'h str,
        rep: &str,
    ) -> std::borrow::Cow<'h, str> {
        self.pick(haystack).replace_all(haystack, rep)
    }

    pub(crate) fn as_str(&self) -> &str {
        self.full.as_str()
    }
}

/// A regex set and its ASCII twin, asked which of its patterns comes first among those that match.
/// The twin is searched from each word start through a table of its own (`AnchoredSet`), which
/// needs every match of every pattern to open at an ASCII word start (checked when it is built).
pub(crate) struct TwinSet {
    full: meta::Regex,
    ascii: AnchoredSet,
}

/// The most patterns a `TwinSet` holds (the size of the reused set of matched patterns).
const MAX_SET_PATTERNS: usize = 16;

thread_local! {
    /// The patterns a set search found, reused from search to search: `regex::RegexSet` hands
    /// back a new one from every search, an allocation per heading read.
    static FOUND: RefCell<PatternSet> = RefCell::new(PatternSet::new(MAX_SET_PATTERNS));
}

/// A set of patterns built as `regex::RegexSet::new` builds one (regex 1.x: every match of every
/// pattern reported, no capture groups, the crate's default size limits), searched through
/// regex-automata so the matched-pattern set can be reused.
fn build_set<P: AsRef<str>>(patterns: &[P]) -> meta::Regex {
    let config = meta::Config::new()
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20))
        .match_kind(MatchKind::All)
        .utf8_empty(true)
        .which_captures(WhichCaptures::None);
    meta::Builder::new()
        .configure(config)
        .syntax(syntax::Config::new().utf8(true))
        .build_many(patterns)
        .expect("valid set patterns")
}

impl TwinSet {
    /// Panics on an invalid pattern, or on one some match of which could open elsewhere than at
    /// an ASCII word start.
    pub(crate) fn new(patterns: &[String]) -> TwinSet {
        assert!(patterns.len() <= MAX_SET_PATTERNS, "too many set patterns");
        let ascii: Vec<String> = patterns.iter().map(|p| ascii_pattern(p)).collect();
        TwinSet {
            full: build_set(patterns),
            ascii: AnchoredSet::new(&ascii),
        }
    }

    /// The index of the first pattern, in the order given, that matches somewhere in `haystack`.
    pub(crate) fn first_match(&self, haystack: &str) -> Option<usize> {
        if twin_applies(haystack) {
            let matched = self.ascii.matched(haystack.as_bytes());
            return (matched != 0).then(|| matched.trailing_zeros() as usize);
        }
        FOUND.with_borrow_mut(|found| {
            found.clear();
            self.full
                .which_overlapping_matches(&Input::new(haystack), found);
            found.iter().next().map(|id| id.as_usize())
        })
    }
}

/// The set as it was searched before `AnchoredSet`: a regex set of the patterns (and one of their
/// ASCII twins), asked which patterns match in one unanchored search of the whole text. What the
/// word-start searches must agree with.
#[cfg(test)]
pub(crate) struct RegexSetReference {
    full: meta::Regex,
    ascii: meta::Regex,
}

#[cfg(test)]
impl RegexSetReference {
    pub(crate) fn new(patterns: &[String]) -> RegexSetReference {
        let ascii: Vec<String> = patterns.iter().map(|p| ascii_pattern(p)).collect();
        RegexSetReference {
            full: build_set(patterns),
            ascii: build_set(&ascii),
        }
    }

    pub(crate) fn first_match(&self, haystack: &str) -> Option<usize> {
        let set = if twin_applies(haystack) {
            &self.ascii
        } else {
            &self.full
        };
        let mut found = PatternSet::new(MAX_SET_PATTERNS);
        set.which_overlapping_matches(&Input::new(haystack), &mut found);
        found.iter().next().map(|id| id.as_usize())
    }
}

/// Rewrites `\s`, `\w`, `\d` and `\b` to their ASCII forms, inside and outside brackets.
pub(crate) fn ascii_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    // Bracket nesting, and whether the next character opens a bracket's contents (where `]` and
    // `^` are literal / negation rather than a close).
    let mut depth = 0usize;
    let mut class_start = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let at_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                out.push_str(&ascii_escape(next, depth > 0));
            }
            '[' => {
                depth += 1;
                class_start = true;
                out.push('[');
            }
            '^' if at_start => {
                class_start = true;
                out.push('^');
            }
            ']' if depth > 0 && !at_start => {
                depth -= 1;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The ASCII form of the escape `\c`, inside a bracket or not.
fn ascii_escape(c: char, in_class: bool) -> String {
    match (c, in_class) {
        ('s', true) => r"\t\n\x0B\x0C\r\x20".to_string(),
        ('w', true) => "0-9A-Za-z_".to_string(),
        ('d', true) => "0-9".to_string(),
        ('s' | 'w' | 'd' | 'b', false) => format!(r"(?-u:\{c})"),
        _ => format!(r"\{c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_bytes_are_ascii_letters_digits_and_underscore() {
        for c in 0..=255u8 {
            assert_eq!(
                is_word_byte(c),
                c.is_ascii_alphanumeric() || c == b'_',
                "{c:#x}"
            );
        }
    }

    #[test]
    fn rewrites_classes_inside_and_outside_brackets() {
        assert_eq!(
            ascii_pattern(r"\bby\s*[:=\s]?\d+[^\]\w]"),
            r"(?-u:\b)by(?-u:\s)*[:=\t\n\x0B\x0C\r\x20]?(?-u:\d)+[^\]0-9A-Za-z_]"
        );
        assert_eq!(
            ascii_pattern(r"[]\s][^]\d]\S"),
            r"[]\t\n\x0B\x0C\r\x20][^]0-9]\S"
        );
    }

    #[test]
    fn twins_agree_on_ascii_text() {
        let pattern = r"(?i)[\s,;(]*\b(due|by)\s*[:=]?\s*(\d{4}-\d{2}-\d{2}|next\s+\w+)\s*[)\]]?$";
        let twin = Twin::new(pattern);
        let full = Regex::new(pattern).expect("pattern");
        for text in [
            "Fix it by 2024-05-01",
            "Fix it (due: next week)",
            "Fix it byway 2024-05-01",
            "Fix_by 2024-05-01",
            "by\t2024-01-02 ]",
            "Ship it due 2024-5-1",
        ] {
            let a = twin
                .pick(text)
                .captures(text)
                .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect::<Vec<_>>());
            let b = full
                .captures(text)
                .map(|c| c.iter().map(|m| m.map(|m| m.range())).collect::<Vec<_>>());
            assert_eq!(a, b, "{text}");
        }
    }
}
