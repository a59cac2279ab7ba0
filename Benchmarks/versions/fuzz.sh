#!/usr/bin/env bash
# libFuzzer run over every PackageVersions parser: no crash, no hang, round-trip and antisymmetry
# preconditions hold.   Benchmarks/versions/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_TO_RUN="${1:-60}"
OUT="${FUZZ_DIR:-/tmp/patchpilot-versions-fuzz}"
mkdir -p "$OUT/corpus"
# Seed corpus: the reference vectors (first byte = length of A, then A, then B).
python3 - "$OUT/corpus" "$ROOT"/Tests/PackageVersionsTests/Fixtures/*.tsv <<'PY'
import sys, os
out = sys.argv[1]
n = 0
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line: continue
        f = line.rstrip("\n").split("\t")
        a, b = f[0].encode(), f[-1].encode()
        n += 1
        open(os.path.join(out, f"seed-{n}"), "wb").write(bytes([len(a) % 256]) + a + b)
PY
# libFuzzer supplies main(), so build with swiftc directly: the library, then the target.
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library)
swiftc "${FLAGS[@]}" -module-name PackageVersions -emit-module -emit-module-path "$OUT/PackageVersions.swiftmodule" \
    -emit-library -static -o "$OUT/libPackageVersions.a" "$ROOT"/Sources/PackageVersions/*.swift
swiftc "${FLAGS[@]}" -I "$OUT" -L "$OUT" -lPackageVersions -o "$OUT/VersionsFuzz" "$HERE/Sources/VersionsFuzz/main.swift"
"$OUT/VersionsFuzz" -max_total_time="$SECONDS_TO_RUN" -timeout=5 -max_len=512 "$OUT/corpus"
