//! Precision and recall of extracted follow-up titles on our own labelled post-mortems.
//!
//! tests/fixtures/quality holds 16 invented post-mortems in common styles (each `NN.md` with
//! `NN.labels`: one expected title per line, `? ` marking a title a careful reader could take or
//! leave). Titles match when they share most of their words, one to one, best pairs first.

use std::collections::BTreeSet;
use std::path::Path;

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(&b).count() as f64;
    let dice = 2.0 * shared / (a.len() + b.len()) as f64;
    let smaller = a.len().min(b.len());
    let containment = if smaller >= 3 {
        0.9 * shared / smaller as f64
    } else {
        0.0
    };
    dice.max(containment)
}

/// (true positives, false positives, false negatives) for one document.
fn score(found: &[String], labels: &[(String, bool)]) -> (usize, usize, usize) {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, title) in found.iter().enumerate() {
        for (j, (label, _)) in labels.iter().enumerate() {
            let s = similarity(title, label);
            if s >= 0.5 {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut found_matched, mut label_matched) =
        (vec![false; found.len()], vec![false; labels.len()]);
    for (_, i, j) in pairs {
        if !found_matched[i] && !label_matched[j] {
            found_matched[i] = true;
            label_matched[j] = true;
        }
    }
    let tp = label_matched.iter().filter(|m| **m).count();
    let fp = found_matched.iter().filter(|m| !**m).count();
    let fn_ = labels
        .iter()
        .zip(&label_matched)
        .filter(|((_, optional), matched)| !**matched && !*optional)
        .count();
    (tp, fp, fn_)
}

#[test]
fn follow_up_titles_are_found_with_precision_and_recall_of_at_least_0_9() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quality");
    let mut documents: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    documents.sort();
    assert_eq!(documents.len(), 16);
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        let labels: Vec<(String, bool)> =
            std::fs::read_to_string(document.with_extension("labels"))
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| match l.strip_prefix("? ") {
                    Some(optional) => (optional.to_string(), true),
                    None => (l.to_string(), false),
                })
                .collect();
        let found: Vec<String> = postmortem_bot::postmortem::parse(&text)
            .follow_ups
            .into_iter()
            .map(|f| f.title)
            .collect();
        let (t, f, n) = score(&found, &labels);
        eprintln!(
            "{}: found {} labels {} tp {t} fp {f} fn {n}",
            document.display(),
            found.len(),
            labels.len()
        );
        tp += t;
        fp += f;
        fn_ += n;
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!("figure: precision {precision:.3}, recall {recall:.3} (tp {tp}, fp {fp}, fn {fn_})");
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert!(recall >= 0.9, "recall {recall:.3}");
}

#[test]
fn the_scorer_counts_misses_and_extras() {
    let labels = vec![
        ("Add an alert on queue depth".to_string(), false),
        ("Maybe move to a managed queue".to_string(), true),
    ];
    let found = vec![
        "Add an alert on the queue depth".to_string(),
        "Thanks everyone for the help".to_string(),
    ];
    assert_eq!(score(&found, &labels), (1, 1, 0));
    assert_eq!(score(&[], &labels), (0, 0, 1));
}
