//! `fields::TRACKER_URL` read by hand on ASCII text: one pass over the URL's first run of
//! non-space characters, trying the pattern's five endings wherever they can start.
//!
//! The pattern, for reference (case-insensitive):
//! `^https?://\S*?(/(issues|pull|pulls|merge_requests)(/\d+)?\b|/browse/[A-Z][A-Z0-9]+-\d+|show_bug\.cgi\?id=\d+|crbug\.com/\d+|/tickets?/\d+)`.
//! Only whether it matches is needed, which makes `(/\d+)?` moot (a `/` after the word is a
//! word boundary anyway) and lets each ending be tested on its own.

use super::twin::{is_space_byte, is_word_byte};

/// Whether `url` matches the tracker pattern: `Some(false)` for text not opening with "http"
/// (most link targets and words; no non-ASCII character case-folds to `h`, `t` or `p`), the
/// answer for other ASCII text, and `None` for other text, where the pattern's Unicode classes
/// and case folding decide.
pub(crate) fn matches(url: &str) -> Option<bool> {
    let b = url.as_bytes();
    let Some(scheme) = b.get(..4).filter(|s| s.eq_ignore_ascii_case(b"http")) else {
        return Some(false);
    };
    if !url.is_ascii() {
        return None;
    }
    let mut at = scheme.len();
    if b.get(at).is_some_and(|c| c.eq_ignore_ascii_case(&b's')) {
        at += 1;
    }
    if !b[at..].starts_with(b"://") {
        return Some(false);
    }
    let start = at + 3;
    let end = b[start..]
        .iter()
        .position(|&c| is_space_byte(c))
        .map_or(b.len(), |n| start + n);
    // Every ending opens with `/` or holds a `g` ("show_bug.cgi", "crbug.com") at a fixed
    // offset: only those bytes are visited, not every byte of the URL.
    let run = &b[start..end];
    let at_slash = memchr::memchr_iter(b'/', run).any(|i| ending_at(b, start + i));
    Some(
        at_slash
            || memchr::memchr2_iter(b'g', b'G', run).any(|i| {
                let g = start + i;
                [SHOW_BUG_G, CRBUG_G]
                    .into_iter()
                    .any(|offset| g >= start + offset && ending_at(b, g - offset))
            }),
    )
}

/// Where the `g` sits in "show_bug.cgi?id=" and in "crbug.com/".
const SHOW_BUG_G: usize = 7;
const CRBUG_G: usize = 4;

/// The rest of `b` after `prefix` at `p`, ASCII case folded.
fn after<'b>(b: &'b [u8], p: usize, prefix: &str) -> Option<&'b [u8]> {
    let rest = b.get(p..)?;
    let head = rest.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &rest[prefix.len()..])
}

fn opens_with_digit(rest: &[u8]) -> bool {
    rest.first().is_some_and(u8::is_ascii_digit)
}

/// Whether one of the pattern's endings matches at `p`. After a `/` the next letter tells the
/// one ending that can follow: a URL has a `/` per path segment, and trying every ending at each
/// cost some 550 instructions a URL.
fn ending_at(b: &[u8], p: usize) -> bool {
    match b[p] {
        b'/' => match b.get(p + 1).map(u8::to_ascii_lowercase) {
            Some(b'i') => word_at(b, p, "/issues"),
            Some(b'p') => word_at(b, p, "/pull") || word_at(b, p, "/pulls"),
            Some(b'm') => word_at(b, p, "/merge_requests"),
            Some(b'b') => after(b, p, "/browse/").is_some_and(browse_key),
            Some(b't') => after(b, p, "/ticket").is_some_and(|rest| {
                let rest = rest
                    .strip_prefix(b"s")
                    .or_else(|| rest.strip_prefix(b"S"))
                    .unwrap_or(rest);
                rest.strip_prefix(b"/").is_some_and(opens_with_digit)
            }),
            _ => false,
        },
        b's' | b'S' => after(b, p, "show_bug.cgi?id=").is_some_and(opens_with_digit),
        b'c' | b'C' => after(b, p, "crbug.com/").is_some_and(opens_with_digit),
        _ => false,
    }
}

/// `word` at `p`, followed by a word boundary (`\b` after a word character).
fn word_at(b: &[u8], p: usize, word: &str) -> bool {
    after(b, p, word).is_some_and(|rest| !rest.first().is_some_and(|&c| is_word_byte(c)))
}

/// `[A-Z][A-Z0-9]+-\d+` (case folded): a letter, at least one letter or digit, a dash, a digit.
/// The run of letters and digits cannot hold the dash, so taking all of it loses no match.
fn browse_key(rest: &[u8]) -> bool {
    let Some((first, tail)) = rest.split_first() else {
        return false;
    };
    let run = tail
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    first.is_ascii_alphabetic()
        && run >= 1
        && tail.get(run) == Some(&b'-')
        && opens_with_digit(&tail[run + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postmortem::fields::TRACKER_URL;

    #[test]
    fn reads_tracker_urls() {
        for url in [
            "https://github.com/acme/q/issues/12",
            "https://github.com/acme/q/pull/3",
            "HTTP://gitlab.example/g/p/-/merge_requests/9",
            "https://jira.example/browse/OPS-123",
            "https://bugzilla.mozilla.org/show_bug.cgi?id=42",
            "https://crbug.com/77",
            "https://rt.example/tickets/5",
            "https://github.com/acme/q/issues",
        ] {
            assert_eq!(matches(url), Some(true), "{url}");
        }
        for url in [
            "https://grafana.example/d/12",
            "https://github.com/acme/q/issuesx/1",
            "https://jira.example/browse/O-1",
            "https://jira.example/browse/OPS123",
            "ftp://github.com/acme/q/issues/1",
            "https://example.com /issues/1",
        ] {
            assert_eq!(matches(url), Some(false), "{url}");
        }
        assert_eq!(matches("https://exämple.com/issues/1"), None);
        // Text not opening with "http" is settled at once, ASCII or not.
        assert_eq!(matches("équipe"), Some(false));
        assert_eq!(matches("#12"), Some(false));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn agrees_with_the_pattern(
            scheme in proptest::sample::select(vec![
                "http://", "https://", "HTTPS://", "hTtPs://", "http:/", "https//", "", "x",
            ]),
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "/", "x.io", "issues", "ISSUES", "pull", "pulls", "merge_requests", "browse",
                    "/browse/", "OPS", "a", "1", "12", "-", "_", "show_bug.cgi?id=",
                    "SHOW_BUG.CGI?ID=", "crbug.com", "CRBUG.COM", "/ticket", "tickets", "s", " ", "\t",
                    "\u{b}", ".", "?", "=", "#",
                ]),
                0..10,
            )
        ) {
            let url = format!("{scheme}{}", parts.concat());
            proptest::prop_assert_eq!(matches(&url), Some(TRACKER_URL.is_match(&url)), "{:?}", url);
        }
    }
}
