//! The document's title from its front matter: what `(?m)^\s*title\s*[:=]\s*["']?(.*?)["']?\s*$`
//! captures, read by hand: a capture search of that pattern over a whole front matter block cost
//! some 21,000 instructions per document that has one.

use super::trim::TrimWs;

/// The front matter's `title` (`title: ...`, `title = "..."`), if it names one.
pub(super) fn title(meta: &str) -> Option<String> {
    let t = captured(meta)?.trim_ws();
    (!t.is_empty()).then(|| t.to_string())
}

/// What the pattern's group captures, untrimmed. The first match is at the first line whose
/// first non-space text is `title` followed, across any whitespace (line breaks too), by `:` or
/// `=`; the value then starts past any whitespace (line breaks too) and one opening quote, and
/// runs to the end of its line less trailing whitespace and then one closing quote.
fn captured(meta: &str) -> Option<&str> {
    let mut line_start = 0;
    loop {
        let line_end = meta[line_start..]
            .find('\n')
            .map_or(meta.len(), |n| line_start + n);
        let key = line_start + leading_space(&meta[line_start..line_end]);
        if meta[key..].starts_with("title") {
            let sep = key + "title".len() + leading_space(&meta[key + "title".len()..]);
            if meta[sep..].starts_with([':', '=']) {
                return Some(value(&meta[sep + 1..]));
            }
        }
        if line_end == meta.len() {
            return None;
        }
        line_start = line_end + 1;
    }
}

/// The bytes of whitespace (Unicode `\s`, line breaks included) that open `s`.
fn leading_space(s: &str) -> usize {
    s.len() - s.trim_start_ws().len()
}

/// The group of a match whose separator ended where `rest` starts: `\s*["']?(.*?)["']?\s*$`.
fn value(rest: &str) -> &str {
    let rest = &rest[leading_space(rest)..];
    let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = line.trim_end_ws();
    line.strip_suffix(['"', '\'']).unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use regex::Regex;

    use super::*;

    /// The pattern the hand reading stands for: the oracle of its tests.
    static META_TITLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?m)^\s*title\s*[:=]\s*["']?(.*?)["']?\s*$"#).expect("title regex")
    });

    fn by_pattern(meta: &str) -> Option<&str> {
        META_TITLE.captures(meta)?.get(1).map(|m| m.as_str())
    }

    #[test]
    fn reads_the_usual_shapes() {
        for (meta, title) in [
            (
                "title: Queue outage\ndate: 2024-05-01\n",
                Some("Queue outage"),
            ),
            (
                "layout: post\ntitle: \"Login failures\"\n",
                Some("Login failures"),
            ),
            ("title = 'TOML title'  \r\n", Some("TOML title")),
            ("  title :  spaced  \n", Some("spaced")),
            ("subtitle: not this\ntitle: this one\n", Some("this one")),
            ("title:\n", None),
            ("date: 2024-05-01\n", None),
        ] {
            assert_eq!(super::title(meta).as_deref(), title, "{meta:?}");
            assert_eq!(
                captured(meta).map(str::trim_ws).filter(|t| !t.is_empty()),
                title,
                "{meta:?}"
            );
        }
    }

    #[test]
    fn a_bare_key_takes_the_next_line_as_the_pattern_does() {
        let meta = "title:\ndate: 2024-05-01\n";
        assert_eq!(captured(meta), by_pattern(meta));
        assert_eq!(captured(meta), Some("date: 2024-05-01"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn hand_reading_agrees_with_the_pattern(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "title", "Title", "subtitle", "date", ":", "=", " ", "  ", "\t", "\n", "\r\n",
                    "\u{a0}", "\u{2003}", "\"", "'", "Queue outage", "x", "é", "-", "#",
                ]),
                0..12,
            )
        ) {
            let meta = parts.concat();
            proptest::prop_assert_eq!(captured(&meta), by_pattern(&meta), "{:?}", meta);
        }
    }
}
