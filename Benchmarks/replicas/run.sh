#!/usr/bin/env bash
# Heartbeats per second of PatchPilot on PostgreSQL with 1, 2 and 3 replicas (behind nginx, as
# deployed), against one SQLite node and against nginx answering the agent endpoints with fixed
# JSON (the ceiling of client and loopback), all driven by the same client (`patchpilot simulate`:
# real Ed25519-signed heartbeats, keep-alive, N in flight). PostgreSQL is a throwaway cluster with
# fsync on (as SQLite runs with synchronous=FULL). Then, unless SOAK_SECONDS=0: a soak of
# SOAK_AGENTS agents checking in every SOAK_INTERVAL s against 3 replicas for SOAK_SECONDS, with
# errors, p50/p99 heartbeat latency and each replica's RSS at start and end.
# Prints a Markdown report for BENCHMARKS.md on stdout (progress on stderr).
#
# Usage: Benchmarks/replicas/run.sh [AGENTS] [ROUNDS] [CONCURRENCY]      (defaults 200 10 16)
# Environment: SOAK_AGENTS (10000), SOAK_SECONDS (600), SOAK_INTERVAL (60), SOAK_CONCURRENCY (32),
#   REPLICAS_BIN (a release patchpilot to use instead of building one)
set -euo pipefail
cd "$(dirname "$0")/../.."
cmdline="Benchmarks/replicas/run.sh${*:+ $*}"
agents=${1:-200}
rounds=${2:-10}
concurrency=${3:-16}
soak_agents=${SOAK_AGENTS:-10000}
soak_seconds=${SOAK_SECONDS:-600}
soak_interval=${SOAK_INTERVAL:-60}
soak_concurrency=${SOAK_CONCURRENCY:-32}
for value in "$agents" "$rounds" "$concurrency" "$soak_agents" "$soak_interval" "$soak_concurrency"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [AGENTS] [ROUNDS] [CONCURRENCY] (positive integers)" >&2; exit 2; }
done
[[ $soak_seconds =~ ^[0-9]+$ ]] || { echo "SOAK_SECONDS must be a whole number" >&2; exit 2; }
say() { echo "replicas: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
binary_note="release build"
if [ -n "${REPLICAS_BIN:-}" ]; then
    patchpilot=$REPLICAS_BIN
    binary_note="binary $REPLICAS_BIN"
else
    say "building release patchpilot"
    swift build -c release --scratch-path .build-release --product patchpilot >/dev/null
    patchpilot=$(swift build -c release --scratch-path .build-release --show-bin-path)/patchpilot
fi
work=$(mktemp -d)
chmod 755 "$work"   # nginx workers (unprivileged) write request bodies under it
source scripts/lib/test-postgres.sh
# Servers and nginx record their pids in files (they start inside command substitutions).
stop_all() {
    local file
    for file in "$work"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
    for file in "$work"/*.pid; do
        [ -f "$file" ] || continue
        while kill -0 "$(cat "$file")" 2>/dev/null; do sleep 0.1; done
        rm -f "$file"
    done
}
cleanup() {
    stop_all
    find "$work" -name nginx.pid -exec sh -c 'kill "$(cat "$1")" 2>/dev/null' _ {} \; 2>/dev/null || true
    stop_test_postgres
    rm -rf "$work"
}
trap cleanup EXIT
TEST_PG_DURABLE=1 start_test_postgres >&2
pg_base=${PATCHPILOT_TEST_POSTGRES_URL%/*}
psql() { "${TEST_PG_RUN[@]}" "$TEST_PG_BIN/psql" -Atq "$PATCHPILOT_TEST_POSTGRES_URL" -c "$1"; }
pg_version=$("$TEST_PG_BIN/postgres" --version | awk '{print $3}')

# serve NAME ARGS…: starts a replica, waits for /healthz, prints its port.
serve() {
    local name=$1 port
    shift
    port=$(free_port)
    "$patchpilot" serve "$@" --data-dir "$work/$name" --listen "127.0.0.1:$port" --log-level error \
        > "$work/$name.log" 2>&1 &
    echo "$!" > "$work/$name.pid"
    for _ in $(seq 300); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { echo "$port"; return; }
        sleep 0.2
    done
    echo "replica $name did not start: $(cat "$work/$name.log")" >&2
    exit 1
}
# balancer NAME PORT…: nginx in front of the ports, prints its port.
balancer() {
    local name=$1 port dir=$work/nginx-$1 upstreams=""
    shift
    port=$(free_port)
    mkdir -p "$dir"
    for p in "$@"; do upstreams+="        server 127.0.0.1:$p max_fails=3 fail_timeout=5s;"$'\n'; done
    python3 - "$dir" "$port" "$upstreams" <<'PY'
import sys
directory, port, upstreams = sys.argv[1:]
text = open("Benchmarks/replicas/nginx-lb.conf.template").read()
open(f"{directory}/nginx.conf", "w").write(
    text.replace("@DIR@", directory).replace("@PORT@", port).replace("@UPSTREAMS@", upstreams.rstrip("\n")))
PY
    nginx -c "$dir/nginx.conf" -p "$dir"
    sleep 0.3
    echo "$port"
}
# measure URL TOKEN: heartbeats per second of AGENTS agents over ROUNDS back-to-back rounds.
measure() {
    "$patchpilot" simulate --server "$1" --enroll-token "$2" --agents "$agents" --rounds "$rounds" \
        --interval 0 --patch-rate 0 --concurrency "$concurrency" > "$work/measure.out" 2>&1 \
        || { cat "$work/measure.out" >&2; exit 1; }
    awk '/check-ins per second/ {print $4}' "$work/measure.out"
}

# Ceiling: nginx answering with fixed JSON.
ceiling_port=$(free_port)
mkdir -p "$work/ceiling"
sed "s|@DIR@|$work/ceiling|g; s|@PORT@|$ceiling_port|g" Benchmarks/checkins/nginx.conf.template > "$work/ceiling/nginx.conf"
nginx -c "$work/ceiling/nginx.conf" -p "$work/ceiling"
sleep 0.3
say "nginx static"
rate_nginx=$(measure "http://127.0.0.1:$ceiling_port" "ppe_x_y")

say "one SQLite node"
port=$(serve sqlite)
token=$("$patchpilot" enroll-token create --data-dir "$work/sqlite" --uses $((agents + 1)))
rate_sqlite=$(measure "http://127.0.0.1:$port" "$token")
stop_all

declare -A rate_pg
for n in 1 2 3; do
    say "$n PostgreSQL replica(s) behind nginx"
    psql "DROP DATABASE IF EXISTS bench$n" && psql "CREATE DATABASE bench$n"
    database="$pg_base/bench$n"
    ports=()
    for r in $(seq "$n"); do ports+=("$(serve "pg$n-r$r" --database "$database" --replica-id "r$r")"); done
    lb=$(balancer "pg$n" "${ports[@]}")
    token=$("$patchpilot" enroll-token create --database "$database" --uses $((agents + 1)))
    rate_pg[$n]=$(measure "http://127.0.0.1:$lb" "$token")
    stop_all
done
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

cat <<MD
Command: \`$cmdline\` ($binary_note; PostgreSQL $pg_version, throwaway cluster, fsync on;
$agents agents, $rounds rounds, $concurrency heartbeats in flight; $(nproc) cores, client, nginx,
replicas and PostgreSQL on the same machine).

| Target | Heartbeats/s | Ratio to nginx static |
|---|---|---|
| nginx static JSON (ceiling) | $rate_nginx | 1.00 |
| 1 node, SQLite | $rate_sqlite | $(ratio "$rate_sqlite" "$rate_nginx") |
| 1 replica, PostgreSQL, behind nginx | ${rate_pg[1]} | $(ratio "${rate_pg[1]}" "$rate_nginx") |
| 2 replicas, PostgreSQL, behind nginx | ${rate_pg[2]} | $(ratio "${rate_pg[2]}" "$rate_nginx") |
| 3 replicas, PostgreSQL, behind nginx | ${rate_pg[3]} | $(ratio "${rate_pg[3]}" "$rate_nginx") |
MD

[ "$soak_seconds" -gt 0 ] || exit 0
say "soak: $soak_agents agents every $soak_interval s for $soak_seconds s against 3 replicas"
psql "DROP DATABASE IF EXISTS soak" && psql "CREATE DATABASE soak"
database="$pg_base/soak"
ports=()
for r in 1 2 3; do ports+=("$(serve "soak-r$r" --database "$database" --replica-id "r$r" --check-in-interval "$soak_interval")"); done
lb=$(balancer soak "${ports[@]}")
token=$("$patchpilot" enroll-token create --database "$database" --uses $((soak_agents + 1)))
rss() { for r in 1 2 3; do awk '/VmRSS/ {printf "%d ", $2 / 1024}' "/proc/$(cat "$work/soak-r$r.pid")/status"; done; }
rounds_soak=$(( (soak_seconds + soak_interval - 1) / soak_interval ))
started=$EPOCHREALTIME
# One client process: it enrolls the agents, writes the hosts file, then runs the rounds.
"$patchpilot" simulate --server "http://127.0.0.1:$lb" --enroll-token "$token" --agents "$soak_agents" \
    --rounds "$rounds_soak" --interval "$soak_interval" --patch-rate 0.01 --concurrency "$soak_concurrency" \
    --hosts-file "$work/soak-hosts.json" > "$work/soak.out" 2> "$work/soak.err" &
client=$!
while [ ! -f "$work/soak-hosts.json" ]; do
    kill -0 "$client" 2>/dev/null || { cat "$work/soak.out" "$work/soak.err" >&2; exit 1; }
    sleep 1
done
enroll_seconds=$(python3 -c "print(f'{$EPOCHREALTIME - $started:.0f}')")
say "$(head -1 "$work/soak.out")"
rss_start=$(rss)
wait "$client" || true
rss_end=$(rss)
say "$(tail -3 "$work/soak.out")"
errors=$(awk '/failed,/ {sum += $5} /^enrolled/ {gsub(/\(/, "", $4); sum += $4} END {print sum + 0}' "$work/soak.out")
cat <<MD

Soak: $soak_agents agents enrolled (in $enroll_seconds s), then $rounds_soak rounds of heartbeats
$soak_interval s apart (1 % of hosts send a changed inventory each round), $soak_concurrency in flight,
against 3 PostgreSQL replicas behind nginx.

| Measure | Result |
|---|---|
| Heartbeats answered | $(awk '/check-ins,/ {sum += $3} END {print sum + 0}' "$work/soak.out") |
| Errors (5xx, refused, timeouts) | $errors |
| Heartbeat latency p50 / p99 | $(awk '/latency p50/ {print $3 " ms / " $6 " ms (max " $9 " ms)"}' "$work/soak.out") |
| Replica RSS at start (MiB, r1 r2 r3) | $rss_start |
| Replica RSS at end (MiB, r1 r2 r3) | $rss_end |
MD
