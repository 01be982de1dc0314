//! Trailing owner, due date and priority annotations of an item title ("... (owner: kim) by
//! 2024-05-01 [P1]"): where each starts and what it says.
//!
//! The patterns are anchored at the end of the title, so finding where a match starts is one
//! cheap reverse scan; reading its groups takes a capture search costing several times more.
//! The match is short and its shape is fixed by the pattern, so the value is read from it by
//! hand; whatever the hand reading is unsure of (text that only Unicode case folding makes
//! match, say) goes to the capture search. Tests compare both readings on many titles.

use std::sync::LazyLock;

use super::CompactString;
use super::fields::{normalize_due, normalize_priority};
use super::trim::TrimWs;
use super::twin::Twin;

static TRAILING_OWNER: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)[\s,;.\-–—]*[(\[]?\b(owners?|assignee|assigned\s+to|who|dri)\s*[:=]\s*([^()\[\]]+?)\s*[)\]]?\s*[.;]?\s*$",
    )
});

static TRAILING_DUE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)[\s,;\-–—]*[(\[]?\b(due(?:\s+date)?|by|deadline|eta|target(?:\s+date)?)\s*[:=]?\s*(\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?|q[1-4]\s*\d{4}|end\s+of\s+\w+(?:\s+\d{4})?|next\s+\w+)\s*[)\]]?\s*[.;]?\s*$",
    )
});

/// Every match ends in one of `PRIORITY_WORDS` (checked before the search): keep them in step.
static TRAILING_PRIORITY: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)[\s,;\-–—]*(?:[(\[]\s*(?:priority\s*[:=]?\s*)?(p[0-4]|high|medium|low)\s*[)\]]|\bpriority\s*[:=]\s*(p[0-4]|high|medium|low)|[\s,;\-–—]\s*(p[0-4]))\s*[.;]?\s*$",
    )
});

/// A trailing annotation: the byte where it starts in the title, and the value it gives.
pub(crate) type Annotation = (usize, Option<CompactString>);

/// "owner: kim", "(Assignee = ana)": the owner as written.
pub(crate) fn owner(title: &str) -> Option<Annotation> {
    let m = TRAILING_OWNER.find(title)?;
    let value = owner_value(m.as_str())
        .map(CompactString::from)
        .or_else(|| {
            let c = TRAILING_OWNER.captures(title)?;
            Some(c.get(2)?.as_str().trim_ws().into())
        });
    Some((m.start(), value))
}

/// "by 2024-05-01", "(due: May 3)": the date, normalized as `normalize_due` does.
pub(crate) fn due(title: &str) -> Option<Annotation> {
    let m = TRAILING_DUE.find(title)?;
    let value = due_value(m.as_str()).map(normalize_due).or_else(|| {
        let c = TRAILING_DUE.captures(title)?;
        Some(normalize_due(c.get(2)?.as_str()))
    });
    Some((m.start(), value))
}

/// "[P1]", "priority: high", "- p2": the priority, normalized.
pub(crate) fn priority(title: &str) -> Option<Annotation> {
    if !ends_in_priority_word(title) {
        return None;
    }
    let m = TRAILING_PRIORITY.find(title)?;
    let value = match priority_word(m.as_str()) {
        Some(word) => normalize_priority(word),
        None => TRAILING_PRIORITY.captures(title).and_then(|c| {
            let word = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3))?;
            normalize_priority(word.as_str())
        }),
    };
    Some((m.start(), value))
}

/// The words a `TRAILING_PRIORITY` match ends in, before its closing brackets and stops.
const PRIORITY_WORDS: [&str; 8] = ["p0", "p1", "p2", "p3", "p4", "high", "medium", "low"];

/// Whether `title` ends the way every `TRAILING_PRIORITY` match does: a priority word, then
/// only spaces, brackets and stops (the pattern allows fewer, so this may pass more). No
/// non-ASCII character case-folds to a letter of those words, so comparing ASCII is exact.
fn ends_in_priority_word(title: &str) -> bool {
    let t =
        title.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ';' | ')' | ']'));
    PRIORITY_WORDS.iter().any(|w| {
        t.len()
            .checked_sub(w.len())
            .and_then(|start| t.as_bytes().get(start..))
            .is_some_and(|end| end.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// `s` without a leading `word`, compared ASCII case-insensitively.
fn after_word<'s>(s: &'s str, word: &str) -> Option<&'s str> {
    let head = s.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &s[word.len()..])
}

/// `s` after `word`, then `\s+` and `second` if they follow (a greedy optional group).
fn after_words<'s>(s: &'s str, word: &str, second: &str) -> Option<&'s str> {
    let rest = after_word(s, word)?;
    let spaced = rest.trim_start_ws();
    if spaced.len() < rest.len()
        && let Some(after) = after_word(spaced, second)
    {
        return Some(after);
    }
    Some(rest)
}

/// The pattern's tail `\s*[)\]]?\s*[.;]?\s*$` taken off `s` from the right, as much as it can
/// take: what remains is the shortest value the pattern allows.
fn without_closing(s: &str) -> &str {
    let s = s.trim_end_ws();
    let s = s.strip_suffix(['.', ';']).unwrap_or(s).trim_end_ws();
    s.strip_suffix([')', ']']).unwrap_or(s).trim_end_ws()
}

/// The leading separators and bracket a match may open with.
fn without_opening<'s>(s: &'s str, separators: &[char]) -> &'s str {
    let s = s.trim_start_matches(|c: char| c.is_whitespace() || separators.contains(&c));
    s.strip_prefix(['(', '[']).unwrap_or(s)
}

/// Group 2 of `TRAILING_OWNER` (trimmed) read from its whole match, or `None` when unsure.
fn owner_value(m: &str) -> Option<&str> {
    let s = without_opening(m, &[',', ';', '.', '-', '–', '—']);
    let rest = after_word(s, "owners")
        .filter(|r| r.trim_start_ws().starts_with([':', '=']))
        .or_else(|| after_word(s, "owner"))
        .or_else(|| after_word(s, "assignee"))
        .or_else(|| {
            // `assigned\s+to`: at least one space between the words.
            let r = after_word(s, "assigned")?;
            after_word(r.strip_prefix(char::is_whitespace)?.trim_start_ws(), "to")
        })
        .or_else(|| after_word(s, "who"))
        .or_else(|| after_word(s, "dri"))?;
    let value = rest
        .trim_start_ws()
        .strip_prefix([':', '='])?
        .trim_start_ws();
    let value = without_closing(value);
    let plain = !value.is_empty() && !value.contains(['(', ')', '[', ']']);
    plain.then_some(value)
}

/// Group 2 of `TRAILING_DUE` read from its whole match, up to what `normalize_due` trims
/// anyway (a closing `.` or bracket), or `None` when unsure.
fn due_value(m: &str) -> Option<&str> {
    let s = without_opening(m, &[',', ';', '-', '–', '—']);
    let rest = after_words(s, "due", "date")
        .or_else(|| after_word(s, "by"))
        .or_else(|| after_word(s, "deadline"))
        .or_else(|| after_word(s, "eta"))
        .or_else(|| after_words(s, "target", "date"))?;
    let value = rest.trim_start_ws();
    let value = value
        .strip_prefix([':', '='])
        .unwrap_or(value)
        .trim_start_ws();
    let value = without_closing(value);
    // Every date form opens with a digit or a letter.
    let opens_well = value.chars().next().is_some_and(char::is_alphanumeric);
    opens_well.then_some(value)
}

/// The priority word of a `TRAILING_PRIORITY` match, or `None` when unsure.
fn priority_word(m: &str) -> Option<&str> {
    // The bracketed form closes like the other annotations; the other forms end in the word.
    let s = without_closing(m);
    let run = s.len()
        - s.bytes()
            .rev()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
    let run = &s[run..];
    // "(priorityhigh)": the pattern lets the word follow "priority" directly.
    let word = after_word(run, "priority")
        .filter(|w| !w.is_empty())
        .unwrap_or(run);
    PRIORITY_WORDS
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
        .then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the capture search says: the reference the hand reading must agree with.
    fn by_captures(
        twin: &Twin,
        title: &str,
        read: impl Fn(&regex::Captures) -> Option<CompactString>,
    ) -> Option<Annotation> {
        let c = twin.captures(title)?;
        Some((c.get(0)?.start(), read(&c)))
    }

    fn reference(title: &str) -> [Option<Annotation>; 3] {
        [
            by_captures(&TRAILING_OWNER, title, |c| {
                c.get(2).map(|g| g.as_str().trim_ws().into())
            }),
            by_captures(&TRAILING_DUE, title, |c| {
                c.get(2).map(|g| normalize_due(g.as_str()))
            }),
            by_captures(&TRAILING_PRIORITY, title, |c| {
                c.get(1)
                    .or_else(|| c.get(2))
                    .or_else(|| c.get(3))
                    .and_then(|g| normalize_priority(g.as_str()))
            }),
        ]
    }

    fn check(title: &str) {
        assert_eq!(
            [owner(title), due(title), priority(title)],
            reference(title),
            "{title:?}"
        );
    }

    #[test]
    fn common_annotations_read_by_hand() {
        assert_eq!(
            owner("Add alerts (owner: @kim)"),
            Some((10, Some("@kim".into())))
        );
        assert_eq!(
            due("Add alerts by 2024-05-01"),
            Some((10, Some("2024-05-01".into())))
        );
        assert_eq!(priority("Add alerts [P1]"), Some((10, Some("P1".into()))));
        assert_eq!(owner_value(" (owner: @kim)"), Some("@kim"));
        assert_eq!(due_value(" by 2024-05-01."), Some("2024-05-01"));
        assert_eq!(priority_word(" [P1]"), Some("P1"));
    }

    #[test]
    fn hand_reading_agrees_with_capture_search() {
        let leads = [
            "Add alerts",
            "Fix: the (old) path",
            "Rotate keys",
            "",
            "Owner: x did",
        ];
        let annotations = [
            " (owner: @kim)",
            ", Owners = ana and bo.",
            " [assignee: lee]",
            " - assigned  to: ops team;",
            " who: SRE",
            " (DRI: kim) .",
            " owner: .",
            " owner:",
            " by 2024-05-01",
            " (due date: 2024/05/01)",
            " deadline 5/1/24.",
            " ETA: May 3rd, 2025",
            " target date 3 Sept. ",
            " target: q3 2025",
            " due end of March 2025",
            " by next week)",
            " by 5 May.",
            " byMay 5",
            " [P1]",
            " (priority: high)",
            " (priorityLow)",
            " priority = medium.",
            " - p2",
            ", P3;",
            " (p5)",
            " [high]",
            " — P0 ",
            " (owner: kim) by 2024-05-01 [P2]",
        ];
        let closers = ["", ".", " ;", ")", " ]."];
        for lead in leads {
            for a in annotations {
                for close in closers {
                    check(&format!("{lead}{a}{close}"));
                }
            }
        }
        // Text only Unicode case folding matches (the Kelvin sign and the long s).
        check("Add alerts (aſſignee: kim)");
        check("Add alerts — \u{212A}im owners: ana ✅");
        check("Mettre à jour le runbook (owner: Zoë)");
        check("Corriger l’alerte, échéance by 3 mai 2025");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn hand_reading_agrees_on_token_soup(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    " ", "  ", "\n", "(", ")", "[", "]", ":", "=", ".", ";", ",", "-", "–", "@kim",
                    "owner", "Owners", "assignee", "assigned", "to", "who", "DRI", "due", "date",
                    "by", "deadline", "eta", "target", "2024-05-01", "2024/05/01", "5/1/24", "May",
                    "3rd", "sept.", "q3", "2025", "end", "of", "next", "week", "P1", "p4", "p7",
                    "priority", "high", "Medium", "low", "Add", "alerts", "é", "ſ",
                ]),
                0..14,
            )
        ) {
            check(&parts.concat());
        }
    }
}
