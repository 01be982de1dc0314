#!/usr/bin/env bash
# The parser's speed goal (a full parse at most 2x a bare pulldown-cmark event walk over the same
# text) measured on the benchmark's own inputs, the generated 2 MiB page and the shared corpus
# (joined, and document by document), in two ways that a shared machine's drift disturbs less
# than criterion's separate loops:
#   - paired medians: `parse_profile ratio`, both sides timed in alternating pairs, ROUNDS times;
#     each side of a pair is STREAK runs in a row, timed together: with single runs, work the
#     parse leaves behind lands in the bare run after it (the bare walk read 4% slower, the
#     ratio 8% lower than criterion's loops, which time each side back to back);
#   - instructions: callgrind's count of each side's measured runs, the same on every run of one
#     build (skipped, with a notice, when valgrind is missing).
# Criterion itself stays `cargo bench --bench parse`.
#
#   - with CACHE=1, instruction- and data-cache misses as well (callgrind's cache simulation of
#     32 KiB L1i and L1d): the code each side runs between two uses of the same code, which the
#     instruction count does not show (the parse's per-item work runs through more code than
#     fits), and the data it reads again after it went cold (each pass over the block list);
#   - with BRANCHES=1, mispredicted branches (callgrind's branch simulation): the parse's
#     screens branch on the text they read, at 15-20 cycles a miss.
#
#   bench/parse-ratio.sh                      # ROUNDS=3, STREAK=10, PAGE_PAIRS=20, CORPUS_PAIRS=100
#   ROUNDS=1 INSTRUCTIONS=0 bench/parse-ratio.sh
#   CACHE=1 bench/parse-ratio.sh
#   CACHE=1 BRANCHES=1 ROUNDS=1 bench/parse-ratio.sh
#   STAGES=1 ROUNDS=1 INSTRUCTIONS=0 bench/parse-ratio.sh   # what each step adds in time
#   ALIGN=1 bench/parse-ratio.sh              # code placement pinned, to compare two builds
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${ROUNDS:-3}
streak=${STREAK:-10}
page_pairs=${PAGE_PAIRS:-20}
corpus_pairs=${CORPUS_PAIRS:-100}

# With ALIGN=1, the harness built with every function, and every block not entered by falling
# through (loop heads, jump targets), aligned to 64 bytes, in a target directory of its own.
# Unaligned, the bare walk, the same pulldown-cmark code in every build, ran 6% faster in one
# build of the harness than in another whose parser differed in one function (code placement),
# which moved the ratio by as much as the change could; aligned, the two builds' bare walks
# agreed within 1%. For comparing builds only: the App and the benchmark are built unaligned.
target=${CARGO_TARGET_DIR:-$here/target}
if [ "${ALIGN:-0}" = 1 ]; then
  target=$target/aligned
  export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C llvm-args=-align-all-functions=6 -C llvm-args=-align-all-nofallthru-blocks=6"
fi
cargo build --release --example parse_profile --manifest-path "$here/Cargo.toml" \
  --target-dir "$target" >&2
profile=$target/release/examples/parse_profile

inputs=(@page)
if "$profile" bare @corpus 0 >/dev/null 2>&1; then
  inputs+=(@corpus @docs)
else
  echo "notice: ../shared/corpus is not beside the checkout; the corpus is skipped" >&2
fi

echo "paired medians (parse_profile ratio INPUT N $streak, $rounds rounds)"
for input in "${inputs[@]}"; do
  pairs=$page_pairs
  [ "$input" != @page ] && pairs=$corpus_pairs
  for _ in $(seq "$rounds"); do
    echo "  ${input#@}: $("$profile" ratio "$input" "$pairs" "$streak")"
  done
done

# With STAGES=1, what each step of the parse adds in time (`parse_profile stages`): a step whose
# code and tables go cold on every document shows here, not in the instruction counts.
# It needs the `profiling` feature, which changes how `parse` is compiled: a build of its own,
# in a target directory of its own, leaves the binary measured above and below as it was.
if [ "${STAGES:-0}" = 1 ]; then
  staged_target=$target/profiling
  cargo build --release --features profiling --example parse_profile \
    --manifest-path "$here/Cargo.toml" --target-dir "$staged_target" >&2
  echo "after each step (parse_profile stages INPUT N $streak; the profiling build)"
  for input in "${inputs[@]}"; do
    pairs=$page_pairs
    [ "$input" != @page ] && pairs=$corpus_pairs
    echo "  ${input#@}:"
    "$staged_target/release/examples/parse_profile" stages "$input" "$pairs" "$streak" |
      sed -n 's/^  /    /p'
  done
fi

if [ "${INSTRUCTIONS:-1}" = 0 ]; then
  exit 0
fi
if ! command -v valgrind >/dev/null; then
  echo "notice: valgrind is not installed; instruction counts skipped" >&2
  exit 0
fi
# Instructions of the measured runs alone (one warm-up run first keeps the regexes' one-time
# compilation out), counted by callgrind.
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='*measured_runs*' \
    "$profile" "$1" "$2" "$3" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# A total callgrind's simulation prints for the measured runs: simulated OPTION LABEL SIDE INPUT
# RUNS (LABEL as in its summary, "I1  misses" or "Mispredicts").
simulated() {
  valgrind --tool=callgrind "$1" --callgrind-out-file=/dev/null \
    --toggle-collect='*measured_runs*' "$profile" "$3" "$4" "$5" 2>&1 |
    sed -n "s/.*$2: *\([0-9,]*\).*/\1/p" | tr -d ,
}
i1_misses() { simulated --cache-sim=yes 'I1  misses' "$@"; }
d1_misses() { simulated --cache-sim=yes 'D1  misses' "$@"; }
mispredicts() { simulated --branch-sim=yes 'Mispredicts' "$@"; }
# Both sides of every input by MEASURE, per run: MEASURE PAGE_RUNS CORPUS_RUNS SCALE UNIT.
per_run() {
  local measure=$1 scale=$4 unit=$5 runs bare full
  for input in "${inputs[@]}"; do
    runs=$3
    [ "$input" = @page ] && runs=$2
    bare=$("$measure" bare "$input" "$runs")
    full=$("$measure" parse "$input" "$runs")
    awk -v name="${input#@}" -v b="$bare" -v p="$full" -v n="$runs" -v s="$scale" -v u="$unit" 'BEGIN {
      printf "  %s: bare %.2f %s, parse %.2f %s per run: %.2fx\n", name, b / n / s, u, p / n / s, u, p / b
    }'
  done
}
echo "instructions (callgrind, measured runs only)"
per_run count 2 10 1e6 M
if [ "${CACHE:-0}" = 1 ]; then
  echo "instruction-cache misses (callgrind --cache-sim, measured runs only)"
  per_run i1_misses 1 3 1e3 K
  echo "data-cache misses (the same simulation)"
  per_run d1_misses 1 3 1e3 K
fi
if [ "${BRANCHES:-0}" = 1 ]; then
  echo "mispredicted branches (callgrind --branch-sim, measured runs only)"
  per_run mispredicts 1 3 1e3 K
fi
