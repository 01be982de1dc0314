//! Bare URLs in text (`https?://` up to a space or a closing bracket), found by a byte search
//! instead of a regex: an item is searched for URLs several times, and the regex's fixed cost
//! per call dominated on short titles.

/// Where each bare URL in `text` is, in order: what `https?://[^\s)<>\]]+` finds, non-overlapping.
pub(crate) fn find_iter(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let found = find_at(text, from)?;
        from = found.end;
        Some(found)
    })
}

/// The first bare URL in `text`.
pub(crate) fn first(text: &str) -> Option<&str> {
    find_at(text, 0).map(|r| &text[r])
}

/// Whether `text` holds "http" anywhere (a cheap screen for patterns that want a URL), by the
/// finder built once: `str::contains` sets up a searcher of its own on every call.
pub(crate) fn mentions_http(text: &str) -> bool {
    HTTP.find(text.as_bytes()).is_some()
}

/// `text` without its bare URLs.
pub(crate) fn without(text: &str) -> impl Iterator<Item = &str> {
    let mut last = 0;
    let mut urls = find_iter(text);
    std::iter::from_fn(move || {
        if last > text.len() {
            return None;
        }
        let (gap_end, next) = match urls.next() {
            Some(url) => (url.start, url.end),
            None => (text.len(), text.len() + 1),
        };
        let gap = &text[last..gap_end];
        last = next;
        Some(gap)
    })
}

/// The substring search for "http", built once.
static HTTP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("http"));

fn find_at(text: &str, mut from: usize) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    loop {
        // Every scheme opens with "http": one search with a finder built once steps over the
        // many words with an `h` in them, each of which cost a byte search of its own.
        let start = from + HTTP.find(bytes.get(from..)?)?;
        from = start + 1;
        let after_scheme = &bytes[start..];
        let Some(rest) = after_scheme
            .strip_prefix(b"https://")
            .or_else(|| after_scheme.strip_prefix(b"http://"))
        else {
            continue;
        };
        let rest_start = bytes.len() - rest.len();
        let len = url_len(&text[rest_start..]);
        if len > 0 {
            return Some(start..rest_start + len);
        }
    }
}

/// How long the run of characters that may continue a URL is: up to a space (Unicode's, as the
/// pattern's `\s`) or a `)`, `<`, `>`, `]`.
fn url_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if char::from(b).is_whitespace() || matches!(b, b')' | b'<' | b'>' | b']') {
                return i;
            }
            i += 1;
        } else {
            let Some(c) = s[i..].chars().next() else {
                return i;
            };
            if c.is_whitespace() {
                return i;
            }
            i += c.len_utf8();
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    fn pattern() -> Regex {
        Regex::new(r"https?://[^\s)<>\]]+").expect("URL pattern")
    }

    fn by_pattern(text: &str) -> Vec<std::ops::Range<usize>> {
        pattern().find_iter(text).map(|m| m.range()).collect()
    }

    #[test]
    fn bare_urls() {
        let text = "see https://github.com/a/b/issues/1, (http://x.io/y) and https:// nothing";
        let found: Vec<&str> = find_iter(text).map(|r| &text[r]).collect();
        assert_eq!(found, ["https://github.com/a/b/issues/1,", "http://x.io/y"]);
        assert_eq!(first("no link here"), None);
        assert_eq!(
            without("a https://x.io b http://y.io").collect::<String>(),
            "a  b "
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn agrees_with_the_pattern(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "http", "https", "s", "://", ":/", "/", "x.io", " ", "\n", ")", "(", "<",
                    ">", "]", "[", ".", ",", "é", "\u{a0}", "\u{2003}", "—", "httphttp://",
                    "\u{b}", "\u{85}", "\t",
                ]),
                0..14,
            )
        ) {
            let text = parts.concat();
            let found: Vec<_> = find_iter(&text).collect();
            proptest::prop_assert_eq!(&found, &by_pattern(&text), "{:?}", text);
            proptest::prop_assert_eq!(
                without(&text).collect::<String>(),
                pattern().replace_all(&text, "").into_owned()
            );
        }
    }
}
