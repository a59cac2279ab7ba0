#!/usr/bin/env bash
# Check-ins per second the PatchPilot server holds, against nginx answering the same agent
# endpoints with fixed JSON on loopback as the ceiling, both driven by the same Swift load client
# (`patchpilot simulate`: real Ed25519-signed requests, keep-alive, N concurrent). Also: agent idle RSS.
# Usage: Benchmarks/checkins/run.sh [agents] [rounds] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-200}
rounds=${2:-10}
concurrency=${3:-16}
command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product patchpilot >/dev/null
swift build -c release --scratch-path "$scratch" --product patchpilot-agent >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
work=$(mktemp -d)
# Kill only what this script started (an empty pid would make `kill 0` hit our own process group).
cleanup() {
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
    [ -n "${agent_pid:-}" ] && kill "$agent_pid" 2>/dev/null || true
    [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# PatchPilot server (release, SQLite in a temp dir).
"$bin/patchpilot" serve --data-dir "$work/data" --listen 127.0.0.1:0 --log-level error > "$work/server.out" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/server.out" | head -1); url=${url%/}
token=$("$bin/patchpilot" enroll-token create --data-dir "$work/data" --uses $((agents + 1)))

# nginx ceiling.
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
sed "s|@DIR@|$work/nginx|g; s|@PORT@|$nginx_port|g" Benchmarks/checkins/nginx.conf.template > "$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
sleep 0.5

measure() {
    "$bin/patchpilot" simulate --server "$1" --enroll-token "$2" --agents "$agents" --rounds "$rounds" \
        --interval 0 --patch-rate 0 --concurrency "$concurrency" | awk '/check-ins per second/ {print $4}'
}
nginx_rate=$(measure "http://127.0.0.1:$nginx_port" "ppe_x_y")
server_rate=$(measure "$url" "$token")
ratio=$(python3 -c "print(f'{$server_rate/$nginx_rate:.2f}')")

# Agent idle RSS: a release agent enrolled against the server, after its first check-in.
root="$work/root"; mkdir -p "$root/etc" "$root/var/lib/dpkg" "$root/proc/sys/kernel/random"
cp /etc/os-release "$root/etc/os-release"; cp /var/lib/dpkg/status "$root/var/lib/dpkg/status"
echo "bench-agent" > "$root/etc/hostname"; echo "0123456789abcdef0123456789abcdef" > "$root/etc/machine-id"
agent_token=$("$bin/patchpilot" enroll-token create --data-dir "$work/data" --uses 1)
"$bin/patchpilot-agent" enroll --server "$url" --token "$agent_token" --state-dir "$work/agent" --root "$root" >/dev/null
"$bin/patchpilot-agent" run --state-dir "$work/agent" --root "$root" --interval 3600 --log-level error &
agent_pid=$!
sleep 5
agent_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status")
packages=$(grep -c '^Package: ' /var/lib/dpkg/status)

echo "agents=$agents rounds=$rounds concurrency=$concurrency"
echo "nginx static JSON (ceiling): $nginx_rate check-ins/s"
echo "patchpilot server:           $server_rate check-ins/s"
echo "ratio server/nginx:          $ratio"
echo "agent idle RSS after one check-in ($packages packages): $((agent_rss_kb / 1024)) MiB ($agent_rss_kb kB)"
