#!/usr/bin/env bash
# PatchPilot at fleet scale, end to end on this machine: a release server on SQLite in a fresh
# data dir (or, with FLEET_ENGINE=postgres, on a throwaway PostgreSQL cluster with fsync on), the bundled advisories imported with the CLI, HOSTS simulated hosts enrolled through the
# HTTP API (`patchpilot simulate`, in chunks of CHUNK agents, each chunk with its own seed), then:
# heartbeat throughput against nginx's fixed-JSON ceiling (as Benchmarks/checkins/run.sh), database
# bytes per host, read latency under 16 concurrent readers, how soon a new advisory touching every
# Debian 12 host is visible, and the change → approval → rollout plan → start flow over all hosts.
# Prints a Markdown report for BENCHMARKS.md on stdout (progress goes to stderr).
#
# Usage: Benchmarks/fleet/run.sh [HOSTS] [CHUNK]          (defaults 100000 and 10000)
# Environment (all optional):
#   FLEET_SCRATCH        SwiftPM scratch path (default: .build-release, shared with the checkins benchmark)
#   FLEET_CONCURRENCY    concurrent requests of `patchpilot simulate` (16)
#   FLEET_HB_AGENTS      extra agents for the heartbeat measurement (2000); they stay enrolled
#   FLEET_HB_ROUNDS      heartbeat rounds (10)
#   FLEET_READERS        concurrent readers (16)
#   FLEET_READ_SECONDS   seconds per read endpoint (20)
#   FLEET_READ_TIMEOUT   seconds one read may take before it counts as an error (300)
#   FLEET_READ_MAX_COLD  an endpoint whose single cold request takes longer (s) is not hammered (30)
#   FLEET_API_TIMEOUT    seconds one change/rollout API call may take (1800)
#   FLEET_TMPDIR         where the temporary data dir goes (default: $TMPDIR or /tmp)
#   FLEET_KEEP=1         keep the temporary directory (data dir, logs) and print its path
#   FLEET_BIN            a release `patchpilot` binary to use instead of building one
#   FLEET_ENGINE         sqlite (default) or postgres: a cluster of its own (scripts/lib/test-postgres.sh,
#                        fsync on, shared_buffers FLEET_PG_SHARED_BUFFERS, default 1GB), stopped at the end
set -euo pipefail
run_started=$EPOCHREALTIME
cmdline="Benchmarks/fleet/run.sh${*:+ $*}"
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
hosts=${1:-100000}
chunk=${2:-10000}
concurrency=${FLEET_CONCURRENCY:-16}
hb_agents=${FLEET_HB_AGENTS:-2000}
hb_rounds=${FLEET_HB_ROUNDS:-10}
readers=${FLEET_READERS:-16}
read_seconds=${FLEET_READ_SECONDS:-20}
read_timeout=${FLEET_READ_TIMEOUT:-300}
read_max_cold=${FLEET_READ_MAX_COLD:-30}
api_timeout=${FLEET_API_TIMEOUT:-1800}
engine=${FLEET_ENGINE:-sqlite}
[[ $engine == sqlite || $engine == postgres ]] || { echo "FLEET_ENGINE must be sqlite or postgres" >&2; exit 2; }
for value in "$hosts" "$chunk" "$concurrency" "$hb_agents" "$hb_rounds" "$readers"; do
    [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [HOSTS] [CHUNK] (positive integers)" >&2; exit 2; }
done

say() { echo "fleet: $*" >&2; }
# since T [DECIMALS]: seconds since an $EPOCHREALTIME value (one decimal by default).
since() { awk -v a="$1" -v b="$EPOCHREALTIME" -v p="${2:-1}" 'BEGIN { printf "%.*f", p, b - a }'; }
# calc EXPRESSION: Python arithmetic (floats, formatting).
calc() { python3 -c "print($1)"; }
# json FILE EXPRESSION [ARG]: evaluates EXPRESSION on the JSON document `d` in FILE (ARG is sys.argv[3]).
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

phases=()
phase_t0=
phase_name=
phase() { # phase NAME: ends the running phase (recording its time) and starts the next
    if [ -n "$phase_name" ]; then phases+=("| $phase_name | $(since "$phase_t0") |"); fi
    phase_name=${1:-}
    phase_t0=$EPOCHREALTIME
    [ -z "$phase_name" ] || say "$phase_name"
}

command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }

work=$(mktemp -d "${FLEET_TMPDIR:-${TMPDIR:-/tmp}}/patchpilot-fleet.XXXXXX")
data="$work/data"
db="$data/patchpilot.sqlite"
# Stop only what this script started (an empty pid would make `kill 0` hit our own process group).
cleanup() {
    [ -n "${poll_pid:-}" ] && kill "$poll_pid" 2>/dev/null || true
    [ -n "${rss_pid:-}" ] && kill "$rss_pid" 2>/dev/null || true
    if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
    if [ "$engine" = postgres ]; then stop_test_postgres; fi
    if [ "${FLEET_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Where the admin commands and the server find the store.
store=(--data-dir "$data")
if [ "$engine" = postgres ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
    source scripts/lib/test-postgres.sh
    TEST_PG_DURABLE=1 TEST_PG_OPTIONS="-c shared_buffers=${FLEET_PG_SHARED_BUFFERS:-1GB}" start_test_postgres >&2
    pg_url=$PATCHPILOT_TEST_POSTGRES_URL
    psql() { "${TEST_PG_RUN[@]}" "$TEST_PG_BIN/psql" -Atq "$pg_url" "$@"; }
    store+=(--database "$pg_url")
fi

# 1. Release build (the checkins benchmark uses the same scratch folder).
phase "build (release)"
if [ -n "${FLEET_BIN:-}" ]; then
    # A release binary built before (say, while the tree is being edited): used as it is.
    [ -x "$FLEET_BIN" ] || { echo "FLEET_BIN=$FLEET_BIN is not an executable" >&2; exit 2; }
    pp=$FLEET_BIN
else
    scratch=${FLEET_SCRATCH:-$ROOT/.build-release}
    if ! swift build -c release --scratch-path "$scratch" --product patchpilot > "$work/build.log" 2>&1; then
        tail -30 "$work/build.log" >&2
        exit 1
    fi
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
    pp="$bin/patchpilot"
fi

# 2. The server, on SQLite in a fresh data dir (or on the PostgreSQL database). Its first start creates the user admin and prints
# a one-time password, which this script does not need: tokens are made on the data dir.
phase "start server ($engine)"
"$pp" serve "${store[@]}" --listen 127.0.0.1:0 --log-level error --feed-poll 1 > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
for _ in $(seq 300); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/server.out" | head -1 || true); url=${url%/}
[ -n "$url" ] || { say "the server did not start:"; cat "$work/server.out" "$work/server.err" >&2; exit 1; }
# Peak RSS: VmHWM, polled every second in case the server dies before the end.
(
    while kill -0 "$server_pid" 2>/dev/null; do
        value=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || true)
        [ -n "$value" ] && echo "$value" > "$work/hwm"
        sleep 1
    done
) &
rss_pid=$!
server_alive() { kill -0 "$server_pid" 2>/dev/null; }
admin_token=$("$pp" token create "${store[@]}" --user admin --name fleet-bench --expires 2d)

# api METHOD PATH TOKEN [JSON]: sets api_code and api_secs; the answer is in $work/api.out.
api() {
    local args=(-sS -o "$work/api.out" -w '%{http_code} %{time_total}' -X "$1" -H "Authorization: Bearer $3"
        --max-time "$api_timeout")
    [ -z "${4:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$4")
    local out
    out=$(curl "${args[@]}" "$url$2" 2> "$work/api.err") || true
    api_code=${out%% *}
    api_secs=$(printf '%.2f' "${out##* }" 2>/dev/null || echo 0)
    [ -n "$api_code" ] || api_code=000
}
# The problem's detail (or the body, or curl's error) of the last api call, on one line.
api_error() {
    local detail
    detail=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("detail", ""))' "$work/api.out" 2>/dev/null || true)
    [ -n "$detail" ] || detail=$(head -c 300 "$work/api.out" 2>/dev/null || true)
    [ -n "$detail" ] || detail=$(head -c 300 "$work/api.err")
    echo "HTTP $api_code: $detail" | tr '\n|' ' /'
}
get_json() { # get_json PATH: GET with the admin token into $work/api.out, fails on non-2xx
    api GET "$1" "$admin_token"
    [[ $api_code == 2* ]] || { say "GET $1: $(api_error)"; return 1; }
}

# 3. The bundled advisories (DSA/DLA lists, KEV, Ubuntu OSV), imported with the CLI while the
# server runs; the server notices the import by polling the import log (FeedWatcher, every 15 s).
phase "import bundled advisories"
"$pp" feeds import "${store[@]}" Sources/PatchDemo/DemoFeeds > "$work/feeds.out" 2> "$work/feeds.err"
feeds_summary=$(tail -1 "$work/feeds.out")
say "$feeds_summary"
say "waiting 2 s for the server's feed poll (serve --feed-poll 1)"
sleep 2

# 4. Enrollment with the first full inventory upload, CHUNK agents per `simulate` run.
phase "enroll $hosts hosts"
enroll_token=$("$pp" enroll-token create "${store[@]}" --uses $((hosts + hb_agents + 1)) --expires 72h)
chunks=$(((hosts + chunk - 1) / chunk))
enrolled=0 enroll_failed=0 enroll_secs=0 chunk_rates=() enroll_errors=""
for i in $(seq "$chunks"); do
    n=$((i < chunks ? chunk : hosts - (chunks - 1) * chunk))
    rc=0
    "$pp" simulate --server "$url" --enroll-token "$enroll_token" --agents "$n" --rounds 0 --seed "$i" \
        --first-index $(((i - 1) * chunk + 1)) --concurrency "$concurrency" \
        > "$work/enroll.$i.out" 2> "$work/enroll.$i.err" || rc=$?
    line=$(grep '^enrolled ' "$work/enroll.$i.out" || true)
    if [[ $line =~ ^enrolled\ ([0-9]+)\ agents\ \(([0-9]+)\ failed\)\ in\ ([0-9.]+)\ s ]]; then
        enrolled=$((enrolled + BASH_REMATCH[1]))
        enroll_failed=$((enroll_failed + BASH_REMATCH[2]))
        enroll_secs=$(calc "$enroll_secs + ${BASH_REMATCH[3]}")
        chunk_rates+=("$(calc "f'{${BASH_REMATCH[1]} / max(${BASH_REMATCH[3]}, 1e-9):.1f}'")")
        say "chunk $i/$chunks (seed $i): $line → ${chunk_rates[-1]} hosts/s"
    else
        say "chunk $i/$chunks (seed $i): simulate exited $rc without a result"
        enroll_failed=$((enroll_failed + n))
    fi
    if [ "$rc" != 0 ] && [ -z "$enroll_errors" ]; then
        enroll_errors="chunk $i: simulate exited $rc; $(grep -m1 -i 'error\|fail' "$work/enroll.$i.err" | cut -c1-300 || true)"
    fi
    server_alive || { say "the server died:"; tail -20 "$work/server.err" >&2; exit 1; }
done
enroll_rate=$(calc "f'{$enrolled / max($enroll_secs, 1e-9):,.1f}'")

# 5. Heartbeats: nginx answering the agent endpoints with fixed JSON (the ceiling), then
# PatchPilot holding every enrolled host, driven by the same client with the same settings.
phase "heartbeats (nginx ceiling and PatchPilot)"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
sed "s|@DIR@|$work/nginx|g; s|@PORT@|$nginx_port|g" Benchmarks/checkins/nginx.conf.template > "$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
sleep 0.5
heartbeats() { # heartbeats URL TOKEN SEED OUTFILE
    "$pp" simulate --server "$1" --enroll-token "$2" --agents "$hb_agents" --rounds "$hb_rounds" --interval 0 \
        --patch-rate 0 --concurrency "$concurrency" --seed "$3" --first-index $((hosts + 1)) \
        > "$4" 2> "$4.err" || say "simulate against $1 exited $?"
    awk '/check-ins per second/ {print $4}' "$4"
}
nginx_rate=$(heartbeats "http://127.0.0.1:$nginx_port" "ppe_x_y" 1 "$work/hb-nginx.out")
kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
server_rate=$(heartbeats "$url" "$enroll_token" $((chunks + 1)) "$work/hb-server.out")
hb_failed=$(awk '/^round / {sum += $5} END {print sum + 0}' "$work/hb-server.out")
hb_enroll=$(grep '^enrolled ' "$work/hb-server.out" || echo "enrolled ? agents")
ratio=$(calc "f'{${server_rate:-0} / ${nginx_rate:-1}:.2f}'" 2>/dev/null || echo "n/a")
ratio_met=$(calc "'yes' if ${server_rate:-0} / ${nginx_rate:-1} >= 0.5 else '**no**'" 2>/dev/null || echo "n/a")
get_json "/api/v1/fleet/summary"
fleet_hosts=$(json "$work/api.out" 'd["hosts"]')
debian12=$(get_json "/api/v1/hosts?os=debian&version=12&limit=1" && json "$work/api.out" 'd["total"]' || echo 0)
# The open findings, and the advisory of the first one (KEV first) for the advisory page below.
open_findings=0 advisory=
if get_json "/api/v1/findings?limit=1"; then
    open_findings=$(json "$work/api.out" 'd["total"]')
    advisory=$(json "$work/api.out" 'd["findings"][0]["advisory"] if d["findings"] else ""')
fi

# 6. Bytes per host: on SQLite after a checkpoint that empties the WAL; on PostgreSQL the database's
# size (tables, indexes, TOAST; the WAL is the cluster's, outside it) after a VACUUM (no FULL).
phase "database size"
if [ "$engine" = sqlite ]; then
    checkpoint=$(sqlite3 -cmd ".timeout 120000" "$db" "PRAGMA wal_checkpoint(TRUNCATE);" 2>&1 || true)
    size_label="Database after \`wal_checkpoint(TRUNCATE)\` (checkpoint answered \`$checkpoint\`)"
    db_bytes=$(stat -c %s "$db")
    wal_bytes=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
    tables=$(sqlite3 -readonly -cmd ".timeout 120000" -separator '|' "$db" \
        "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 10;" 2>&1 || true)
    tables_label="Largest tables and indexes (\`dbstat\`)"
else
    psql -c "VACUUM ANALYZE" > /dev/null 2>&1 || true
    size_label="PostgreSQL database after VACUUM (\`pg_database_size\`; cluster WAL not counted)"
    db_bytes=$(psql -c "SELECT pg_database_size(current_database())")
    wal_bytes=0
    tables=$(psql -F '|' -c "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 2 DESC LIMIT 10" 2>&1 || true)
    tables_label="Largest tables and indexes (\`pg_relation_size\`, TOAST apart)"
fi
bytes_per_host=$(calc "f'{($db_bytes + $wal_bytes) / max($fleet_hosts, 1):,.0f}'")

# A token holding every read permission, for the readers and the advisory poller.
read_token=$("$pp" token create "${store[@]}" --user admin --name fleet-readers --expires 1d \
    --permissions fleet.read,metrics.read,changes.read,audit.read)

# 8. A new advisory for glibc on Debian 12 (every Debian 12 simulated host has libc6: packages
# starting with "lib" are never dropped), fixed above every installed version; imported with the
# CLI while a poller watches the findings API from the moment the import starts.
phase "new advisory"
new_id="PPBENCH-$(date +%s)"
now_iso=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$work/$new_id.json" <<EOF
{
  "id": "$new_id",
  "summary": "glibc - fleet benchmark advisory",
  "details": "Synthetic advisory written by Benchmarks/fleet/run.sh.",
  "aliases": [],
  "published": "$now_iso",
  "modified": "$now_iso",
  "database_specific": {"severity": "high"},
  "affected": [
    {
      "package": {"ecosystem": "Debian:12", "name": "glibc"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.36-9+deb12u99"}]}]
    }
  ],
  "references": []
}
EOF
python3 Benchmarks/fleet/readers.py visible "$url" "$read_token" "$new_id" libc6 "$debian12" --limit 60 \
    --timeout "$read_timeout" $([ "$engine" = sqlite ] && echo --db "$db") > "$work/visible.out" 2> "$work/visible.err" &
poll_pid=$!
import_t0=$EPOCHREALTIME
"$pp" feeds import "${store[@]}" "$work/$new_id.json" > "$work/new-import.out" 2> "$work/new-import.err" || say "import failed: $(cat "$work/new-import.err")"
import_secs=$(since "$import_t0" 2)
wait "$poll_pid" || true
poll_pid=
read -r visible_secs touched_hosts touched_findings visible_polls written_secs < "$work/visible.out" || true
visible_met=$(calc "'yes' if 0 <= ${visible_secs:--1} <= 5 else '**no**'")

# 9. Change → approval → rollout plan → start over every host. The simulated fleet has no policy:
# apply one that places each OS release in an environment and tier, with a daily maintenance
# window; approvers are extra users (the requester may not approve their own change). The change
# pins libc6 to an exact version: a target without a version gives the hosts without an update
# of it an empty plan, which makes the start fail ("field 'packages' must name at least one package").
phase "change and rollout"
mkdir -p "$work/policy"
cat > "$work/policy/fleet.yaml" <<'EOF'
environments: [dev, staging, prod]
groups:
  - name: ubuntu-2204
    query: {os: ubuntu, version: "22.04"}
    tier: development-workstations
    environment: dev
  - name: debian-11
    query: {os: debian, version: "11"}
    tier: staging
    environment: staging
  - name: debian-12
    query: {os: debian, version: "12"}
    tier: production-services
    environment: prod
EOF
cat > "$work/policy/windows.ics" <<'EOF'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//PatchPilot//fleet benchmark//EN
BEGIN:VEVENT
UID:fleet-bench-daily@patchpilot.invalid
SUMMARY:fleet-bench-daily
DTSTART:20250101T000000Z
DURATION:PT23H50M
RRULE:FREQ=DAILY
END:VEVENT
END:VCALENDAR
EOF
flow=()            # Markdown rows: step | seconds | outcome
flow_failed=
step() { # step NAME: records the last api call as a row; returns 1 on a non-2xx answer
    if [[ $api_code == 2* ]]; then
        flow+=("| $1 | $api_secs | HTTP $api_code${2:+, $2} |")
    else
        flow+=("| $1 | $api_secs | **failed**: $(api_error) |")
        flow_failed=1
        return 1
    fi
}
policy_t0=$EPOCHREALTIME
if "$pp" policy apply "$work/policy" --server "$url" --token "$admin_token" --reason "fleet benchmark" \
    > "$work/policy.out" 2> "$work/policy.err"; then
    flow+=("| policy apply (CLI: 3 groups, 3 environments, 1 window) | $(since "$policy_t0" 2) | applied |")
else
    flow+=("| policy apply (CLI) | $(since "$policy_t0" 2) | **failed**: $(tr '\n|' ' /' < "$work/policy.err" | cut -c1-300) |")
    flow_failed=1
fi
approver_tokens=()
for k in 1 2 3; do
    "$pp" admin create-user "${store[@]}" --username "cab-$k" --role approver > /dev/null
    approver_tokens+=("$("$pp" token create "${store[@]}" --user "cab-$k" --name fleet-bench --expires 1d)")
done
change_body=$(cat <<EOF
{"title": "libc6 2.36-9+deb12u99 ($new_id) on every host", "kind": "normal",
 "content": {"packages": [{"name": "libc6", "version": "2.36-9+deb12u99"}], "allApprovedByBaseline": false, "hosts": [], "groups": [],
             "environments": ["dev", "staging", "prod"], "windows": ["fleet-bench-daily"],
             "addresses": ["$new_id"], "rollbackPlan": "downgrade libc6 to the recorded version"}}
EOF
)
change_id= rollout_id=
if [ -z "$flow_failed" ]; then
    api POST /api/v1/changes "$admin_token" "$change_body"
    if step "create change (normal, environments dev+staging+prod)"; then
        change_id=$(json "$work/api.out" 'd["change"]["id"]')
    fi
fi
if [ -n "$change_id" ]; then
    api POST "/api/v1/changes/$change_id/submit" "$admin_token" '{}'
    if step "submit (resolves every host: impact, risk)" \
        "$(json "$work/api.out" 'format(d["change"]["impact"]["hostCount"], ",") + " hosts, risk " + d["change"]["risk"]["level"] + " (score " + str(d["change"]["risk"]["score"]) + "), state " + d["change"]["state"]' 2>/dev/null || true)"; then
        for k in 0 1 2; do
            api POST "/api/v1/changes/$change_id/approve" "${approver_tokens[$k]}" '{"comment": "fleet benchmark"}'
            step "approve (cab-$((k + 1)))" "$(json "$work/api.out" 'd["change"]["state"]' 2>/dev/null || true)" || break
            [ "$(json "$work/api.out" 'd["change"]["state"]')" = approved ] && break
        done
    fi
fi
if [ -n "$change_id" ] && [ -z "$flow_failed" ]; then
    api POST "/api/v1/changes/$change_id/rollout-plan" "$admin_token" '{}'
    step "**rollout plan** (dry run, default options)" \
        "$(json "$work/api.out" 'format(sum(len(w["hosts"]) for s in d["stages"] for w in s["waves"]), ",") + " hosts in " + str(sum(len(s["waves"]) for s in d["stages"])) + " waves, " + str(len(d["unschedulable"])) + " unschedulable; answer " + format(len(open(sys.argv[1], "rb").read()), ",") + " bytes"' 2>/dev/null || true)" || true
    api POST /api/v1/rollouts "$admin_token" "{\"change\": \"$change_id\", \"options\": {}}"
    if step "**rollout start**" \
        "$(json "$work/api.out" 'd["id"] + " " + d["state"] + ", " + format(sum(d["counts"].values()), ",") + " host tasks in " + str(len(d["waves"])) + " waves"' 2>/dev/null || true)"; then
        rollout_id=$(json "$work/api.out" 'd["id"]')
        api GET "/api/v1/rollouts/$rollout_id" "$admin_token"
        step "rollout status (with every host task)" "$(stat -c %s "$work/api.out" | python3 -c 'print(f"{int(input()):,} bytes")')" || true
        # Stop it: the simulated agents never fetch plans.
        api POST "/api/v1/rollouts/$rollout_id/abort" "$admin_token" '{"reason": "fleet benchmark: measured the start"}'
        step "rollout abort" "$(json "$work/api.out" 'd["state"]' 2>/dev/null || true)" || true
    else
        # Did the refused start leave a rollout behind anyway?
        api GET "/api/v1/rollouts?active=true" "$admin_token"
        for orphan in $(json "$work/api.out" '" ".join(r["id"] for r in d["rollouts"] if r["change"] == sys.argv[3])' "$change_id" 2>/dev/null || true); do
            api POST "/api/v1/rollouts/$orphan/abort" "$admin_token" '{"reason": "fleet benchmark: start was refused"}'
            step "abort $orphan, left active by the refused start" "$(json "$work/api.out" 'd["state"]' 2>/dev/null || true)" || true
        done
    fi
fi

# 7. Read latency under concurrent readers, with a token holding every read permission. Last, on
# purpose: the server goes on computing an answer after the client gave up on it, so a slow
# endpoint at this scale must not overlap the other measurements.
phase "read latency ($readers readers)"
# The slowest endpoints go last, compliance (which reads every finding) at the very end.
endpoints=(
    --endpoint "hosts|/api/v1/hosts?limit=50|200"
    --endpoint "fleet summary|/api/v1/fleet/summary|200"
)
if [ -n "$advisory" ]; then
    endpoints+=(--endpoint "advisory page|/api/v1/advisories/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$advisory")|200")
fi
endpoints+=(
    --endpoint "findings|/api/v1/findings?limit=50|200"
    --endpoint "compliance, totals + 1 row|/api/v1/compliance?framework=pci-dss-4.0&limit=1|500"
)
python3 Benchmarks/fleet/readers.py load "$url" "$read_token" --threads "$readers" --seconds "$read_seconds" \
    --timeout "$read_timeout" --max-cold "$read_max_cold" "${endpoints[@]}" > "$work/readers.md" 2> "$work/readers.err" || say "readers.py exited $?"

phase ""
server_alive && server_state="running" || server_state="**exited** ($(tail -3 "$work/server.err" | tr '\n|' ' /'))"
if server_alive; then
    hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
else
    hwm_kb=$(cat "$work/hwm" 2>/dev/null || echo 0)
fi

# The report.
mib() { calc "f'{$1 / 1048576:,.1f} MiB'"; }
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
memory=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os_name=$(. /etc/os-release && echo "$PRETTY_NAME")
swift_version=$(swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*' | head -1)
cat <<EOF

## Fleet scale, end to end ($engine)

Command: \`$cmdline\` (HOSTS=$hosts, CHUNK=$chunk; simulate concurrency $concurrency)
Date: $(date -u '+%Y-%m-%d %H:%M UTC') · revision \`$(git describe --always --dirty 2>/dev/null || echo unknown)\`
Machine: $(nproc) cores ($cpu), $memory RAM, $os_name, kernel $(uname -r), $swift_version, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)

| Measure | Result | Goal | Met |
|---|---|---|---|
| Enrollment + first full inventory, $chunks chunk(s) of ≤ $chunk agents | **$enroll_rate hosts/s** ($enrolled hosts in $(calc "f'{$enroll_secs:.1f}'") s; $enroll_failed failed) | | |
| … per chunk, first → last (hosts/s) | ${chunk_rates[*]:-n/a} | | |
| Heartbeats, nginx static JSON (ceiling), $hb_agents agents × $hb_rounds rounds | ${nginx_rate:-n/a} check-ins/s | | |
| Heartbeats, PatchPilot holding $fleet_hosts hosts, same agents × rounds | ${server_rate:-n/a} check-ins/s ($hb_failed failed) | | |
| **Ratio PatchPilot / nginx** | **$ratio** | ≥ 0.5 | $ratio_met |
| $size_label | $(mib "$db_bytes") + WAL $(mib "$wal_bytes") | | |
| **Bytes per host** ($fleet_hosts hosts) | **$bytes_per_host** | | |
| Open findings in the fleet | $(calc "f'{${open_findings:-0}:,}'") | | |
| New advisory (glibc, Debian 12) visible in \`/api/v1/findings?advisory=…\`, from import start | **$visible_secs s** ($visible_polls polls) | ≤ 5 s | $visible_met |
| … of which the CLI import / until the findings were written (read from SQLite; -1 on PostgreSQL) | $import_secs s / ${written_secs:-?} s | | |
| … hosts touched (libc6 findings) / Debian 12 hosts / all findings of the advisory | $touched_hosts / $debian12 / $touched_findings | | |
| Server peak RSS (VmHWM) | $(calc "f'{$hwm_kb / 1024:,.0f}'") MiB | | |
| Server at the end | $server_state | | |

Enrollment: \`patchpilot simulate --agents CHUNK --rounds 0 --seed i\`; the throughput is hosts over the
sum of the chunks' enrollment phases. The heartbeat agents ($hb_enroll) are real hosts too and are
counted above. Advisories: \`$feeds_summary\`.
${enroll_errors:+Enrollment errors: $enroll_errors}

Read latency: $readers threads, each with its own keep-alive connection, ${read_seconds} s per endpoint;
"cold" is one request alone before the run.

| Endpoint | Requests | Errors | p50 ms | p99 ms | max ms | cold ms | Goal | Met |
|---|---|---|---|---|---|---|---|---|
$(cat "$work/readers.md")

$( [ -s "$work/readers.err" ] && { echo "Reader errors:"; echo; sed 's/^/    /' "$work/readers.err"; echo; } )
Change → approval → rollout over every host: a normal change pinning libc6 to 2.36-9+deb12u99 in
environments dev + staging + prod (policy: Ubuntu 22.04 → dev, Debian 11 → staging, Debian 12 → prod,
one daily window; approvers cab-1…3); \`curl\` against the API, times are the HTTP round trip:

| Step | Seconds | Outcome |
|---|---|---|
$(printf '%s\n' "${flow[@]}")

$tables_label:

| Name | Size |
|---|---|
$(echo "$tables" | while IFS='|' read -r name size; do
    if [[ $size =~ ^[0-9]+$ ]]; then echo "| $name | $(mib "$size") |"; else echo "| $name $size | |"; fi
done)

Phases:

| Phase | Seconds |
|---|---|
$(printf '%s\n' "${phases[@]}")

Whole run: $(since "$run_started") s.
EOF
