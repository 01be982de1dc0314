//! The parse benchmark's inputs, shared by `benches/parse.rs` and `examples/parse_profile.rs`
//! (each includes this file with `#[path]`): a generated page of many incidents, and the shared
//! corpus joined into one text or document by document.

use std::path::PathBuf;

/// The size of the generated page the benchmark parses (1,590 incidents).
pub const PAGE_BYTES: usize = 2 * 1024 * 1024;

/// One incident's worth of the shapes real post-mortems use.
fn incident(n: usize) -> String {
    format!(
        r#"# 2024-03-{day:02} Incident {n}: queue {n} stalled

## Summary

The consumer for queue {n} stopped after a config push. **No data was lost**, but payments were
delayed for about an hour. See [the dashboard](https://grafana.example/d/{n}) for details.

## Timeline

- 09:{m:02} - Config push goes out
- 09:{m2:02} - Alert fires, on-call paged (**outage starts**)
- 10:{m:02} - Rollback finished, service restored

## What went well

- Rollback was quick
- The alert fired within minutes

## Root cause

The broker address was typed by hand. Nobody reviewed it, and the canary did not cover it.

```yaml
broker: queue-{n}.internal:9092
```

## Action items

### Process

- [ ] Require a second reviewer for broker config (owner: @ops{n}) by 2024-05-01
- [x] Write down the rollback steps in the runbook
  - Include the dashboard links
  - Include the pager escalation

### Monitoring

1. **Alert on consumer lag**: depth alone fires too late. Tracked in https://github.com/acme/q/issues/{n}
2. Page the payments channel as well as on-call [P1]

| Action item | Owner | Priority | Status | Tracking bug |
|-------------|-------|----------|--------|--------------|
| Add a canary for broker config | kim | High | In progress | [#{n}](https://github.com/acme/q/issues/{n}) |
| Document the queue topology | lee | Low | Done | acme/q#{n} |

"#,
        day = n % 28 + 1,
        m = n % 60,
        m2 = (n + 7) % 60,
    )
}

/// Incidents one after another until the text holds `target_bytes`.
pub fn generated(target_bytes: usize) -> String {
    let mut doc = String::with_capacity(target_bytes + 4096);
    let mut n = 0;
    while doc.len() < target_bytes {
        doc.push_str(&incident(n));
        n += 1;
    }
    doc
}

/// Every document of `../shared/corpus` (`real/`, then `seed/`, by path), read lossily; `None`
/// when the corpus is not beside the checkout.
pub fn corpus_documents() -> Option<Vec<String>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = [
        root.join("../shared/corpus"),
        root.join("../../shared/corpus"),
    ]
    .into_iter()
    .find(|p| p.is_dir())?;
    let mut paths = Vec::new();
    for dir in ["real", "seed"] {
        for entry in std::fs::read_dir(base.join(dir)).ok()?.flatten() {
            if entry.path().extension().is_some_and(|e| e == "md") {
                paths.push(entry.path());
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| Some(String::from_utf8_lossy(&std::fs::read(p).ok()?).into_owned()))
        .collect()
}

/// The documents joined into one text, each followed by a blank line (the corpus benchmark's
/// one-text input).
pub fn joined(docs: &[String]) -> String {
    let mut text = String::new();
    for doc in docs {
        text.push_str(doc);
        text.push_str("\n\n");
    }
    text
}
