#!/usr/bin/env bash
# The parser's speed goal (a full parse at most 2x a bare pulldown-cmark event walk over the same
# text) measured on the benchmark's own inputs, the generated 2 MiB page and the shared corpus
# (joined, and document by document), in two ways that a shared machine's drift disturbs less
# than criterion's separate loops:
#   - paired medians: `parse_profile ratio`, both sides timed in alternating pairs, ROUNDS times;
#   - instructions: callgrind's count of each side's measured runs, the same on every run of one
#     build (skipped, with a notice, when valgrind is missing).
# Criterion itself stays `cargo bench --bench parse`.
#
#   - with CACHE=1, instruction-cache misses as well (callgrind's cache simulation of a 32 KiB
#     L1i): the code each side runs between two uses of the same code, which the instruction
#     count does not show (the parse's per-item work runs through more code than fits).
#
#   bench/parse-ratio.sh                      # ROUNDS=3, PAGE_PAIRS=40, CORPUS_PAIRS=400
#   ROUNDS=1 INSTRUCTIONS=0 bench/parse-ratio.sh
#   CACHE=1 bench/parse-ratio.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${ROUNDS:-3}
page_pairs=${PAGE_PAIRS:-40}
corpus_pairs=${CORPUS_PAIRS:-400}

cargo build --release --example parse_profile --manifest-path "$here/Cargo.toml" >&2
profile=${CARGO_TARGET_DIR:-$here/target}/release/examples/parse_profile

inputs=(@page)
if "$profile" bare @corpus 0 >/dev/null 2>&1; then
  inputs+=(@corpus @docs)
else
  echo "notice: ../shared/corpus is not beside the checkout; the corpus is skipped" >&2
fi

echo "paired medians (parse_profile ratio INPUT N, $rounds rounds)"
for input in "${inputs[@]}"; do
  pairs=$page_pairs
  [ "$input" != @page ] && pairs=$corpus_pairs
  for _ in $(seq "$rounds"); do
    echo "  ${input#@}: $("$profile" ratio "$input" "$pairs")"
  done
done

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
echo "instructions (callgrind, measured runs only)"
for input in "${inputs[@]}"; do
  runs=2
  [ "$input" != @page ] && runs=10
  bare=$(count bare "$input" "$runs")
  full=$(count parse "$input" "$runs")
  awk -v name="${input#@}" -v b="$bare" -v p="$full" -v n="$runs" 'BEGIN {
    printf "  %s: bare %.2f M, parse %.2f M per run: %.2fx\n", name, b / n / 1e6, p / n / 1e6, p / b
  }'
done
if [ "${CACHE:-0}" = 1 ]; then
  misses() {
    valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file=/dev/null \
      --toggle-collect='*measured_runs*' "$profile" "$1" "$2" "$3" 2>&1 |
      sed -n 's/.*I1  misses: *\([0-9,]*\).*/\1/p' | tr -d ,
  }
  echo "instruction-cache misses (callgrind --cache-sim, measured runs only)"
  for input in "${inputs[@]}"; do
    runs=1
    [ "$input" != @page ] && runs=3
    bare=$(misses bare "$input" "$runs")
    full=$(misses parse "$input" "$runs")
    awk -v name="${input#@}" -v b="$bare" -v p="$full" -v n="$runs" 'BEGIN {
      printf "  %s: bare %.1f K, parse %.1f K per run\n", name, b / n / 1e3, p / n / 1e3
    }'
  done
fi
