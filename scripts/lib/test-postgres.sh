# Sourced by scripts/test.sh (and usable by hand): a throwaway PostgreSQL cluster for the tests —
# `initdb` in a temporary directory, `pg_ctl start` on a free loopback port, trust authentication
# for the `patchpilot` superuser, no fsync unless TEST_PG_DURABLE=1 (the data is thrown away) — and its URL in
# PATCHPILOT_TEST_POSTGRES_URL. `stop_test_postgres` stops it and removes the directory.
# TEST_PG_OPTIONS adds server settings (`-c shared_buffers=1GB …`, for benchmarks).
# As root (CI), the server runs as the `postgres` system user: PostgreSQL refuses to run as root.

start_test_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    TEST_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/patchpilot-pg.XXXXXX")
    local run=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$TEST_PG_DIR"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$TEST_PG_DIR/data" -A trust -U patchpilot -E UTF8 --no-sync >"$TEST_PG_DIR/initdb.log" 2>&1 \
        || { cat "$TEST_PG_DIR/initdb.log" >&2; return 1; }
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Benchmarks set TEST_PG_DURABLE=1: fsync on, as in production (and as SQLite runs).
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${TEST_PG_DURABLE:-0}" = 1 ] && durability=""
    "${run[@]}" "$bin/pg_ctl" -D "$TEST_PG_DIR/data" -l "$TEST_PG_DIR/server.log" -w -t 60 \
        -o "-p $port -k $TEST_PG_DIR -c listen_addresses=127.0.0.1 $durability -c max_connections=1000 ${TEST_PG_OPTIONS:-}" \
        start >/dev/null || { cat "$TEST_PG_DIR/server.log" >&2; return 1; }
    TEST_PG_BIN=$bin
    TEST_PG_RUN=("${run[@]}")
    export PATCHPILOT_TEST_POSTGRES_URL="postgres://patchpilot@127.0.0.1:$port/postgres"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $TEST_PG_DIR)"
}

stop_test_postgres() {
    [ -n "${TEST_PG_DIR:-}" ] || return 0
    "${TEST_PG_RUN[@]}" "$TEST_PG_BIN/pg_ctl" -D "$TEST_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$TEST_PG_DIR"
    unset TEST_PG_DIR PATCHPILOT_TEST_POSTGRES_URL
}
