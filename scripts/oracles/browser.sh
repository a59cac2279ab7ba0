#!/usr/bin/env bash
# The console in a real browser: headless Chromium driven by Selenium (Debian's chromium,
# chromium-driver and python3-selenium, installed when missing) against `patchpilot serve --demo`
# (scripts/oracles/browser/console.py). Screenshots of every page are kept under
# .build/browser-screenshots/.
# Usage: PATCHPILOT_BIN=.build/debug/patchpilot scripts/oracles/browser.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PATCHPILOT_BIN:-.build/debug/patchpilot}
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! /usr/bin/python3 -c "import selenium" 2>/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver python3-selenium >/dev/null
fi
shots=.build/browser-screenshots
rm -rf "$shots"
# Debian's python3, which python3-selenium belongs to (not whatever python3 comes first on PATH).
/usr/bin/python3 scripts/oracles/browser/console.py "$(realpath "$bin")" "$shots"
