//! Profiling harness for the parser: `cargo run --release --example parse_profile -- parse|bare
//! FILE [N]` runs one side of the parse benchmark N times after one warm-up run, so that a
//! profiler (`valgrind --tool=callgrind --toggle-collect='*measured_runs*'`, `perf`) sees the
//! steady state without the one-time regex compilation.

use std::process::ExitCode;

use postmortem_bot::postmortem::{markdown_options, parse};

fn run(bare: bool, text: &str) -> usize {
    if bare {
        pulldown_cmark::Parser::new_ext(text, markdown_options())
            .into_offset_iter()
            .count()
    } else {
        parse(std::hint::black_box(text)).follow_ups.len()
    }
}

#[inline(never)]
fn measured_runs(bare: bool, text: &str, n: usize) -> usize {
    (0..n).map(|_| run(bare, text)).sum()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (bare, path) = match args.as_slice() {
        [mode, path, ..] if mode == "bare" || mode == "parse" => (mode == "bare", path),
        _ => {
            eprintln!("usage: parse_profile parse|bare FILE [N]");
            return ExitCode::from(2);
        }
    };
    let n = match args.get(2).map(|n| n.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("N must be a count: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let warm = run(bare, &text);
    println!(
        "{warm} per run; {} over {n} measured runs",
        measured_runs(bare, &text, n)
    );
    ExitCode::SUCCESS
}
