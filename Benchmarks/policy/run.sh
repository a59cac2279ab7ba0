#!/usr/bin/env bash
# SLA-state benchmark: SLAClock (PatchPolicy) on N generated findings (default 10,000,000) under the
# PCI DSS v4.0 profile with a tier override, KEV due dates and 1% of findings paused by exceptions;
# release build, one thread. Prints a table; exits 1 if a spot check disagrees.
#   Benchmarks/policy/run.sh [FINDINGS]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
FINDINGS="${1:-10000000}"
SCRATCH="${BENCH_DIR:-/tmp/patchpilot-policy-bench}"
# Sources/{PackageVersions,FleetModel,SecurityAdvisories,PatchPolicy} are symlinks to the repository's modules.
(cd "$HERE" && swift build -c release --scratch-path "$SCRATCH" --product PolicyBench \
    -Xswiftc -warnings-as-errors >/dev/null)
echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD)"
"$SCRATCH/release/PolicyBench" "$FINDINGS"
