#!/usr/bin/env bash
# Rollout benchmark: (1) RolloutPlanner.plan for N hosts (default 100,000) in 3 environments with
# 4 tiers, 200 services joined by 500 dependency edges, and 50 maintenance windows (parsed .ics);
# (2) Rollout.tick with N active (leased) host tasks, and the tick that leases them. Release build,
# one thread. Prints a table with the goals (plan ≤ 500 ms, tick ≤ 100 ms); exits 1 if a check fails.
#   Benchmarks/rollout/run.sh [HOSTS] [REPETITIONS]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOSTS="${1:-100000}"
REPS="${2:-5}"
SCRATCH="${BENCH_DIR:-/tmp/patchpilot-rollout-bench}"
(cd "$HERE" && swift build -c release --scratch-path "$SCRATCH" --product RolloutBench \
    -Xswiftc -warnings-as-errors >/dev/null)
echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$SCRATCH/release/RolloutBench" "$HOSTS" "$REPS"
