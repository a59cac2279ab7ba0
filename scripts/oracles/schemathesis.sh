#!/usr/bin/env bash
# Property-based test of the running server against docs/openapi.yaml with Schemathesis.
#
#   scripts/oracles/schemathesis.sh [PATH_TO_patchpilot]    (or PATCHPILOT_BIN / PATCHPILOT_BIN_DIR)
#   env: SCHEMATHESIS_SEED     (default 20240601; "random" lets Schemathesis pick one)
#        SCHEMATHESIS_EXAMPLES (default 30: the cases per operation and phase)
#        SCHEMATHESIS_VENV     (default ~/.cache/patchpilot/schemathesis-<versions>)
#        SCHEMATHESIS_SPEC     (default docs/openapi.yaml)
#        SCHEMATHESIS_KEEP     (a directory to copy the reports and the server log to)
#
# Starts a real `patchpilot serve` on a free loopback port with a fresh data directory and a small
# demo fleet (enrolled and reporting through the API, with the bundled advisories), an admin user
# and an admin API token, then runs Schemathesis against every /api/v1 operation of the document
# with Bearer authentication, in the examples, coverage and fuzzing phases, valid and invalid data
# (`--mode all`), checking:
#   not_a_server_error           no 5xx answer, ever;
#   negative_data_rejection      a request that violates the document (a wrong type, an integer out
#                                of bounds, a missing required field, an unknown enum value…) is
#                                refused with a 4xx;
#   status_code_conformance      every status answered is documented for the operation;
#   content_type_conformance     and with the documented media type (problem documents included);
#   response_schema_conformance  every answer matches its documented schema.
# Any failure or error of any check fails the oracle (Schemathesis exits non-zero); the failures
# are printed with a curl line to reproduce each.
#
# What is left out, and why:
#   * the pages outside /api/v1 (dashboard HTML, /login, /logout, /metrics, /healthz): not the JSON
#     API, and the dashboard's server-sent events (/rollouts/{id}/events) never end, so a request to
#     them could only time out;
#   * the stateful phase (call sequences through links): it is not needed for these checks, it
#     would add minutes, and the sequences it picks change from run to run.
# Every /api/v1 operation is tested; the agent routes answer 401 to anything Schemathesis can send
# (it cannot sign), which still checks that bad input never gets past them.
#
# Destructive calls and stable runs. Schemathesis reuses identifiers it finds in answers, so
# GET /api/v1/tokens hands it the id of the very token it authenticates with: unpinned,
# POST /api/v1/tokens/{id}/revoke revoked that token and every later request was a 401. So the run
# pins some path parameters (the configuration written below) to records made for it, which the
# run may damage freely, and which make the bodies reach the validation behind each lookup:
#   tokens/{id}/revoke           a second token of the admin's (revoked on the first call);
#   users/{name}/…               a throwaway viewer, st-target (grants given and taken back);
#   elevations/{id}/…            an elevation st-target asked for (approved, denied, revoked…);
#   changes/{id}, …/comments, …/rollout-plan, …/review   a draft that is never submitted (edited);
#   changes/{id}/submit, …/close and the other moves     a second draft (soon closed, then 409s);
#   hosts/{id}/…                 a host of the demo fleet (labels, queued plans);
#   advisories/{id}              an advisory with findings.
# Other path ids are generated and name nothing (revoking a random agent is a 404). Rollouts are
# not pinned: starting one needs a policy with windows; their command bodies are still checked
# (they are decoded before the rollout is looked up).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SPEC="${SCHEMATHESIS_SPEC:-$ROOT/docs/openapi.yaml}"
BIN="${1:-${PATCHPILOT_BIN:-}}"
if [[ -z "$BIN" && -n "${PATCHPILOT_BIN_DIR:-}" ]]; then BIN="$PATCHPILOT_BIN_DIR/patchpilot"; fi
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
    echo "usage: $0 PATH_TO_patchpilot (or set PATCHPILOT_BIN or PATCHPILOT_BIN_DIR)" >&2
    exit 2
fi
SEED="${SCHEMATHESIS_SEED:-20240601}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-30}"
DEMO_AGENTS=12

# 1. Schemathesis, pinned (4.x runs on Python 3.11), in a virtual environment of its own so that its
#    dependencies (hypothesis, jsonschema…) never clash with the other oracles' Python packages.
#    Hypothesis is pinned below 6.137's new lambda-source reader: that one parses whole modules with
#    `ast.parse` deep in the stack, which trips the "AST constructor recursion depth mismatch"
#    SystemError of CPython 3.11.7 (the Python here) and aborts an operation's examples phase.
SCHEMATHESIS_VERSION=4.32.5
HYPOTHESIS_VERSION=6.136.9
VENV="${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/patchpilot/schemathesis-$SCHEMATHESIS_VERSION-hypothesis-$HYPOTHESIS_VERSION}"
if ! "$VENV/bin/st" --version 2>/dev/null | grep -qF "version $SCHEMATHESIS_VERSION" \
    || ! "$VENV/bin/python" -c "import hypothesis, sys; sys.exit(hypothesis.__version__ != '$HYPOTHESIS_VERSION')" 2>/dev/null; then
    echo "schemathesis oracle: installing schemathesis $SCHEMATHESIS_VERSION (hypothesis $HYPOTHESIS_VERSION) into $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION" >&2
fi

WORK="$(mktemp -d)"
DATA="$WORK/data"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# 2. The data directory: an admin (who owns the token Schemathesis uses) and a throwaway viewer.
mkdir -p "$DATA"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | "$BIN" admin create-user --data-dir "$DATA" \
    --username admin --role admin --password-stdin >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | "$BIN" admin create-user --data-dir "$DATA" \
    --username st-target --role viewer --password-stdin >/dev/null
TOKEN="$("$BIN" token create --data-dir "$DATA" --user admin --name schemathesis --expires 1d)"
# A second token of the admin's, only for POST /api/v1/tokens/{id}/revoke (see the pinning below),
# and one of st-target's, to ask for the elevation the admin approves, denies, revokes and reviews.
VICTIM_TOKEN_ID="$("$BIN" token create --data-dir "$DATA" --user admin --name revoke-target --expires 1d | cut -d_ -f2)"
TARGET_TOKEN="$("$BIN" token create --data-dir "$DATA" --user st-target --name schemathesis --expires 1d)"

# 3. The server, on a free loopback port, with a demo fleet that enrolls and reports through the API.
"$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --demo --demo-agents "$DEMO_AGENTS" \
    --log-level warning >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 600); do
    URL="$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$WORK/server.out" | head -1 | sed 's/^listening on //')" || true
    [[ -n "$URL" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$URL" ]]; then
    echo "schemathesis oracle: the server did not start" >&2
    cat "$WORK/server.out" "$WORK/server.err" >&2
    exit 1
fi
api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
hosts=0
for _ in $(seq 120); do
    hosts="$(api "$URL/api/v1/fleet/summary" | json 'd["hosts"]')" || hosts=0
    [[ "$hosts" -ge "$DEMO_AGENTS" ]] && break
    sleep 0.5
done
if [[ "$hosts" -lt "$DEMO_AGENTS" ]]; then
    echo "schemathesis oracle: only $hosts of $DEMO_AGENTS demo hosts enrolled" >&2
    exit 1
fi
HOST_ID="$(api "$URL/api/v1/hosts?limit=1" | json 'd["hosts"][0]["id"]')"
# The findings follow each host's first inventory upload, which comes just after its enrollment.
ADVISORY_ID=""
for _ in $(seq 120); do
    ADVISORY_ID="$(api "$URL/api/v1/findings?limit=1" | json 'd["findings"][0]["advisory"] if d["findings"] else ""')" || true
    [[ -n "$ADVISORY_ID" ]] && break
    sleep 0.5
done
if [[ -z "$ADVISORY_ID" ]]; then
    echo "schemathesis oracle: the demo fleet has no findings" >&2
    exit 1
fi
ELEVATION_ID="$(curl -fsS -H "Authorization: Bearer $TARGET_TOKEN" -X POST "$URL/api/v1/elevations" \
    -d '{"role":"operator","durationMinutes":60,"reason":"schemathesis target"}' | json 'd["elevation"]["id"]')"
# Two drafts: one that only ever gets edited, commented and planned (so it stays a draft), one for
# the transitions (submit, approve, …, close), which soon leave it where nothing more is allowed.
CONTENT='{"packages":[{"name":"openssl"}],"allApprovedByBaseline":false,"hosts":["'"$HOST_ID"'"],"groups":[],"environments":[],"windows":[],"addresses":[],"rollbackPlan":"reinstall the previous version"}'
EDIT_CHANGE_ID="$(api -X POST "$URL/api/v1/changes" -d '{"title":"schemathesis edits","kind":"normal","content":'"$CONTENT"'}' | json 'd["change"]["id"]')"
FLOW_CHANGE_ID="$(api -X POST "$URL/api/v1/changes" -d '{"title":"schemathesis transitions","kind":"normal","content":'"$CONTENT"'}' | json 'd["change"]["id"]')"
echo "schemathesis oracle: server $URL, $hosts hosts; pinned host $HOST_ID, changes $EDIT_CHANGE_ID and $FLOW_CHANGE_ID," \
    "advisory $ADVISORY_ID, elevation $ELEVATION_ID, user st-target, token $VICTIM_TOKEN_ID"

# 4. Schemathesis. The configuration pins the path parameters named above.
cat >"$WORK/schemathesis.toml" <<TOML
# 413 (a body over the route's limit) is a refusal too, and so are 414 and 431 (a request line or head
# over the limits, answered before the router).
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 414, 415, 422, 428, 429, 431]

[[operations]]
include-path-regex = '^/api/v1/hosts/\{id\}'
parameters = { "path.id" = "$HOST_ID" }

[[operations]]
include-path-regex = '^/api/v1/changes/\{id\}(/(comments|rollout-plan|review))?$'
parameters = { "path.id" = "$EDIT_CHANGE_ID" }

[[operations]]
include-path-regex = '^/api/v1/changes/\{id\}/(submit|approve|reject|schedule|start|complete|fail|roll-back|close)$'
parameters = { "path.id" = "$FLOW_CHANGE_ID" }

[[operations]]
include-path-regex = '^/api/v1/users/\{name\}'
parameters = { "path.name" = "st-target" }

[[operations]]
include-path-regex = '^/api/v1/tokens/\{id\}/revoke$'
parameters = { "path.id" = "$VICTIM_TOKEN_ID" }

[[operations]]
include-path-regex = '^/api/v1/advisories/\{id\}$'
parameters = { "path.id" = "$ADVISORY_ID" }

[[operations]]
include-path-regex = '^/api/v1/elevations/\{id\}/'
parameters = { "path.id" = "$ELEVATION_ID" }
TOML

seed_args=()
if [[ "$SEED" != random ]]; then seed_args=(--seed "$SEED"); fi
started=$SECONDS
set +e
(
    cd "$WORK"
    "$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run "$SPEC" \
        --url "$URL" \
        --header "Authorization: Bearer $TOKEN" \
        --include-path-regex '^/api/v1/' \
        --phases examples,coverage,fuzzing \
        --mode all \
        --max-examples "$EXAMPLES" \
        "${seed_args[@]}" \
        --checks not_a_server_error,negative_data_rejection,status_code_conformance,content_type_conformance,response_schema_conformance \
        --workers 2 \
        --request-timeout 30 \
        --generation-database none \
        --suppress-health-check all \
        --no-color \
        --output-truncate false \
        --report junit,ndjson --report-dir "$WORK/report"
)
status=$?
set -e
echo "schemathesis oracle: schemathesis exited $status after $((SECONDS - started)) s"
if grep -q ' error ' "$WORK/server.err"; then
    echo "schemathesis oracle: the server logged errors:" >&2
    grep ' error ' "$WORK/server.err" | sort | uniq -c | sort -rn | head -20 >&2
fi
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis oracle: the server died during the run" >&2
    tail -20 "$WORK/server.err" >&2
    status=1
fi
if [[ -n "${SCHEMATHESIS_KEEP:-}" ]]; then
    mkdir -p "$SCHEMATHESIS_KEEP"
    cp -r "$WORK/report" "$WORK/server.err" "$WORK/schemathesis.toml" "$SCHEMATHESIS_KEEP/" 2>/dev/null || true
fi
exit "$status"
