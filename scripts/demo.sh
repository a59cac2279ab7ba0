#!/usr/bin/env bash
# Runs the PatchPilot server with a simulated demo fleet on the embedded SQLite default.
# Usage: scripts/demo.sh [extra `patchpilot serve` options, e.g. --listen 0.0.0.0:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
# GRDB links the system SQLite; the feed readers decompress with the system zlib.
missing=()
for package in libsqlite3-dev zlib1g-dev; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
swift build --product patchpilot
exec "$(swift build --show-bin-path)/patchpilot" serve --demo --data-dir ./patchpilot-data "$@"
