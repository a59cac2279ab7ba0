#!/usr/bin/env bash
# Runs the PatchPilot server with a simulated demo fleet on the embedded SQLite default.
# Usage: scripts/demo.sh [extra `patchpilot serve` options, e.g. --listen 0.0.0.0:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f '${Status}' libsqlite3-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "installing libsqlite3-dev (GRDB links the system SQLite)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq libsqlite3-dev >/dev/null
fi
swift build --product patchpilot
exec "$(swift build --show-bin-path)/patchpilot" serve --demo --data-dir ./patchpilot-data "$@"
