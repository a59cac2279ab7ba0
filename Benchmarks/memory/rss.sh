#!/usr/bin/env bash
# Server memory under heartbeats: one `patchpilot serve` (SQLite or a throwaway PostgreSQL cluster),
# AGENTS simulated agents enrolled and sending ROUNDS heartbeat rounds, the server's RSS sampled
# every 5 s. Prints the samples in MiB and the end RSS and peak (VmHWM).
#
#   Benchmarks/memory/rss.sh sqlite|postgres [PATH_TO_patchpilot]
#   env: AGENTS (default 1000), ROUNDS (default 60), OUT (a directory to keep the samples in)
#
# A leak shows as RSS growing with the rounds; a healthy server levels off after enrollment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
engine=${1:?usage: rss.sh sqlite|postgres [patchpilot]}
bin=${2:-$root/.build-release/release/patchpilot}
[ -x "$bin" ] || { echo "rss: $bin is not an executable (build with: swift build -c release --scratch-path .build-release --product patchpilot)" >&2; exit 1; }
work=$(mktemp -d)
out=${OUT:-$work}
mkdir -p "$out"
dbargs=()
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
    [ "$engine" = postgres ] && stop_test_postgres || true
    rm -rf "$work/d"
}
trap cleanup EXIT
if [ "$engine" = postgres ]; then
    source "$root/scripts/lib/test-postgres.sh"
    TEST_PG_DURABLE=1 start_test_postgres >&2
    dbargs=(--database "$PATCHPILOT_TEST_POSTGRES_URL")
elif [ "$engine" != sqlite ]; then
    echo "rss: engine must be sqlite or postgres, not '$engine'" >&2; exit 2
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve "${dbargs[@]}" --data-dir "$work/d" --listen "127.0.0.1:$port" --log-level error > "$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$("$bin" enroll-token create "${dbargs[@]}" --data-dir "$work/d" --uses 1000000)
( while kill -0 "$pid" 2>/dev/null; do awk '/VmRSS/{print $2}' "/proc/$pid/status"; sleep 5; done ) > "$out/rss.kib" &
sampler=$!
"$bin" simulate --server "http://127.0.0.1:$port" --enroll-token "$token" --agents "${AGENTS:-1000}" \
    --rounds "${ROUNDS:-60}" --patch-rate 0.01 --concurrency 16 > "$out/simulate.log" 2>&1
tail -2 "$out/simulate.log"
echo "RSS samples (MiB, every 5 s): $(awk '{printf "%d ", $1/1024}' "$out/rss.kib")"
echo "end RSS $(awk '/VmRSS/{printf "%d", $2/1024}' "/proc/$pid/status") MiB, peak $(awk '/VmHWM/{printf "%d", $2/1024}' "/proc/$pid/status") MiB"
