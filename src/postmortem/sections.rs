//! Section meaning from heading text (action items, timeline, what went well...) and the section
//! tree: each block gets the section it sits in, sub-headings inherit their parent's meaning.

use std::collections::HashMap;
use std::sync::LazyLock;

use foldhash::fast::RandomState;
use regex::Regex;

use super::blocks::{Doc, Kind};
use super::trim::TrimWs;
use super::twin::{Twin, TwinSet};
use super::wordkeys::WordKeys;

/// What a heading (or a bold label acting as one) says about the content below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Follow-ups live here.
    Action,
    Timeline,
    /// Narrative or retrospective: impact, root cause, what went well/wrong.
    NonAction,
    /// "Lessons learned" and the like: usually narrative, sometimes holds to-dos.
    Lessons,
    /// No opinion: inherits from the parent section.
    Neutral,
}

static ACTION: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)\b(
            action\s*(items?|points?|plan|list|register|log)? | actions | actionables
          | follow[\s-]*ups? | next\s+steps? | remediations? | remediate
          | corrective | preventa?tive | prevention\s+measures | countermeasures
          | what\s+we(\s+are|'re|’re)\s+doing | what\s+we\s+will\s+do | what(\s+are)?\s+we\s+doing
          | improvements? | recommendations? | to[\s-]?dos? | going\s+forward | future\s+work
          | tasks | work\s+items | review\s+actions | what'?s\s+next | what’s\s+next
          | prevent(ing)?\s+(this|it|recurrence|future|similar) | how\s+we('ll|\s+will)\s+prevent
          | changes\s+we('re|\s+are|\s+will)\s+mak\w* | open\s+items | follow\s+on | commitments
        )\b",
    )
});

static NOT_ACTION_WORDS: LazyLock<Twin> =
    LazyLock::new(|| Twin::new(r"(?i)\bactions?\s+taken\b|\bresponse\s+actions\b|\bwhat\s+went\b"));

static TIMELINE: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"(?i)\b(timeline|chronology|sequence\s+of\s+events|key\s+events|time\s*line)\b")
});

static NON_ACTION: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?ix)\b(
            impact | root\s*causes? | causes? | what\s+went | went\s+(well|wrong|poorly|badly)
          | what\s+worked | what\s+didn'?t\s+work | what\s+didn’t\s+work | where\s+we\s+got\s+lucky
          | got\s+lucky | what\s+could\s+have | could\s+have\s+gone | summary | overview | background
          | contributing\s+factors | five\s+whys | whys | trigger | attendees | authors | appendix
          | appendinx | apendix | glossary | references | resources | date | logs | chat\s+log
          | what\s+happened | challenges | affected | stats | leadup | lead-up | fault | recurrence
          | backlog\s+check | description | details\s+of | symptoms | incident\s+summary | problem
          | data\s+integrity | scope | acknowledg(e)?ments | netspace | why\s+was | how\s+we\s+responded
          | what\s+was\s+impacted | retrospective\s+guidelines | blameless | inclusive
          | root\s+cause\s+analysis | analysis | questions | checklists? | sign[\s-]?offs? | approvals?
          | observations | noticed
        )\b",
    )
});

static LESSONS: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(
        r"(?i)\b(lessons?|learn(ed|t|ings)|takeaways?|reflections?|insights?|post[\s-]?mortem|retrospective|moving\s+forward|supporting\s+information)\b",
    )
});

/// A new alternative needs its word in `DONE_HEADING_KEYS` and a phrase in
/// `done_heading_screen_passes_every_match`.
static DONE_HEADING: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"(?i)\b(completed|complete|done|finished|implemented|already\s+in\s+place)\b")
});

const KIND_WORDS: [&str; 13] = [
    "prevent",
    "prevention",
    "preventative",
    "preventive",
    "detect",
    "detection",
    "mitigate",
    "mitigation",
    "mitigations",
    "process",
    "processes",
    "fix",
    "fixes",
];

/// `KIND_WORDS`, case-insensitive by Unicode rules (a non-ASCII letter may fold to an ASCII one).
static KIND_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?i)^({})$", KIND_WORDS.join("|"))).expect("kind regex"));

/// How many vocabularies `VOCABULARY` holds.
const VOCABULARIES: usize = 5;

/// All vocabularies in one set, so a heading is scanned once. A new alternative in any of them
/// needs its word in `VOCABULARY_KEYS` and a phrase in `vocabulary_screen_passes_every_match`.
static VOCABULARY: LazyLock<TwinSet> = LazyLock::new(|| TwinSet::new(&vocabulary_patterns()));

/// The patterns of `VOCABULARY`, in their order.
fn vocabulary_patterns() -> [String; VOCABULARIES] {
    let patterns: [&str; VOCABULARIES] = [
        NOT_ACTION_WORDS.as_str(),
        ACTION.as_str(),
        TIMELINE.as_str(),
        LESSONS.as_str(),
        NON_ACTION.as_str(),
    ];
    // ASCII word boundaries keep the whole set on the fast DFA path, and let it be searched
    // from word starts only (see `TwinSet`).
    patterns.map(|p| p.replace(r"\b", r"(?-u:\b)"))
}

/// Every match of every vocabulary holds one of these words at a word start, so text without
/// one matches none (most bold labels: "**Alert on lag**"). An alternative whose every match
/// holds another alternative's word needs no key of its own: "incident summary" passes by
/// "summary", "five whys" by "whys", "review actions" and "response actions" by "actions". That
/// keeps the many headings that merely name an incident ("2024-03-05 Incident 12: queue
/// stalled"), a review or a response out of the set search.
const VOCABULARY_KEYS: WordKeys<78> = WordKeys::new([
    "acknowle", "action", "affected", "analysis", "apendix", "append", "approval", "attendee",
    "authors", "backgrou", "backlog", "blameles", "cause", "challeng", "changes", "chat",
    "checklis", "chronolo", "commitme", "contribu", "correcti", "could", "counterm", "data",
    "date", "descript", "details", "fault", "follow", "future", "glossary", "going", "got", "how",
    "impact", "improvem", "inclusiv", "insight", "key", "lead", "learn", "lesson", "logs",
    "moving", "netspace", "next", "noticed", "observat", "open", "overview", "post", "prevent",
    "problem", "question", "recommen", "recurren", "referenc", "reflecti", "remediat", "resource",
    "retrospe", "root", "scope", "sequence", "sign", "stats", "summary", "supporti", "symptoms",
    "takeaway", "tasks", "time", "to", "trigger", "went", "what", "why", "work",
]);

/// Classifies a heading's (or bold label's) text.
pub(crate) fn classify(heading: &str) -> Class {
    let h = heading.trim_ws();
    if h.is_empty() || h.len() > 200 {
        return Class::Neutral;
    }
    if !VOCABULARY_KEYS.any_in(h) {
        return Class::Neutral;
    }
    match VOCABULARY.first_match(h) {
        Some(0 | 4) => Class::NonAction,
        Some(1) => Class::Action,
        Some(2) => Class::Timeline,
        Some(3) => Class::Lessons,
        _ => Class::Neutral,
    }
}

/// Whether a heading says its items are already done ("Immediate actions (completed)").
pub(crate) fn heading_says_done(heading: &str) -> bool {
    DONE_HEADING_KEYS.any_in(heading)
        && DONE_HEADING.is_match(heading)
        && !NOT_DONE_HEADING.is_match(heading)
}

/// Every alternative of `DONE_HEADING` opens with one of these words at a word start, so a
/// heading without one cannot match (most action headings: a regex search there costs far more
/// than its instructions, its automaton being out of the cache by its next use).
const DONE_HEADING_KEYS: WordKeys<5> =
    WordKeys::new(["already", "complet", "done", "finished", "implemen"]);

static NOT_DONE_HEADING: LazyLock<Twin> = LazyLock::new(|| {
    Twin::new(r"(?i)\b(not|yet|to\s+be|pending|open|in\s+progress|incomplete|remaining|planned)\b")
});

/// The follow-up type a sub-heading names ("Prevention" → prevent), if it names one.
pub(crate) fn kind_of(heading: &str) -> Option<&'static str> {
    let h = heading.trim_ws().trim_end_matches(':').trim_ws();
    if h.len() > 16 {
        return None;
    }
    let word: &str = if h.is_ascii() {
        // ASCII text matches the case-insensitive pattern exactly when it is a word but for
        // case: the word itself is the lowercase reading, with nothing copied.
        KIND_WORDS.iter().find(|w| w.eq_ignore_ascii_case(h))?
    } else {
        &KIND_WORD.captures(h)?.get(1)?.as_str().to_ascii_lowercase()
    };
    Some(if word.starts_with("prevent") {
        "prevent"
    } else if word.starts_with("detect") {
        "detect"
    } else if word.starts_with("mitigat") {
        "mitigate"
    } else if word.starts_with("process") {
        "process"
    } else {
        "fix"
    })
}

#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub level: u8,
    /// Meaning after inheritance.
    pub class: Class,
    /// Meaning of the heading's own words.
    pub own: Class,
    pub parent: Option<usize>,
    /// Items here are already done (from the heading).
    pub done: bool,
    /// One of a closed set of words: copied into each follow-up only when it is made.
    pub kind: Option<&'static str>,
    /// The section or one of its sub-sections holds list items or table rows.
    pub has_structure: bool,
}

/// What a heading's own words say, whatever its place in the tree.
struct HeadingReading {
    own: Class,
    /// `heading_says_done`, read when first needed (only action headings ask).
    says_done: Option<bool>,
    kind: Option<&'static str>,
}

/// The section tree and, for each block, the index of its section.
pub(crate) struct Sections {
    pub sections: Vec<Section>,
    pub of_block: Vec<usize>,
}

pub(crate) fn build(doc: &Doc) -> Sections {
    let blocks = &doc.blocks;
    let mut sections = Vec::with_capacity(doc.heading_count() + 1);
    sections.push(Section {
        level: 0,
        class: Class::Neutral,
        own: Class::Neutral,
        parent: None,
        done: false,
        kind: None,
        has_structure: false,
    });
    let mut of_block = Vec::with_capacity(blocks.len());
    // Open sections from the root down; popped when a heading of the same or higher rank arrives.
    let mut open: Vec<usize> = vec![0];
    // Pages holding several incidents repeat the same headings ("Timeline", "Action items"):
    // each distinct heading is read once.
    // Sized once for every heading: grown from empty, it reallocated and rehashed at each
    // doubling in every document.
    let mut readings: HashMap<&str, HeadingReading, RandomState> =
        HashMap::with_capacity_and_hasher(doc.heading_count(), RandomState::default());
    for block in blocks {
        if let Kind::Heading { level } = block.kind
            && !block.quoted
        {
            while open.len() > 1 && open.last().is_some_and(|&s| sections[s].level >= level) {
                open.pop();
            }
            let parent = open.last().copied().unwrap_or(0);
            let title = doc.text(block).trim_ws();
            let reading = readings.entry(title).or_insert_with(|| HeadingReading {
                own: classify(title),
                says_done: None,
                kind: kind_of(title),
            });
            let own = reading.own;
            let inherited = sections[parent].class;
            let class = if own == Class::Neutral {
                inherited
            } else {
                own
            };
            let done = (class == Class::Action
                && *reading
                    .says_done
                    .get_or_insert_with(|| heading_says_done(title)))
                || (own == Class::Neutral && sections[parent].done);
            let kind = reading.kind.or_else(|| {
                if own == Class::Neutral {
                    sections[parent].kind
                } else {
                    None
                }
            });
            sections.push(Section {
                level,
                class,
                own,
                parent: Some(parent),
                done,
                kind,
                has_structure: false,
            });
            open.push(sections.len() - 1);
        }
        let current = open.last().copied().unwrap_or(0);
        of_block.push(current);
        // Items and table rows give their section and its ancestors structure (a union over
        // the blocks: marking as they come gives what a second pass would).
        if !block.quoted && matches!(block.kind, Kind::Item { .. } | Kind::TableRow { .. }) {
            let mut s = Some(current);
            while let Some(idx) = s {
                if sections[idx].has_structure {
                    break;
                }
                sections[idx].has_structure = true;
                s = sections[idx].parent;
            }
        }
    }
    Sections { sections, of_block }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_heading_screen_passes_every_match() {
        for phrase in [
            "completed",
            "Complete",
            "DONE",
            "finished",
            "implemented",
            "already in place",
            "Already\tin  place",
        ] {
            for text in [
                phrase.to_string(),
                format!("Immediate actions ({phrase})"),
                format!("Actions - {phrase}:"),
                format!("**{phrase}**"),
            ] {
                assert!(DONE_HEADING.is_match(&text), "{text:?}");
                assert!(DONE_HEADING_KEYS.any_in(&text), "{text:?}");
            }
        }
        assert!(!heading_says_done("Action items"));
        assert!(heading_says_done("Action items (done)"));
    }

    /// A phrase for each alternative of the vocabularies: each must match, and the word screen
    /// must pass it.
    const VOCABULARY_PHRASES: [&str; 112] = [
        "Action items",
        "actions taken",
        "response actions",
        "what went wrong",
        "Actionables",
        "follow-ups",
        "Next steps",
        "remediation",
        "Remediate",
        "corrective",
        "preventative",
        "prevention measures",
        "countermeasures",
        "what we're doing",
        "what we’re doing",
        "what we will do",
        "what are we doing",
        "improvements",
        "recommendations",
        "to-dos",
        "todo",
        "to do",
        "going forward",
        "future work",
        "tasks",
        "work items",
        "review actions",
        "whats next",
        "what’s next",
        "preventing recurrence",
        "how we'll prevent",
        "changes we're making",
        "open items",
        "follow on",
        "commitments",
        "timeline",
        "chronology",
        "sequence of events",
        "key events",
        "time line",
        "impact",
        "root causes",
        "rootcause",
        "cause",
        "went well",
        "what worked",
        "what didn't work",
        "where we got lucky",
        "got lucky",
        "what could have",
        "could have gone",
        "summary",
        "overview",
        "background",
        "contributing factors",
        "five whys",
        "whys",
        "trigger",
        "attendees",
        "authors",
        "appendix",
        "appendinx",
        "apendix",
        "glossary",
        "references",
        "resources",
        "date",
        "logs",
        "chat log",
        "what happened",
        "challenges",
        "affected",
        "stats",
        "leadup",
        "lead-up",
        "fault",
        "recurrence",
        "backlog check",
        "description",
        "details of",
        "symptoms",
        "incident summary",
        "problem",
        "data integrity",
        "scope",
        "acknowledgements",
        "acknowledgments",
        "netspace",
        "why was",
        "how we responded",
        "what was impacted",
        "retrospective guidelines",
        "blameless",
        "inclusive",
        "root cause analysis",
        "analysis",
        "questions",
        "checklists",
        "sign-offs",
        "approvals",
        "observations",
        "noticed",
        "lessons",
        "learnings",
        "learnt",
        "takeaways",
        "reflections",
        "insights",
        "post-mortem",
        "retrospective",
        "moving forward",
        "supporting information",
    ];

    /// The word screen passes every phrase some vocabulary matches, whatever surrounds it.
    #[test]
    fn vocabulary_screen_passes_every_match() {
        for phrase in VOCABULARY_PHRASES {
            for (before, after) in [("", ""), ("Our ", ":"), ("é", " (1)"), ("1. ", "")] {
                for text in [format!("{before}{phrase}{after}"), phrase.to_uppercase()] {
                    let h = text.trim_ws();
                    let matched = VOCABULARY.first_match(h).is_some();
                    if before.is_empty() {
                        assert!(matched, "no vocabulary matches {h:?}");
                    }
                    if matched {
                        assert!(VOCABULARY_KEYS.any_in(h), "{h:?}");
                    }
                }
            }
        }
    }

    /// The vocabulary as one regex set searched over the whole text, as it was read before the
    /// word-start searches.
    static REFERENCE: LazyLock<crate::postmortem::twin::RegexSetReference> =
        LazyLock::new(|| crate::postmortem::twin::RegexSetReference::new(&vocabulary_patterns()));

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The set searched from each word start finds what one search of the whole heading
        /// finds, on headings made of vocabulary words, their parts and near misses.
        #[test]
        fn word_start_searches_agree_with_a_whole_text_search(
            heading in crate::postmortem::text::phrase(
                vec![
                    "action", "actions", "items", "item", "taken", "response", "what",
                    "went", "well", "we're", "we’re", "we", "are", "doing", "follow", "ups",
                    "up", "next", "steps", "'s", "’s", "root", "cause", "causes", "rootcause",
                    "analysis", "time", "line", "timeline", "lessons", "learned", "post",
                    "mortem", "lead", "impact", "impactful", "summary", "incident", "to",
                    "dos", "do", "sign", "offs", "key", "events", "five", "whys", "could",
                    "have", "gone", "changes", "making", "mak", "prevent", "preventing",
                    "this", "didn't", "didn’t", "work", "\u{212A}ey", "ſummary", "é", "x1",
                    "_a", "2024", "ACTION", "Items", "WHAT", "Sign", "acknowledgments",
                ],
                vec![
                    " ", " ", " ", "", "-", "_", "’", "'", ": ", " (", "é", "1", "\t", "/",
                    "\u{212A}", "\n", "  ", " - ", "\u{a0}",
                ],
            )
        ) {
            proptest::prop_assert_eq!(
                VOCABULARY.first_match(&heading),
                REFERENCE.first_match(&heading),
                "{:?}",
                heading
            );
        }
    }

    /// Every vocabulary phrase, in several cases and settings, reads as the whole-text search
    /// reads it.
    #[test]
    fn word_start_searches_agree_on_the_vocabulary_phrases() {
        for phrase in VOCABULARY_PHRASES {
            for text in [
                phrase.to_string(),
                phrase.to_uppercase(),
                format!("1. {phrase}:"),
                format!("Our {phrase} (draft)"),
                format!("x{phrase}"),
                format!("{phrase}s and more"),
                format!("é{phrase}"),
            ] {
                assert_eq!(
                    VOCABULARY.first_match(&text),
                    REFERENCE.first_match(&text),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn heading_vocabulary() {
        let cases = [
            ("Action items", Class::Action),
            ("Follow-ups", Class::Action),
            ("Next Steps", Class::Action),
            ("Remediation", Class::Action),
            ("Corrective and Preventative Measures", Class::Action),
            ("What we're doing about it", Class::Action),
            ("Future improvements", Class::Action),
            ("Recommendations", Class::Action),
            ("Actionables", Class::Action),
            ("Lessons Learned and Future Improvements", Class::Action),
            ("Timeline (all times UTC)", Class::Timeline),
            ("Impact", Class::NonAction),
            ("Root cause", Class::NonAction),
            ("What went well", Class::NonAction),
            ("What went wrong", Class::NonAction),
            ("Where we got lucky", Class::NonAction),
            ("Lessons learned", Class::Lessons),
            ("Prevention", Class::Neutral),
            ("2024-05-01", Class::Neutral),
            ("Actions taken", Class::NonAction),
        ];
        for (heading, want) in cases {
            assert_eq!(classify(heading), want, "{heading}");
        }
    }

    #[test]
    fn kinds_and_done_headings() {
        assert_eq!(kind_of("Prevention"), Some("prevent"));
        assert_eq!(kind_of("Detection:"), Some("detect"));
        assert_eq!(kind_of("Technical improvements"), None);
        assert!(heading_says_done("Immediate actions (completed)"));
        assert!(!heading_says_done("Planned actions"));
        assert!(!heading_says_done("Action items (not yet done)"));
    }
}
