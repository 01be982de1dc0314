//! The parser on hostile input: arbitrary bytes never panic; pathological Markdown (deep nesting,
//! huge tables, long lines) returns and still finds the items of a normal document after it.

use postmortem_bot::postmortem::{parse, parse_bytes};
use proptest::prelude::*;

const TAIL: &str =
    "\n\n# Real part\n\n## Action items\n\n- Add a queue depth alert\n- Write the runbook\n";

fn assert_tail_found(prefix: &str) {
    let mut doc = String::with_capacity(prefix.len() + TAIL.len());
    doc.push_str(prefix);
    doc.push_str(TAIL);
    let pm = parse(&doc);
    let titles: Vec<&str> = pm.follow_ups.iter().map(|f| f.title.as_str()).collect();
    assert!(
        titles.ends_with(&["Add a queue depth alert", "Write the runbook"]),
        "items after the pathological prefix were lost: {:?}",
        &titles[titles.len().saturating_sub(5)..]
    );
}

#[test]
fn deeply_nested_block_quotes() {
    let prefix = format!("{}deep\n", ">".repeat(100_000));
    let pm = parse(&prefix);
    assert!(pm.follow_ups.is_empty());
    // The quote swallows lazy continuation lines, so the real part starts after a blank line.
    assert_tail_found(&prefix);
}

#[test]
fn deeply_nested_list_items() {
    let mut prefix = String::new();
    for depth in 0..100_000 {
        prefix.push_str(&" ".repeat((depth % 40) * 2));
        prefix.push_str("- item\n");
    }
    assert_tail_found(&prefix);

    // Strictly nested: each level indented further than the last.
    let mut nested = String::new();
    for depth in 0..3_000 {
        nested.push_str(&" ".repeat(depth * 2));
        nested.push_str("- level\n");
    }
    assert_tail_found(&nested);
}

#[test]
fn interleaved_quotes_and_lists_nest_cheaply() {
    // Each level costs four bytes, so depth grows with input size: depth bookkeeping must be O(1).
    let prefix = format!("{}deep\n", "- > ".repeat(100_000));
    let pm = parse(&prefix);
    assert!(pm.follow_ups.is_empty());
    let in_action = format!("## Action items\n\n{}deep\n", "- ".repeat(50_000));
    let pm = parse(&in_action);
    assert!(pm.follow_ups.len() <= 1);
}

#[test]
fn a_paragraph_of_many_lines_stays_linear() {
    let mut doc = String::from("## Next steps\n\n");
    for i in 0..100_000 {
        doc.push_str(&format!(
            "Add check [{i}](https://github.com/o/r/issues/{i}) for **part {i}**.\n"
        ));
    }
    let pm = parse(&doc);
    assert_eq!(pm.follow_ups.len(), 100_000);
    assert_eq!(pm.follow_ups[99_999].line, Some(100_002));
    assert_eq!(
        pm.follow_ups[7].issue.as_deref(),
        Some("https://github.com/o/r/issues/7")
    );
}

#[test]
fn nested_lists_inside_an_action_section_become_details_not_recursion() {
    let mut doc = String::from("## Action items\n\n");
    for depth in 0..2_000 {
        doc.push_str(&" ".repeat(depth * 2));
        doc.push_str("- step\n");
    }
    let pm = parse(&doc);
    assert_eq!(pm.follow_ups.len(), 1);
    assert_eq!(pm.follow_ups[0].details.len(), 1_999);
}

#[test]
fn huge_tables() {
    let mut prefix = String::from("## Action items\n\n| Action | Owner |\n|---|---|\n");
    for i in 0..50_000 {
        prefix.push_str(&format!("| task {i} | o{i} |\n"));
    }
    let pm = parse(&prefix);
    assert_eq!(pm.follow_ups.len(), 50_000);

    let mut wide = String::from("| ");
    wide.push_str(&"h | ".repeat(5_000));
    wide.push('\n');
    wide.push_str(&"|---".repeat(5_000));
    wide.push_str("|\n");
    wide.push_str(&"| x ".repeat(5_000));
    wide.push('\n');
    assert_tail_found(&wide);
}

#[test]
fn very_long_lines() {
    let long_word = "a".repeat(2_000_000);
    assert_tail_found(&long_word);
    let long_sentence = "word. ".repeat(300_000);
    assert_tail_found(&long_sentence);
    let emphasis = "**a ".repeat(200_000);
    assert_tail_found(&emphasis);
    let links = "[x](http://e/issues/1) ".repeat(100_000);
    assert_tail_found(&links);
    let action_line = format!(
        "## Action items\n\n- {}\n",
        "Fix it (owner: x) ".repeat(50_000)
    );
    let pm = parse(&action_line);
    assert_eq!(pm.follow_ups.len(), 1);
}

#[test]
fn invalid_utf8_is_read_lossily() {
    let mut bytes = b"## Action items\n\n- Fix the \xff\xfe encoder\n".to_vec();
    bytes.extend_from_slice(&[0xc3, 0x28, b'\n']);
    let pm = parse_bytes(&bytes);
    assert_eq!(pm.follow_ups.len(), 1);
    assert!(pm.follow_ups[0].title.starts_with("Fix the"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_bytes(&bytes);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,2000}") {
        let _ = parse(&s);
    }

    #[test]
    fn markdownish_strings_never_panic(
        s in proptest::collection::vec(
            prop_oneof![
                Just("# "), Just("## Action items\n"), Just("- "), Just("* [ ] "), Just("- [x] "),
                Just("1. "), Just("> "), Just("|"), Just("---"), Just("\n"), Just("  "), Just("**"),
                Just("~~"), Just("`"), Just("["), Just("]("), Just(")"), Just("DONE "), Just("TODO: "),
                Just("@kim "), Just("by 2024-05-01 "), Just("P1 "), Just("#12 "), Just("https://github.com/o/r/issues/3 "),
                Just("12:03pm "), Just("Timeline\n"), Just("---\ntitle: x\n---\n"), Just("é"), Just("✅"),
                Just("{placeholder}"), Just("Add alerts."), Just(":"), Just("<br>"), Just("\t"),
            ],
            0..200,
        )
    ) {
        let doc: String = s.concat();
        let pm = parse(&doc);
        for f in &pm.follow_ups {
            prop_assert!(!f.title.trim().is_empty());
            prop_assert!(f.line.is_some_and(|l| l >= 1 && l <= doc.lines().count() + 1));
        }
        let _ = postmortem_bot::postmortem::render_text(&pm);
    }
}
