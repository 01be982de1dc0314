//! Profiling harness for the parser: `cargo run --release --example parse_profile -- parse|bare
//! FILE [N]` runs one side of the parse benchmark N times after one warm-up run, so that a
//! profiler (`valgrind --tool=callgrind --toggle-collect='*measured_runs*'`, `perf`) sees the
//! steady state without the one-time regex compilation. `ratio FILE [N [STREAK]]` times both
//! sides in turn, N pairs of STREAK runs a side, and prints their medians: on a shared machine
//! whose speed drifts from minute to minute, pairs taken side by side keep the drift out of the
//! ratio.
//!
//! `stages FILE [N [STREAK]]` does the same for the parse cut after each of its steps (the walk,
//! then sections, follow-ups, timeline, time to resolve; `postmortem::parse_until`): what each
//! step adds to the ratio in time, including the cache misses it pays on every document, which
//! instruction counts do not show. It needs `--features profiling` (see `Cargo.toml`): build it
//! apart from the binary the other modes measure.
//!
//! FILE `@page`, `@corpus` and `@docs` stand for the benchmark's own inputs
//! (`benches/support/inputs.rs`): the generated 2 MiB page, the shared corpus joined, and the
//! corpus parsed document by document (one run parses each of them once).
//! `bench/parse-ratio.sh` runs the lot.

use std::process::ExitCode;

use postmortem_bot::postmortem::{markdown_options, parse};

#[path = "../benches/support/inputs.rs"]
mod inputs;

fn run(bare: bool, text: &str) -> usize {
    if bare {
        // The benchmark's `bare_events`, written out here: keep the two in step.
        pulldown_cmark::Parser::new_ext(text, markdown_options())
            .into_offset_iter()
            .count()
    } else {
        parse(std::hint::black_box(text)).follow_ups.len()
    }
}

/// One run over each document in turn (`@docs`). Kept apart from the one-text path, whose loop
/// compiled with a slice of documents in it cost the bare walk 0.8% more instructions.
fn run_documents(bare: bool, docs: &[String]) -> usize {
    docs.iter().map(|text| run(bare, text)).sum()
}

#[inline(never)]
fn measured_runs(bare: bool, text: &str, n: usize) -> usize {
    (0..n).map(|_| run(bare, text)).sum()
}

#[inline(never)]
fn measured_runs_documents(bare: bool, docs: &[String], n: usize) -> usize {
    (0..n).map(|_| run_documents(bare, docs)).sum()
}

/// Median time of each side (`side(bare)` runs it once) over `n` alternating pairs, in
/// milliseconds, and the median of the per-pair ratios. Each side of a pair is `streak` runs in a
/// row, timed together and divided: with one, work a run leaves behind (the allocator's
/// consolidation of what the parse freed) lands in the next run, the other side's.
fn ratio(n: usize, streak: usize, side: impl Fn(bool) -> usize) -> (f64, f64, f64) {
    let streak = streak.max(1);
    let time = |bare: bool| {
        let start = std::time::Instant::now();
        for _ in 0..streak {
            std::hint::black_box(side(bare));
        }
        start.elapsed().as_secs_f64() * 1e3 / streak as f64
    };
    let pairs: Vec<(f64, f64)> = (0..n.max(1)).map(|_| (time(true), time(false))).collect();
    let median = |pick: &dyn Fn(&(f64, f64)) -> f64| {
        let mut v: Vec<f64> = pairs.iter().map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&|p| p.0), median(&|p| p.1), median(&|p| p.1 / p.0))
}

/// The `stages` mode: the ratio after each step of the parse, then the whole parse's.
#[cfg(feature = "profiling")]
fn stages(
    n: usize,
    streak: usize,
    docs: &[String],
    one_text: Option<&str>,
    side: impl Fn(bool) -> usize,
) -> ExitCode {
    use postmortem_bot::postmortem::{Stage, parse_until};
    println!("parse/bare after each step, medians of {n} pairs of {streak}:");
    for stage in Stage::ALL {
        let until = |text: &str| parse_until(std::hint::black_box(text), stage);
        let (_, _, ratio) = ratio(n, streak, |bare| match (bare, one_text) {
            // The bare side exactly as `ratio` times it.
            (true, _) => side(true),
            (false, Some(text)) => until(text),
            (false, None) => docs.iter().map(|d| until(d)).sum(),
        });
        println!("  {stage:?}: {ratio:.2}x");
    }
    let (_, _, whole) = ratio(n, streak, side);
    println!("  parse: {whole:.2}x");
    ExitCode::SUCCESS
}

#[cfg(not(feature = "profiling"))]
fn stages(
    _: usize,
    _: usize,
    _: &[String],
    _: Option<&str>,
    _: impl Fn(bool) -> usize,
) -> ExitCode {
    eprintln!(
        "stages needs the profiling feature: cargo build --release --features profiling --example parse_profile"
    );
    ExitCode::from(2)
}

/// The count argument at `index` (1 when absent), or the exit code after saying what is wrong.
fn count_arg(args: &[String], index: usize, name: &str) -> Result<usize, ExitCode> {
    match args.get(index).map(|n| n.parse::<usize>()) {
        None => Ok(1),
        Some(Ok(n)) => Ok(n),
        Some(Err(e)) => {
            eprintln!("{name} must be a count: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path) = match args.as_slice() {
        [mode, path, ..] if ["bare", "parse", "ratio", "stages"].contains(&mode.as_str()) => {
            (mode.as_str(), path)
        }
        _ => {
            eprintln!(
                "usage: parse_profile parse|bare|ratio|stages FILE|@page|@corpus|@docs [N [STREAK]]"
            );
            return ExitCode::from(2);
        }
    };
    let bare = mode == "bare";
    let n = match count_arg(&args, 2, "N") {
        Ok(n) => n,
        Err(code) => return code,
    };
    let missing_corpus = || {
        eprintln!("the shared corpus (../shared/corpus) is not beside this checkout");
        ExitCode::FAILURE
    };
    let docs = match path.as_str() {
        "@page" => vec![inputs::generated(inputs::PAGE_BYTES)],
        "@corpus" => match inputs::corpus_documents() {
            Some(docs) => vec![inputs::joined(&docs)],
            None => return missing_corpus(),
        },
        "@docs" => match inputs::corpus_documents() {
            Some(docs) => docs,
            None => return missing_corpus(),
        },
        _ => match std::fs::read(path) {
            Ok(bytes) => vec![String::from_utf8_lossy(&bytes).into_owned()],
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let one_text = match docs.as_slice() {
        [text] if path != "@docs" => Some(text.as_str()),
        _ => None,
    };
    let side = |bare: bool| match one_text {
        Some(text) => run(bare, text),
        None => run_documents(bare, &docs),
    };
    let warm = side(bare);
    let streak = match count_arg(&args, 3, "STREAK") {
        Ok(k) => k,
        Err(code) => return code,
    };
    if mode == "stages" {
        return stages(n, streak, &docs, one_text, side);
    }
    if mode == "ratio" {
        let (bare_ms, parse_ms, ratio) = ratio(n, streak, side);
        println!(
            "median of {n} pairs of {streak}: bare {bare_ms:.3} ms, parse {parse_ms:.3} ms, parse/bare {ratio:.2}x"
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "{warm} per run; {} over {n} measured runs",
        match one_text {
            Some(text) => measured_runs(bare, text, n),
            None => measured_runs_documents(bare, &docs, n),
        }
    );
    ExitCode::SUCCESS
}
