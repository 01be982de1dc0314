#!/usr/bin/env bash
# Runs the shared webhook load (../shared/bench/peer-probot/run.sh) against Probot and against
# postmortem-bot, one after the other on this machine, and prints both summaries side by side.
#
#   bench/webhook-vs-probot.sh            # RUNS=3, 20 s phases (the peer's defaults)
#   RUNS=1 DURATION=5s bench/webhook-vs-probot.sh
#
# Needs wrk, jq, curl, openssl, node (apt-get install -y wrk jq) and a release build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
peer=${PEER_BENCH:-$here/../shared/bench/peer-probot}
[ -x "$peer/run.sh" ] || { echo "the peer benchmark is missing at $peer" >&2; exit 1; }
bin=${BIN:-$here/target/release/postmortem-bot}
[ -n "${BIN:-}" ] || cargo build --release --bin postmortem-bot --manifest-path "$here/Cargo.toml" >&2
work=${WORK_DIR:-/tmp/peer-probot}
stamp=$(date +%Y%m%dT%H%M%S)

RESULTS_DIR="$work/results/probot-$stamp" "$peer/run.sh" >&2

# A fresh SQLite file per server start; no App credentials, so the webhook path alone is measured
# (deliveries are verified, decoded and persisted as jobs, as in production).
db=$(mktemp -d)/bench.db
TARGET_NAME=postmortem-bot \
TARGET_URL=http://127.0.0.1:3000/webhook \
STATS_URL= \
RESULTS_DIR="$work/results/postmortem-bot-$stamp" \
TARGET_CMD="rm -f $db $db-wal $db-shm; GITHUB_WEBHOOK_SECRET=\$WEBHOOK_SECRET DATABASE_URL=sqlite://$db BIND=127.0.0.1:3000 RUST_LOG=warn ENV_FILE=/nonexistent exec $bin serve" \
  "$peer/run.sh" >&2

"$peer/summarize.sh" "$work/results/probot-$stamp/runs.jsonl" "$work/results/postmortem-bot-$stamp/runs.jsonl"
