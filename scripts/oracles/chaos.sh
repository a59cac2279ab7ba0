#!/usr/bin/env bash
# The replicas chaos test (scripts/oracles/chaos/chaos.py): three replicas behind nginx on a
# throwaway PostgreSQL of its own (it restarts it), simulated agents, a rollout across two
# environments, a replica stopped, one killed, PostgreSQL restarted; then every host task ran
# exactly once, the change completed, the audit chain verifies. Needs nginx and postgresql.
# Usage: PATCHPILOT_BIN_DIR=.build/debug scripts/oracles/chaos.sh   (CHAOS_AGENTS=220 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin_dir=${PATCHPILOT_BIN_DIR:-.build/debug}
command -v nginx >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
}
source scripts/lib/test-postgres.sh
unset PATCHPILOT_DATABASE_URL
start_test_postgres >/dev/null
trap stop_test_postgres EXIT
CHAOS_PG_URL=$PATCHPILOT_TEST_POSTGRES_URL CHAOS_PG_DIR=$TEST_PG_DIR CHAOS_PG_BIN=$TEST_PG_BIN \
    CHAOS_PG_RUN="${TEST_PG_RUN[*]}" python3 scripts/oracles/chaos/chaos.py "$(realpath "$bin_dir")"
