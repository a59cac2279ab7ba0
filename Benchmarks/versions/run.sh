#!/usr/bin/env bash
# Version-comparison benchmark: PackageVersions (Swift, release) vs the C reference implementations
# (libdpkg's parseversion + dpkg_version_compare, librpm's rpmverParse + rpmverCmp/rpmvercmp) on the
# same 1,000,000 realistic pairs per scheme, in one run. Prints both ratios (C time / Swift time;
# >= 1.0 means Swift is at least as fast).
#   Benchmarks/versions/run.sh [PAIRS]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PAIRS="${1:-1000000}"
OUT="${BENCH_DIR:-/tmp/patchpilot-versions-bench}"
mkdir -p "$OUT/pkg/Sources"
need=()
for p in libdpkg-dev librpm-dev gcc; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }; fi

gcc -O2 -o "$OUT/bench_dpkg" "$HERE/c/bench_dpkg.c" -ldpkg
gcc -O2 -o "$OUT/bench_rpm" "$HERE/c/bench_rpm.c" -lrpmio -lrpm
python3 "$HERE/make_pairs.py" "$HERE/data/debian-versions.txt" "$OUT/deb.pairs" "$PAIRS" 1
python3 "$HERE/make_pairs.py" "$HERE/data/rhel-versions.txt" "$OUT/rpm.pairs" "$PAIRS" 2

# A throwaway package with just PackageVersions and the bench, built in release mode.
ln -sfn "$ROOT/Sources/PackageVersions" "$OUT/pkg/Sources/PackageVersions"
ln -sfn "$HERE/Sources/VersionsBench" "$OUT/pkg/Sources/VersionsBench"
cat >"$OUT/pkg/Package.swift" <<'PKG'
// swift-tools-version:6.2
import PackageDescription
let package = Package(
    name: "versions-bench",
    targets: [
        .target(name: "PackageVersions"),
        .executableTarget(name: "VersionsBench", dependencies: ["PackageVersions"]),
    ]
)
PKG
(cd "$OUT/pkg" && swift build -c release --product VersionsBench >/dev/null)
SWIFT_BENCH="$OUT/pkg/.build/release/VersionsBench"

field() { sed -E "s/.*$1=([^ ]+).*/\\1/"; }
for scheme in deb rpm; do
    c=$("$OUT/bench_$([[ $scheme == deb ]] && echo dpkg || echo rpm)" <"$OUT/$scheme.pairs")
    s=$("$SWIFT_BENCH" "$scheme" <"$OUT/$scheme.pairs")
    echo "$c"
    echo "$s"
    cc=$(echo "$c" | field checksum); sc=$(echo "$s" | field checksum)
    if [[ "$cc" != "$sc" ]]; then echo "CHECKSUM MISMATCH for $scheme: C $cc Swift $sc" >&2; exit 1; fi
    cc=$(echo "$c" | field checksum2); sc=$(echo "$s" | field checksum2)
    if [[ "$cc" != "$sc" ]]; then echo "CHECKSUM2 (parse+compare) MISMATCH for $scheme: C $cc Swift $sc" >&2; exit 1; fi
    python3 - "$c" "$s" "$scheme" <<'PY'
import re, sys
c, s, scheme = sys.argv[1:4]
get = lambda t, k: float(re.search(k + r"=([0-9.]+)", t).group(1))
print(f"{scheme}: compare (pre-parsed) Swift/C speed = {get(c, 'compare_ns') / get(s, 'compare_ns'):.2f}x; "
      f"parse+compare = {get(c, 'parse_compare_ns') / get(s, 'parse_compare_ns'):.2f}x")
PY
done
