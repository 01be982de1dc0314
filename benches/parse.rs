//! Parse throughput: the full post-mortem extraction next to a bare pulldown-cmark event walk over
//! the same text with the same options, on a generated ~2 MB document and on the shared corpus,
//! joined into one text and document by document (as the App parses them: one at a time).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use postmortem_bot::postmortem::{markdown_options, parse};

#[path = "support/inputs.rs"]
mod inputs;

use inputs::{PAGE_BYTES, corpus_documents, generated, joined};

/// The baseline. `examples/parse_profile.rs` walks the same way in its own loop: keep the two in
/// step. Shared, the walk compiled differently in one of them (+0.5% instructions on the page).
fn bare_events(text: &str) -> usize {
    pulldown_cmark::Parser::new_ext(text, markdown_options())
        .into_offset_iter()
        .count()
}

fn bench_pair(c: &mut Criterion, name: &str, text: &str) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("bare_pulldown_cmark", |b| {
        b.iter(|| bare_events(black_box(text)))
    });
    group.bench_function("postmortem_parse", |b| b.iter(|| parse(black_box(text))));
    group.finish();
}

/// Each document parsed on its own, one after another: what one parse costs the App, fixed
/// costs and all, which one long joined text spreads thin.
fn bench_documents(c: &mut Criterion, name: &str, docs: &[String]) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(docs.iter().map(|d| d.len() as u64).sum()));
    group.bench_function("bare_pulldown_cmark", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| bare_events(black_box(d)))
                .sum::<usize>()
        })
    });
    group.bench_function("postmortem_parse", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| parse(black_box(d)).follow_ups.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let doc = generated(PAGE_BYTES);
    bench_pair(c, "generated_2MiB", &doc);
    match corpus_documents() {
        Some(docs) => {
            bench_pair(c, "corpus", &joined(&docs));
            bench_documents(c, "corpus_per_document", &docs);
        }
        None => eprintln!("notice: ../shared/corpus not found; skipping the corpus benchmarks"),
    }
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
