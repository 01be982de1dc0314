//! Runs the parser over the shared corpus of real post-mortems when it is present (../shared
//! next to the repository); prints a notice and returns when it is not.

use std::path::PathBuf;

use postmortem_bot::postmortem::{parse_bytes, render_text};

fn corpus_dirs() -> Option<Vec<PathBuf>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The main checkout sits next to `shared`; a worktree sits one level deeper.
    let candidates = [
        root.join("../shared/corpus"),
        root.join("../../shared/corpus"),
    ];
    let base = candidates.into_iter().find(|p| p.is_dir())?;
    Some(vec![base.join("real"), base.join("seed")])
}

fn documents() -> Option<Vec<PathBuf>> {
    let mut docs = Vec::new();
    for dir in corpus_dirs()? {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md") {
                docs.push(path);
            }
        }
    }
    docs.sort();
    Some(docs)
}

#[test]
fn every_corpus_document_parses_and_yields_items() {
    let Some(docs) = documents() else {
        eprintln!("notice: ../shared/corpus not found; skipping the corpus run");
        return;
    };
    assert!(!docs.is_empty(), "corpus directory holds no documents");
    for path in docs {
        let bytes = std::fs::read(&path).expect("read corpus document");
        let text = String::from_utf8_lossy(&bytes);
        let pm = parse_bytes(&bytes);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_template = name.to_ascii_uppercase().contains("TEMPLATE");
        if is_template {
            assert!(
                pm.follow_ups.is_empty(),
                "{name}: template placeholders became items: {:?}",
                pm.follow_ups
            );
        } else {
            assert!(!pm.follow_ups.is_empty(), "{name}: no follow-ups found");
        }
        let lines = text.lines().count();
        let mut last_line = 0;
        for f in &pm.follow_ups {
            assert!(!f.title.trim().is_empty(), "{name}: empty title");
            let line = f.line.expect("every item has a line");
            assert!(
                (1..=lines).contains(&line),
                "{name}: line {line} out of range"
            );
            assert!(line >= last_line, "{name}: items out of document order");
            last_line = line;
        }
        assert!(!render_text(&pm).is_empty());
    }
}
