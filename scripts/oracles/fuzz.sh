#!/usr/bin/env bash
# Short libFuzzer pass over every file and document parser (Benchmarks/fuzz): each target replays its
# committed corpus, then fuzzes for FUZZ_SECONDS (default 8) or FUZZ_RUNS executions (default 20,000),
# whichever comes first. Fails on any crash, trap, timeout, memory blow-up or broken invariant; the
# reproducing input is kept under FUZZ_OUT (default /tmp/patchpilot-fuzz/artifacts).
#
#   scripts/oracles/fuzz.sh            (PATCHPILOT_BIN_DIR, set by scripts/test.sh, is not needed)
#   env: FUZZ_SECONDS, FUZZ_RUNS, FUZZ_CONFIG (debug: quicker to build from clean; release for long
#        runs), FUZZ_SCRATCH (default .build-fuzz)
# Long runs (1,000,000 executions per target, recorded in BENCHMARKS.md): Benchmarks/fuzz/run.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export FUZZ_SECONDS="${FUZZ_SECONDS:-8}"
export FUZZ_CONFIG="${FUZZ_CONFIG:-debug}"
export FUZZ_SCRATCH="${FUZZ_SCRATCH:-$ROOT/.build-fuzz}"
exec "$ROOT/Benchmarks/fuzz/run.sh" all "${FUZZ_RUNS:-20000}"
