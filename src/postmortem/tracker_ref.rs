//! `fields::TRACKER_REF` read by hand on ASCII text: the pattern is anchored at both ends and
//! its four forms are told apart by their first bytes, so one pass decides.
//!
//! The pattern, for reference (case-insensitive):
//! `^(#\d+|[\w.-]+/[\w.-]+#\d+|[A-Z][A-Z0-9]+-\d+|(bug|issue|pr|ticket)\s*#?\s*\d+)$`.

use super::twin::{is_word_byte, skip_space_bytes};

/// Whether ASCII `t` matches the tracker reference pattern: `#12`, `acme/api#12`, `ABC-123`,
/// `Bug 12345`, `issue #7`.
pub(crate) fn matches_ascii(t: &[u8]) -> bool {
    hash_number(t) || repo_number(t) || key_number(t) || word_number(t)
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// `[\w.-]+` of the pattern.
fn is_name(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(|&c| is_word_byte(c) || c == b'.' || c == b'-')
}

/// `#\d+`
fn hash_number(t: &[u8]) -> bool {
    t.strip_prefix(b"#").is_some_and(all_digits)
}

/// `[\w.-]+/[\w.-]+#\d+`: names hold neither `/` nor `#`, so each splits at its only one.
fn repo_number(t: &[u8]) -> bool {
    let Some(slash) = t.iter().position(|&c| c == b'/') else {
        return false;
    };
    let (owner, rest) = (&t[..slash], &t[slash + 1..]);
    let Some(hash) = rest.iter().position(|&c| c == b'#') else {
        return false;
    };
    is_name(owner) && is_name(&rest[..hash]) && all_digits(&rest[hash + 1..])
}

/// `[A-Z][A-Z0-9]+-\d+`, any case: the key holds no `-`, so it ends at the first one.
fn key_number(t: &[u8]) -> bool {
    let Some(dash) = t.iter().position(|&c| c == b'-') else {
        return false;
    };
    let key = &t[..dash];
    key.len() >= 2
        && key[0].is_ascii_alphabetic()
        && key.iter().all(u8::is_ascii_alphanumeric)
        && all_digits(&t[dash + 1..])
}

/// `(bug|issue|pr|ticket)\s*#?\s*\d+`, any case.
fn word_number(t: &[u8]) -> bool {
    ["bug", "issue", "pr", "ticket"].into_iter().any(|word| {
        let Some(rest) = t
            .get(..word.len())
            .filter(|head| head.eq_ignore_ascii_case(word.as_bytes()))
            .map(|_| &t[word.len()..])
        else {
            return false;
        };
        let rest = &rest[skip_space_bytes(rest, 0)..];
        let rest = rest.strip_prefix(b"#").unwrap_or(rest);
        all_digits(&rest[skip_space_bytes(rest, 0)..])
    })
}

#[cfg(test)]
mod tests {
    use super::matches_ascii;
    use crate::postmortem::fields::TRACKER_REF;

    #[test]
    fn reads_each_form() {
        for t in [
            "#12",
            "acme/api#12",
            "a.b-c/d_e#3",
            "ABC-123",
            "abc-9",
            "Bug 12345",
            "issue #7",
            "PR#3",
            "ticket  # 44",
        ] {
            assert!(matches_ascii(t.as_bytes()), "{t:?}");
        }
        for t in [
            "#", "#12a", "acme#12", "a/b/c#1", "A-1", "1A-2", "bugs 12", "issue #", "12",
        ] {
            assert!(!matches_ascii(t.as_bytes()), "{t:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn agrees_with_the_pattern(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "#", "12", "7", "acme", "/", "q", ".", "-", "_", "ABC", "x9", "bug", "Issue",
                    "PR", "pr", "ticket", "TICKET", " ", "\t", "\x0b", "#1", "a", "Z",
                ]),
                0..7,
            )
        ) {
            let t = parts.concat();
            proptest::prop_assert_eq!(
                matches_ascii(t.as_bytes()),
                TRACKER_REF.is_match(&t),
                "{:?}", t
            );
        }
    }
}
