#!/usr/bin/env bash
# libFuzzer runs over every file and document parser (one target per parser family) and over what
# clients send the server (request-signature headers, JSON bodies, query strings, agent reports).
#
#   Benchmarks/fuzz/run.sh [TARGET|all] [RUNS]         (defaults: all, 1000000)
#   Benchmarks/fuzz/run.sh --merge TARGET [RUNS]       fuzz, then minimise the target's corpus into
#                                                      corpus/TARGET with -merge=1
#   Benchmarks/fuzz/run.sh --list
#   env: FUZZ_SCRATCH   build folder (default .build-fuzz in the repository; ignored by git)
#        FUZZ_CONFIG    release (default) or debug
#        FUZZ_SANITIZE  -sanitize= value (default fuzzer,address)
#        FUZZ_SECONDS   also stop each target after this many seconds (default: no limit)
#        FUZZ_OUT       where new inputs, crash artifacts and logs go (default /tmp/patchpilot-fuzz)
#
# Each target starts from its committed corpus (corpus/TARGET, seeded by seed.py from the test
# fixtures); new inputs go to FUZZ_OUT, so a run leaves the repository untouched unless --merge.
# Prints one line per target: executions, new corpus inputs, crashes; exits 1 if any target found a
# crash, a timeout (-timeout=10 s per input), a memory blow-up (-rss_limit_mb=2048) or a failed
# invariant, with the reproducing input under FUZZ_OUT/artifacts.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

# target name → executable, longest input libFuzzer may build
TARGETS=(
    "dpkg-status FuzzDpkgStatus 16384"
    "rpm-query FuzzRPMQuery 8192"
    "os-release FuzzOSRelease 4096"
    "osv FuzzOSV 16384"
    "csaf FuzzCSAF 16384"
    "debian-tracker FuzzDebianTracker 16384"
    "debian-list FuzzDebianList 4096"
    "alpine-secdb FuzzAlpineSecDB 8192"
    "kev FuzzKEV 16384"
    "epss FuzzEPSS 8192"
    "nvd FuzzNVD 16384"
    "ics FuzzICS 8192"
    "rrule FuzzRRULE 512"
    "policy FuzzPolicy 16384"
    "plan FuzzPlan 8192"
    "request-headers FuzzRequestHeaders 1024"
    "api-bodies FuzzAPIBodies 8192"
    "query FuzzQuery 2048"
    "agent-reports FuzzAgentReports 16384"
)

merge=0
if [[ "${1:-}" == "--list" ]]; then
    for entry in "${TARGETS[@]}"; do echo "${entry%% *}"; done
    exit 0
fi
if [[ "${1:-}" == "--merge" ]]; then
    merge=1
    shift
fi
WANT="${1:-all}"
RUNS="${2:-1000000}"
SCRATCH="${FUZZ_SCRATCH:-$ROOT/.build-fuzz}"
CONFIG="${FUZZ_CONFIG:-release}"
SANITIZE="${FUZZ_SANITIZE:-fuzzer,address}"
OUT="${FUZZ_OUT:-/tmp/patchpilot-fuzz}"
# A failed invariant or trap goes straight to libFuzzer's handler (the Swift backtracer is slow
# under ASan); no leak check at exit, no allocation stacks (ASan's costliest part here).
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:malloc_context_size=0}"

selected=()
for entry in "${TARGETS[@]}"; do
    read -r name _ _ <<<"$entry"
    if [[ "$WANT" == all || "$WANT" == "$name" ]]; then selected+=("$entry"); fi
done
if ((${#selected[@]} == 0)); then
    echo "unknown target '$WANT'; targets: $("$0" --list | tr '\n' ' ')" >&2
    exit 2
fi

# Build: one product, or every target. The harnesses pin the root package's resolved versions.
mkdir -p "$OUT"
if [[ ! -f "$HERE/Package.resolved" && -f "$ROOT/Package.resolved" ]]; then cp "$ROOT/Package.resolved" "$HERE/"; fi
build=(swift build -c "$CONFIG" --scratch-path "$SCRATCH" -Xswiftc "-sanitize=$SANITIZE" -Xswiftc -warnings-as-errors)
if ((${#selected[@]} == 1)); then
    read -r _ product _ <<<"${selected[0]}"
    build+=(--product "$product")
fi
echo "building ${#selected[@]} target(s) ($CONFIG, -sanitize=$SANITIZE) in $SCRATCH" >&2
if ! (cd "$HERE" && "${build[@]}") >"$OUT/build.log" 2>&1; then
    cat "$OUT/build.log" >&2
    exit 1
fi
BIN="$SCRATCH/$CONFIG"

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD), -runs=$RUNS"
printf '%-16s %12s %10s %8s %7s\n' target executions seconds corpus crashes
failed=()
for entry in "${selected[@]}"; do
    read -r name product maxlen <<<"$entry"
    work="$OUT/$name"
    mkdir -p "$work/new" "$OUT/artifacts" "$HERE/corpus/$name"
    log="$work/fuzz.log"
    args=(-runs="$RUNS" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1
        -artifact_prefix="$OUT/artifacts/$name-")
    [[ -n "${FUZZ_SECONDS:-}" ]] && args+=(-max_total_time="$FUZZ_SECONDS")
    start=$(date +%s)
    status=0
    "$BIN/$product" "${args[@]}" "$work/new" "$HERE/corpus/$name" >"$log" 2>&1 || status=$?
    seconds=$(($(date +%s) - start))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(find "$work/new" -type f | wc -l)
    crashes=0
    if ((status != 0)); then
        crashes=1
        failed+=("$name")
    fi
    printf '%-16s %12s %10s %8s %7s\n' "$name" "${executions:-?}" "$seconds" "+$corpus" "$crashes"
    if ((status != 0)); then
        grep -E 'ERROR|invariant failed|Fatal error|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -20 >&2
    fi
    if ((merge == 1 && status == 0)); then
        merged="$work/merged"
        rm -rf "$merged" && mkdir -p "$merged"
        "$BIN/$product" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
            "$merged" "$HERE/corpus/$name" "$work/new" >"$work/merge.log" 2>&1
        rm -rf "$HERE/corpus/$name" && mkdir -p "$HERE/corpus/$name" && cp "$merged"/* "$HERE/corpus/$name/"
        echo "  corpus/$name: $(find "$HERE/corpus/$name" -type f | wc -l) files, $(du -sk "$HERE/corpus/$name" | cut -f1) KB" >&2
    fi
done
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (inputs under $OUT/artifacts)" >&2
    exit 1
fi
