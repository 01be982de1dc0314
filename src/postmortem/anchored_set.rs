//! A regex set whose every match opens at an ASCII word start, asked which of its patterns
//! match, through a small table made once from the set's anchored DFA.
//!
//! Why not the regex engine's own search: the heading pass asks the vocabulary set of every
//! distinct heading, and the lazy DFA's unanchored search read a line of its transition table
//! (512 bytes a state) at nearly every byte, out of the cache after the walk of the document:
//! about 3% of a corpus parse's time, several times its share of instructions. Here the set's
//! anchored DFA is kept with only the transitions that do not end a search, in class order
//! (some 1,100 states and 3,900 transitions, 30 KB), and searched from each word start: most
//! words end their search within a byte or two.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::{primitives::StateID, start, syntax};
use regex_automata::{Anchored, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::twin::is_word_byte;

/// A set of at most 16 patterns, every match of which opens at an ASCII word start (see
/// `AnchoredSet::new`).
pub(crate) struct AnchoredSet {
    /// Each byte's class in the DFA.
    classes: [u8; 256],
    states: Vec<Row>,
    /// Each state's transitions that go on, as (class, next state), in `Row::edges`.
    edges: Vec<(u8, u16)>,
    /// The start state of a search that opens at the start of the text.
    start_at_text: u16,
    /// The start state of a search that opens after each byte.
    start_after: [u16; 256],
}

#[derive(Clone, Copy, Default)]
struct Row {
    /// Where the state's transitions are in `edges`.
    edges: (u16, u16),
    /// The patterns a match of which ends just before the byte that led here (the DFA reports a
    /// match one byte late), one bit each.
    matched: u16,
    /// The patterns a match of which ends at the end of the text, when the text ends here.
    matched_at_end: u16,
}

impl AnchoredSet {
    /// Panics when a pattern is invalid, when there are more than 16, or when some match of a
    /// pattern could open elsewhere than at an ASCII word start: the searches start only there.
    pub(crate) fn new<P: AsRef<str>>(patterns: &[P]) -> AnchoredSet {
        assert!(patterns.len() <= 16, "at most 16 patterns");
        assert!(
            patterns.iter().all(|p| opens_at_word_starts(p.as_ref())),
            "every pattern opens at an ASCII word start"
        );
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored)
                    .accelerate(false)
                    .minimize(false),
            )
            .syntax(syntax::Config::new().utf8(true))
            .thompson(thompson::Config::new().which_captures(WhichCaptures::None))
            .build_many(patterns)
            .expect("valid set patterns");
        from_dfa(&dfa)
    }

    /// The patterns that match somewhere in `text`, one bit each (bit `i` for pattern `i`); the
    /// search stops once pattern 0 matched, which no other comes before.
    pub(crate) fn matched(&self, text: &[u8]) -> u16 {
        let mut found = 0u16;
        let mut word_before = false;
        for (at, &b) in text.iter().enumerate() {
            let word = is_word_byte(b);
            if word && !word_before && b.is_ascii_alphabetic() {
                let start = match at.checked_sub(1).and_then(|i| text.get(i)) {
                    Some(&before) => self.start_after[usize::from(before)],
                    None => self.start_at_text,
                };
                found |= self.walk(start, text.get(at..).unwrap_or_default());
                if found & 1 != 0 {
                    break;
                }
            }
            word_before = word;
        }
        found
    }

    /// The patterns with a match that opens at the start of `rest`, read from `state`.
    fn walk(&self, mut state: u16, rest: &[u8]) -> u16 {
        let mut found = 0u16;
        for &b in rest {
            let Some(row) = self.states.get(usize::from(state)) else {
                return found;
            };
            let class = self.classes[usize::from(b)];
            let edges = self
                .edges
                .get(usize::from(row.edges.0)..usize::from(row.edges.1))
                .unwrap_or_default();
            // In class order: the states after a word's end go on with most classes.
            match edges.binary_search_by_key(&class, |e| e.0) {
                Ok(at) => state = edges[at].1,
                Err(_) => return found,
            }
            found |= self.states.get(usize::from(state)).map_or(0, |r| r.matched);
        }
        found
            | self
                .states
                .get(usize::from(state))
                .map_or(0, |r| r.matched_at_end)
    }
}

/// The table of `dfa`'s states reachable from its anchored start states, numbered as they are
/// found (each found state's transitions are read once, and may find more).
fn from_dfa(dfa: &dense::DFA<Vec<u32>>) -> AnchoredSet {
    let mut numbering = Numbering::default();
    let start_state = |before: Option<u8>| {
        let config = start::Config::new()
            .anchored(Anchored::Yes)
            .look_behind(before);
        dfa.start_state(&config).expect("an anchored start state")
    };
    let start_at_text = numbering.number(start_state(None));
    let mut start_after = [0u16; 256];
    for (b, slot) in (0..=255u8).zip(start_after.iter_mut()) {
        *slot = numbering.number(start_state(Some(b)));
    }
    let mut classes = [0u8; 256];
    for (b, class) in (0..=255u8).zip(classes.iter_mut()) {
        *class = dfa.byte_classes().get(b);
    }
    let representatives = representatives(dfa);
    let matched = |id: StateID| -> u16 {
        if !dfa.is_match_state(id) {
            return 0;
        }
        (0..dfa.match_len(id)).fold(0, |mask, i| mask | 1 << dfa.match_pattern(id, i).as_u32())
    };
    let mut states = Vec::new();
    let mut edges = Vec::new();
    while let Some(&id) = numbering.found.get(states.len()) {
        assert!(!dfa.is_quit_state(id), "no quit states");
        let first = edges.len();
        for &(class, byte) in &representatives {
            let to = dfa.next_state(id, byte);
            if !dfa.is_dead_state(to) {
                edges.push((class, numbering.number(to)));
            }
        }
        states.push(Row {
            edges: (
                u16::try_from(first).expect("at most 65,535 transitions"),
                u16::try_from(edges.len()).expect("at most 65,535 transitions"),
            ),
            matched: matched(id),
            matched_at_end: matched(dfa.next_eoi_state(id)),
        });
    }
    AnchoredSet {
        classes,
        states,
        edges,
        start_at_text,
        start_after,
    }
}

/// The DFA's states in the order they are found, and each one's number in `AnchoredSet`.
#[derive(Default)]
struct Numbering {
    numbers: HashMap<StateID, u16, RandomState>,
    found: Vec<StateID>,
}

impl Numbering {
    fn number(&mut self, id: StateID) -> u16 {
        let found = &mut self.found;
        *self.numbers.entry(id).or_insert_with(|| {
            found.push(id);
            u16::try_from(found.len() - 1).expect("at most 65,536 states")
        })
    }
}

/// One byte of each class, with its class.
fn representatives(dfa: &dense::DFA<Vec<u32>>) -> Vec<(u8, u8)> {
    let mut seen = [false; 256];
    let mut out = Vec::new();
    for b in 0..=255u8 {
        let class = dfa.byte_classes().get(b);
        if !seen[usize::from(class)] {
            seen[usize::from(class)] = true;
            out.push((class, b));
        }
    }
    out
}

/// Whether every alternative of `pattern` (flags aside) opens with an ASCII word boundary and an
/// ASCII letter, so that every match of it opens at an ASCII word start.
fn opens_at_word_starts(pattern: &str) -> bool {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .is_ok_and(|hir| hir_opens_at_word_start(&hir))
}

fn hir_opens_at_word_start(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(c) => hir_opens_at_word_start(&c.sub),
        HirKind::Alternation(alternatives) => alternatives.iter().all(hir_opens_at_word_start),
        HirKind::Concat(parts) => {
            let mut parts = parts.iter().map(Hir::kind);
            matches!(parts.next(), Some(HirKind::Look(Look::WordAscii)))
                && parts.next().is_some_and(opens_with_ascii_letter)
        }
        _ => false,
    }
}

/// Whether every match of `kind` opens with an ASCII letter (a case-insensitive letter is a
/// class of its cases).
fn opens_with_ascii_letter(kind: &HirKind) -> bool {
    match kind {
        HirKind::Literal(literal) => literal.0.first().is_some_and(u8::is_ascii_alphabetic),
        // The other cases of `k` and `s` (the Kelvin sign, the long s) are non-ASCII word
        // characters, which text searched here never holds (see `TwinSet`).
        HirKind::Class(Class::Unicode(class)) => class.iter().all(|r| {
            (r.start()..=r.end())
                .all(|c| c.is_ascii_alphabetic() || c == '\u{212A}' || c == '\u{17F}')
        }),
        HirKind::Class(Class::Bytes(class)) => class
            .iter()
            .all(|r| (r.start()..=r.end()).all(|b| b.is_ascii_alphabetic())),
        HirKind::Capture(c) => opens_with_ascii_letter(c.sub.kind()),
        HirKind::Concat(parts) => parts
            .first()
            .is_some_and(|h| opens_with_ascii_letter(h.kind())),
        HirKind::Alternation(alternatives) => alternatives
            .iter()
            .all(|h| opens_with_ascii_letter(h.kind())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_must_open_at_word_starts() {
        for good in [
            r"(?i)(?-u:\b)(action\s*items?|follow[\s-]*ups?|what'?s\s+next)(?-u:\b)",
            r"(?i)(?-u:\b)kinds?(?-u:\b)|(?-u:\b)steps(?-u:\b)",
        ] {
            assert!(opens_at_word_starts(good), "{good}");
        }
        for bad in [
            r"(?i)(action|(?-u:\b)items)",
            r"(?i)(?-u:\b)(1st|first)",
            r"(?i)(?-u:\b)(e)?mails?",
            r"(?i)\b(action)",
            r"(?i)(?-u:\b)[a-z_]+",
        ] {
            assert!(!opens_at_word_starts(bad), "{bad}");
        }
    }

    #[test]
    fn reports_every_pattern_that_matches_and_stops_at_the_first() {
        let set = AnchoredSet::new(&[
            r"(?i)(?-u:\b)went(?-u:\b)",
            r"(?i)(?-u:\b)(what\s+went|went\s+well)(?-u:\b)",
            r"(?i)(?-u:\b)wells?(?-u:\b)",
        ]);
        assert_eq!(set.matched(b"What went WELL:"), 0b011);
        assert_eq!(set.matched(b"Where it did not go well"), 0b100);
        assert_eq!(set.matched(b"wells went"), 0b101);
        assert_eq!(set.matched(b"what  wells"), 0b100);
        assert_eq!(set.matched(b"whatwent well"), 0b100);
        assert_eq!(set.matched(b""), 0);
    }
}
