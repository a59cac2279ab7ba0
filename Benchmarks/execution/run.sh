#!/usr/bin/env bash
# Agent plan execution on a sandbox root: `patchpilot-agent apply` of a plan upgrading N tiny
# packages (built with dpkg-deb, 1.0 installed first) to 1.1 from file:// artifacts, against plain
# `dpkg --root=R --force-not-root --force-script-chrootless -i` of the same N .deb files, each run
# on a fresh sandbox with the same starting state (hyperfine --prepare, then interleaved pairs).
# Also: fsync calls of the journal per step (strace), journal size, peak RSS of the apply process
# (/usr/bin/time -v) and, with --idle-rss, the idle RSS of an enrolled release agent `run`
# (Benchmarks/checkins method).
# Usage: Benchmarks/execution/run.sh [packages] [runs] [--idle-rss]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-20}
runs=${2:-11}
idle=${3:-}
need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
need strace strace
need dpkg-deb dpkg
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product patchpilot-agent >/dev/null
[ "$idle" = "--idle-rss" ] && swift build -c release --scratch-path "$scratch" --product patchpilot >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
agent="$bin/patchpilot-agent"
# On disk (not tmpfs): the journal's fsyncs must reach a real file system.
work=$(mktemp -d /var/tmp/pp-exec-bench.XXXXXX)
cleanup() {
    # Only the processes this script started (an unset pid must not become `kill 0`).
    [ -n "${agent_pid:-}" ] && kill "$agent_pid" 2>/dev/null || true
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# N packages × {1.0, 1.1}: a conffile, a data file and a marker, no maintainer scripts.
mkdir -p "$work/debs"
for i in $(seq -f '%02g' 1 "$count"); do
    name="bench$i"
    for version in 1.0 1.1; do
        tree="$work/tree/$name-$version"
        mkdir -p "$tree/DEBIAN" "$tree/etc/$name" "$tree/usr/share/$name"
        printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Bench <b@example.org>\nDescription: PatchPilot execution benchmark package\n' \
            "$name" "$version" > "$tree/DEBIAN/control"
        echo "/etc/$name/$name.conf" > "$tree/DEBIAN/conffiles"
        echo "version=$version" > "$tree/etc/$name/$name.conf"
        echo "$version" > "$tree/usr/share/$name/VERSION"
        echo ok > "$tree/usr/share/$name/healthy"
        dpkg-deb --root-owner-group --build "$tree" "$work/debs/${name}_$version.deb" >/dev/null
    done
done
old_debs=$(ls "$work/debs"/*_1.0.deb | tr '\n' ' ')
new_debs=$(ls "$work/debs"/*_1.1.deb | tr '\n' ' ')

# The plan: exact versions, file:// artifacts with their SHA-256, reboot never.
python3 - "$work" "$count" > "$work/plan.json" <<'EOF'
import hashlib, json, sys
work, count = sys.argv[1], int(sys.argv[2])
packages = []
for i in range(1, count + 1):
    name = f"bench{i:02d}"
    path = f"{work}/debs/{name}_1.1.deb"
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    packages.append({"name": name, "version": "1.1", "action": "upgrade",
                     "artifact": {"url": "file://" + path, "sha256": digest}})
print(json.dumps({
    "id": "bench-plan", "hostID": "bench-host", "sequence": 1, "issuedAt": 0, "expiresAt": 4102444800,
    "packages": packages,
    "preChecks": [{"packageManagerLockFree": {}}, {"packagesConsistent": {}}],
    "postChecks": [{"installedVersionsMatchPlan": {}}],
    "reboot": "never", "timeBudgetSeconds": 3600, "rollback": {"automatic": True},
}))
EOF

# A fresh sandbox: empty dpkg database, the N packages at 1.0, an empty agent state directory.
cat > "$work/prepare.sh" <<EOF
set -e
rm -rf "$work/run"
mkdir -p "$work/run/root/var/lib/dpkg/info" "$work/run/root/var/lib/dpkg/updates" "$work/run/root/var/lib/dpkg/triggers" "$work/run/state"
: > "$work/run/root/var/lib/dpkg/status"
dpkg --root="$work/run/root" --force-not-root --force-script-chrootless -i $old_debs >/dev/null
EOF
root="$work/run/root"
apply_cmd="$agent apply --plan $work/plan.json --unsigned --host-id bench-host --state-dir $work/run/state --root $root --reboot-command false"
dpkg_cmd="dpkg --root=$root --force-not-root --force-script-chrootless -i $new_debs"
installed() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}\n' | sort | uniq -c | tr -s ' '; }

# Sanity: both end with all N packages at 1.1; the agent's report says succeeded.
bash "$work/prepare.sh"
$apply_cmd > "$work/apply.out"
grep '"type":"report"' "$work/apply.out" | grep -q '"status":"succeeded"' || { echo "apply did not succeed:" >&2; cat "$work/apply.out" >&2; exit 1; }
[ "$(installed)" = " $count 1.1" ] || { echo "agent left: $(installed)" >&2; exit 1; }
steps=$(grep -c '"type":"step"' "$work/apply.out")
journal="$work/run/state/execution/bench-plan.jsonl"
journal_bytes=$(stat -c %s "$journal")
journal_records=$(wc -l < "$journal")
bash "$work/prepare.sh"
$dpkg_cmd > /dev/null
[ "$(installed)" = " $count 1.1" ] || { echo "dpkg left: $(installed)" >&2; exit 1; }

# 1. Apply time, agent vs dpkg, fresh sandbox before every run (not timed), median of $runs.
hyperfine -N --style none --warmup 1 --runs "$runs" --prepare "bash $work/prepare.sh" \
    --export-json "$work/hyperfine.json" -n agent "$apply_cmd" -n dpkg "$dpkg_cmd" >/dev/null
read -r agent_ms agent_min agent_max dpkg_ms dpkg_min dpkg_max < <(python3 - "$work/hyperfine.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(" ".join(f"{r[n][k]*1000:.1f}" for n in ("agent", "dpkg") for k in ("median", "min", "max")))
EOF
)
ratio=$(python3 -c "print(f'{$agent_ms/$dpkg_ms:.2f}')")

# 1b. The same, interleaved: agent and dpkg alternate (fresh sandbox before each), so both see the
# same machine load; the ratio is the median of the per-pair ratios.
: > "$work/pairs.txt"
for _ in $(seq "$runs"); do
    bash "$work/prepare.sh"; start=$(date +%s%N); $apply_cmd >/dev/null; a=$(($(date +%s%N) - start))
    bash "$work/prepare.sh"; start=$(date +%s%N); $dpkg_cmd >/dev/null; d=$(($(date +%s%N) - start))
    echo "$a $d" >> "$work/pairs.txt"
done
read -r pair_agent_ms pair_dpkg_ms pair_ratio pair_ratio_min pair_ratio_max < <(python3 - "$work/pairs.txt" <<'EOF2'
import statistics, sys
pairs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
ratios = [a / d for a, d in pairs]
print(f"{statistics.median(a for a, _ in pairs)/1e6:.1f} {statistics.median(d for _, d in pairs)/1e6:.1f} "
      f"{statistics.median(ratios):.2f} {min(ratios):.2f} {max(ratios):.2f}")
EOF2
)

# 2. fsync: whole process tree (strace -c, wall time per call), then per file (-y names the fd).
strace_runs=3
strace_ms=()
for _ in $(seq "$strace_runs"); do
    bash "$work/prepare.sh"
    start=$(date +%s%N)
    strace -f -c -w -e trace=fsync,fdatasync -o "$work/strace-c.txt" $apply_cmd >/dev/null
    strace_ms+=($((($(date +%s%N) - start) / 1000000)))
done
strace_median_ms=$(printf '%s\n' "${strace_ms[@]}" | sort -n | sed -n "$(((strace_runs + 1) / 2))p")
read -r tree_calls tree_seconds < <(awk '$NF=="total" {print $4, $2}' "$work/strace-c.txt")
bash "$work/prepare.sh"
strace -f -y -T -e trace=fsync,fdatasync -o "$work/strace-y.txt" $apply_cmd >/dev/null
# Lines look like: PID fsync(3</path>) = 0 <0.000123>, or split into <unfinished ...> and <... fsync resumed>.
read -r j_calls j_ms s_calls s_ms o_calls o_ms < <(awk -v exec="$work/run/state/execution" -v state="$work/run/state" '
    /<unfinished \.\.\.>/ { if (match($0, /\([0-9]+<[^>]*>/)) pending[$1] = substr($0, RSTART, RLENGTH); next }
    / = 0 <[0-9.]+>$/ {
        match($0, /<[0-9.]+>$/); t = substr($0, RSTART + 1, RLENGTH - 2) * 1000
        if (match($0, /\([0-9]+<[^>]*>/)) p = substr($0, RSTART, RLENGTH); else p = pending[$1]
        sub(/^\([0-9]+</, "", p); sub(/>$/, "", p)
        if (index(p, exec) == 1) { jc++; jt += t } else if (index(p, state) == 1) { sc++; st += t } else { oc++; ot += t }
    }
    END { printf "%d %.2f %d %.2f %d %.2f\n", jc, jt, sc, st, oc, ot }' "$work/strace-y.txt")
per_step=$(python3 -c "print(f'{$j_calls/$steps:.1f} calls, {$j_ms/$steps:.2f} ms')")

# 3. Peak RSS of the apply process (ru_maxrss: the largest of the agent and the dpkg it waits for).
bash "$work/prepare.sh"
/usr/bin/time -v $apply_cmd 2> "$work/time.txt" >/dev/null
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
bash "$work/prepare.sh"
/usr/bin/time -v $dpkg_cmd 2> "$work/time-dpkg.txt" >/dev/null
dpkg_peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-dpkg.txt")

if [ "$idle" = "--idle-rss" ]; then
    # Idle RSS as in Benchmarks/checkins/run.sh: enrolled release agent, after its first check-in.
    "$bin/patchpilot" serve --data-dir "$work/data" --listen 127.0.0.1:0 --log-level error > "$work/server.out" &
    server_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o 'http://[^ ]*' "$work/server.out" | head -1); url=${url%/}
    host="$work/host"; mkdir -p "$host/etc" "$host/var/lib/dpkg" "$host/proc/sys/kernel/random"
    cp /etc/os-release "$host/etc/os-release"; cp /var/lib/dpkg/status "$host/var/lib/dpkg/status"
    echo "bench-agent" > "$host/etc/hostname"; echo "0123456789abcdef0123456789abcdef" > "$host/etc/machine-id"
    token=$("$bin/patchpilot" enroll-token create --data-dir "$work/data" --uses 1)
    "$bin/patchpilot-agent" enroll --server "$url" --token "$token" --state-dir "$work/agent" --root "$host" >/dev/null
    "$bin/patchpilot-agent" run --state-dir "$work/agent" --root "$host" --interval 3600 --log-level error &
    agent_pid=$!
    sleep 5
    idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status")
    idle_packages=$(grep -c '^Package: ' /var/lib/dpkg/status)
fi

printf 'packages=%s runs=%s steps=%s (fresh sandbox per run; times are medians, [min-max])\n' "$count" "$runs" "$steps"
printf '| %-58s | %s |\n' "Measure" "Result" "---" "---"
printf '| %-58s | %s |\n' \
    "patchpilot-agent apply, $count packages 1.0 -> 1.1" "$agent_ms ms [$agent_min-$agent_max]" \
    "dpkg -i of the same $count .deb files" "$dpkg_ms ms [$dpkg_min-$dpkg_max]" \
    "Ratio agent / dpkg (hyperfine medians)" "$ratio" \
    "Interleaved pairs: agent / dpkg medians" "$pair_agent_ms ms / $pair_dpkg_ms ms" \
    "Interleaved pairs: ratio agent / dpkg, median [min-max]" "$pair_ratio [$pair_ratio_min-$pair_ratio_max]" \
    "fsync+fdatasync, whole apply tree (strace -f -c -w)" "$tree_calls calls, $(python3 -c "print(f'{$tree_seconds*1000:.1f}')") ms" \
    "... journal ($journal_records records; file + directory)" "$j_calls calls, $j_ms ms" \
    "... journal per step ($steps steps)" "$per_step" \
    "... artifact cache (one per fetched .deb)" "$s_calls calls, $s_ms ms" \
    "... dpkg (children)" "$o_calls calls, $o_ms ms" \
    "apply under strace -f (context), median of $strace_runs" "$strace_median_ms ms" \
    "Journal file size" "$journal_bytes bytes ($journal_records lines)" \
    "Peak RSS, apply (/usr/bin/time -v max RSS)" "$((peak_kb / 1024)) MiB ($peak_kb kB)" \
    "Peak RSS, dpkg -i alone" "$((dpkg_peak_kb / 1024)) MiB ($dpkg_peak_kb kB)"
if [ "$idle" = "--idle-rss" ]; then
    printf '| %-58s | %s |\n' "Agent idle RSS after one check-in ($idle_packages packages)" "$((idle_kb / 1024)) MiB ($idle_kb kB)"
fi
