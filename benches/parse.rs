//! Parse throughput: the full post-mortem extraction next to a bare pulldown-cmark event walk over
//! the same text with the same options, on a generated ~2 MB document and on the shared corpus.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use postmortem_bot::postmortem::{markdown_options, parse};

#[path = "support/inputs.rs"]
mod inputs;

use inputs::{PAGE_BYTES, corpus, generated};

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

fn benches(c: &mut Criterion) {
    let doc = generated(PAGE_BYTES);
    bench_pair(c, "generated_2MiB", &doc);
    match corpus() {
        Some(text) => bench_pair(c, "corpus", &text),
        None => eprintln!("notice: ../shared/corpus not found; skipping the corpus benchmark"),
    }
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
