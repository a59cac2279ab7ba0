#!/usr/bin/env bash
# Fleet correlation benchmark: FleetCorrelator (SecurityAdvisories) on a generated fleet of 100,000
# hosts (real Debian 12, Ubuntu 22.04 and AlmaLinux 9.2 package sets with version variation) against
# 50,000 advisory records (the real fixture records plus clones of them), release build, 2 cores.
# Prints a table; exits 1 if the fleet results differ from per-host correlation on a sample.
#   Benchmarks/correlation/run.sh [HOSTS] [ADVISORIES]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOSTS="${1:-100000}"
ADVISORIES="${2:-50000}"
SCRATCH="${BENCH_DIR:-/tmp/patchpilot-correlation-bench}"
# Sources/{PackageVersions,FleetModel,SecurityAdvisories} are symlinks to the repository's modules.
(cd "$HERE" && swift build -c release --scratch-path "$SCRATCH" --product CorrelationBench \
    -Xswiftc -warnings-as-errors >/dev/null)
echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD)"
"$SCRATCH/release/CorrelationBench" "$ROOT" "$HOSTS" "$ADVISORIES"
