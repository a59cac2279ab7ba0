#!/usr/bin/env bash
# Maintenance-window benchmark: next fit of a 90-minute change for N hosts (default 100,000), each
# with one of 50 windows (parsed from .ics text) and one of 20 IANA zones, under 5 freezes; hosts
# sharing (window, zone) share the answer. Release build. Prints a table; exits 1 if the answers
# differ from a per-host computation or a brute-force walk on a sample.
#   Benchmarks/windows/run.sh [HOSTS] [REPETITIONS]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOSTS="${1:-100000}"
REPS="${2:-7}"
SCRATCH="${BENCH_DIR:-/tmp/patchpilot-windows-bench}"
# Sources/{PackageVersions,FleetModel,SecurityAdvisories,PatchPolicy} are symlinks to the repository's modules.
(cd "$HERE" && swift build -c release --scratch-path "$SCRATCH" --product WindowsBench \
    -Xswiftc -warnings-as-errors >/dev/null)
echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$SCRATCH/release/WindowsBench" "$HOSTS" "$REPS"
