//! `str::trim` and its one-sided forms with the common case inlined.
//!
//! `str::trim` runs a generic pattern searcher that decodes a character at each end, behind a
//! call, and the parser trims every title, cell, label and line several times over (3% of all
//! instructions on the bench page). Text that opens and ends with a printable ASCII character
//! has nothing to trim; only the rest goes to `str::trim`.

/// Whitespace trimming with exactly `str::trim`'s results.
pub(crate) trait TrimWs {
    fn trim_ws(&self) -> &str;
    fn trim_start_ws(&self) -> &str;
    fn trim_end_ws(&self) -> &str;
}

/// Narrows `s` to `pick(s)`, which must be a sub-slice of it (a trim), copying only when that
/// took something off: a sub-slice as long as the whole is the whole.
pub(crate) fn narrow<S>(s: &mut S, pick: impl FnOnce(&str) -> &str)
where
    S: std::ops::Deref<Target = str> + for<'a> From<&'a str>,
{
    let kept = pick(s);
    if kept.len() != s.len() {
        *s = S::from(kept);
    }
}

/// A printable ASCII byte: a whole character, and none that `char::is_whitespace` accepts.
fn is_solid(byte: Option<&u8>) -> bool {
    byte.is_some_and(|&b| (0x21..0x80).contains(&b))
}

impl TrimWs for str {
    #[inline]
    fn trim_ws(&self) -> &str {
        let bytes = self.as_bytes();
        if is_solid(bytes.first()) && is_solid(bytes.last()) {
            self
        } else {
            self.trim()
        }
    }

    #[inline]
    fn trim_start_ws(&self) -> &str {
        if is_solid(self.as_bytes().first()) {
            self
        } else {
            self.trim_start()
        }
    }

    #[inline]
    fn trim_end_ws(&self) -> &str {
        if is_solid(self.as_bytes().last()) {
            self
        } else {
            self.trim_end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TrimWs;

    #[test]
    fn every_byte_at_either_end_trims_as_str_does() {
        let mut ends: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        ends.extend(
            [
                "\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "é", "—", "\u{feff}",
            ]
            .map(String::from),
        );
        for a in &ends {
            for b in &ends {
                for middle in ["", "x", " mid dle "] {
                    let s = format!("{a}{middle}{b}");
                    assert_eq!(s.trim_ws(), s.trim(), "{s:?}");
                    assert_eq!(s.trim_start_ws(), s.trim_start(), "{s:?}");
                    assert_eq!(s.trim_end_ws(), s.trim_end(), "{s:?}");
                }
            }
        }
        assert_eq!("".trim_ws(), "");
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_str_trim(s in "\\PC{0,12}|[ \\t\\n\\u{a0}\\u{3000}a-c]{0,12}") {
            proptest::prop_assert_eq!(s.trim_ws(), s.trim());
            proptest::prop_assert_eq!(s.trim_start_ws(), s.trim_start());
            proptest::prop_assert_eq!(s.trim_end_ws(), s.trim_end());
        }
    }
}
