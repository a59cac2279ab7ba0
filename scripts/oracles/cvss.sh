#!/usr/bin/env bash
# Differential check of the CVSS calculators against Red Hat's python `cvss` package (which
# follows FIRST's reference calculators).
#
#   scripts/oracles/cvss.sh [PATH_TO_patchpilot]      (or PATCHPILOT_BIN=...)
#   env: SEED (default 20240601), VECTORS random vectors per version (default 20000),
#        INVALID mutated invalid vectors (default 3000), EXHAUSTIVE_V4 (default 1: all 104,976
#        CVSS-B v4.0 base vectors)
#
# The package's sdist ships no test vectors (its repository's tests/vectors_* are not in it), so
# the vectors are generated here with a seeded generator:
#   - every base-only vector of v2 (729), v3.0 and v3.1 (2,592 each) and, with EXHAUSTIVE_V4=1,
#     v4.0 (104,976);
#   - VECTORS random vectors per version (2.0, 3.0, 3.1, 4.0), each optional metric (temporal,
#     threat, environmental, supplemental) present half the time with a uniformly drawn value
#     (X / ND included), one in five with the metrics shuffled;
#   - INVALID vectors made invalid on purpose (unknown value, unknown metric, duplicate,
#     missing base metric, empty component, bad prefix), which both sides must reject.
# All vectors go through one `patchpilot cvss --batch` process. Compared: v2 base/temporal/
# environmental scores; v3 the three scores and severities; v4 the score of the whole vector and
# its severity, the threat score (python on the vector without environmental metrics) and the
# environmental score. Exits non-zero and prints the differing vectors on any mismatch.
set -euo pipefail

BIN="${1:-${PATCHPILOT_BIN:-}}"
if [[ -z "$BIN" ]]; then
    echo "usage: $0 PATH_TO_patchpilot (or set PATCHPILOT_BIN)" >&2
    exit 2
fi
SEED="${SEED:-20240601}"
VECTORS="${VECTORS:-20000}"
INVALID="${INVALID:-3000}"
EXHAUSTIVE_V4="${EXHAUSTIVE_V4:-1}"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import cvss' >/dev/null 2>&1; then
    echo "installing python package cvss" >&2
    "$PY" -m pip install -q cvss >/dev/null 2>&1 || "$PY" -m pip install -q --break-system-packages cvss
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/oracle.py" <<'PY'
import itertools, json, random, sys
from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

mode, seed, n_random, n_invalid, exhaustive_v4 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"

V2_BASE = [("AV", "LAN"), ("AC", "HML"), ("Au", "MSN"), ("C", "NPC"), ("I", "NPC"), ("A", "NPC")]
V2_OPT = [("E", ["U", "POC", "F", "H", "ND"]), ("RL", ["OF", "TF", "W", "U", "ND"]), ("RC", ["UC", "UR", "C", "ND"]),
          ("CDP", ["N", "L", "LM", "MH", "H", "ND"]), ("TD", ["N", "L", "M", "H", "ND"]),
          ("CR", ["L", "M", "H", "ND"]), ("IR", ["L", "M", "H", "ND"]), ("AR", ["L", "M", "H", "ND"])]
V3_BASE = [("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"), ("S", "UC"), ("C", "HLN"), ("I", "HLN"), ("A", "HLN")]
V3_OPT = [("E", "XHFPU"), ("RL", "XUWTO"), ("RC", "XCRU"), ("CR", "XHML"), ("IR", "XHML"), ("AR", "XHML"),
          ("MAV", "XNALP"), ("MAC", "XLH"), ("MPR", "XNLH"), ("MUI", "XNR"), ("MS", "XUC"),
          ("MC", "XHLN"), ("MI", "XHLN"), ("MA", "XHLN")]
V4_BASE = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"), ("VC", "HLN"), ("VI", "HLN"),
           ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
V4_ENV = [("CR", "XHML"), ("IR", "XHML"), ("AR", "XHML"), ("MAV", "XNALP"), ("MAC", "XLH"), ("MAT", "XNP"),
          ("MPR", "XNLH"), ("MUI", "XNPA"), ("MVC", "XHLN"), ("MVI", "XHLN"), ("MVA", "XHLN"), ("MSC", "XHLN"),
          ("MSI", "XSHLN"), ("MSA", "XSHLN")]
V4_OPT = [("E", "XAPU")] + V4_ENV + [("S", "XNP"), ("AU", "XNY"), ("R", "XAUI"), ("V", "XDC"), ("RE", "XLMH"),
                                     ("U", ["X", "Clear", "Green", "Amber", "Red"])]
V4_ENV_NAMES = {name for name, _ in V4_ENV}
SETS = {"2.0": ("", V2_BASE, V2_OPT), "3.0": ("CVSS:3.0/", V3_BASE, V3_OPT), "3.1": ("CVSS:3.1/", V3_BASE, V3_OPT),
        "4.0": ("CVSS:4.0/", V4_BASE, V4_OPT)}

def join(prefix, pairs):
    return prefix + "/".join(f"{k}:{v}" for k, v in pairs)

def vectors():
    rng = random.Random(seed)
    for version in ["2.0", "3.0", "3.1"] + (["4.0"] if exhaustive_v4 else []):
        prefix, base, _ = SETS[version]
        for values in itertools.product(*[list(v) for _, v in base]):
            yield join(prefix, zip([k for k, _ in base], values))
    for version, (prefix, base, opt) in SETS.items():
        for _ in range(n_random):
            pairs = [(k, rng.choice(list(v))) for k, v in base]
            pairs += [(k, rng.choice(list(v))) for k, v in opt if rng.random() < 0.5]
            if rng.random() < 0.2:
                rng.shuffle(pairs)
            yield join(prefix, pairs)
    for i in range(n_invalid):
        version = rng.choice(list(SETS))
        prefix, base, opt = SETS[version]
        pairs = [(k, rng.choice(list(v))) for k, v in base] + [(k, rng.choice(list(v))) for k, v in opt if rng.random() < 0.3]
        kind = i % 7
        j = rng.randrange(len(pairs))
        if kind == 0:
            pairs[j] = (pairs[j][0], rng.choice(["Q", "XX", "", "n", "Z"]))
        elif kind == 1:
            pairs.insert(j, (rng.choice(["FOO", "av", "Z", "MX", "Au" if version != "2.0" else "PR"]), "N"))
        elif kind == 2:
            pairs.insert(j, pairs[rng.randrange(len(pairs))])
        elif kind == 3:
            del pairs[rng.randrange(len(base))]
        elif kind == 4:
            yield join(prefix, pairs) + rng.choice(["/", "//AV:N"])
            continue
        elif kind == 5:
            yield rng.choice(["CVSS:3.2/", "CVSS:2.0/", "CVSS:4/", "cvss:3.1/", "CVSS:5.0/"]) + join("", pairs)
            continue
        else:
            pairs[j] = (pairs[j][0] + ":" + pairs[j][1], "H")
        yield join(prefix, pairs)

def python_result(vector):
    try:
        if vector.startswith("CVSS:3."):
            c = CVSS3(vector)
            return {"version": vector[5:8], "scores": list(c.scores()), "severities": [s.upper() for s in c.severities()]}
        if vector.startswith("CVSS:4.0/"):
            c = CVSS4(vector)
            fields = vector.split("/")
            env = [f for f in fields[1:] if f.split(":")[0] in V4_ENV_NAMES and not f.endswith(":X")]
            threat = None
            if any(f.startswith("E:") and f != "E:X" for f in fields[1:]):
                stripped = "/".join(f for f in fields if f.split(":")[0] not in V4_ENV_NAMES)
                threat = CVSS4(stripped).scores()[0]
            return {"version": "4.0", "scores": [c.scores()[0], threat, c.scores()[0] if env else None],
                    "severities": [c.severities()[0].upper()]}
        if vector.startswith("CVSS:"):
            return {"error": "unsupported prefix"}
        c = CVSS2(vector)
        return {"version": "2.0", "scores": list(c.scores())}
    except CVSSError as e:
        return {"error": str(e)}

if mode == "generate":
    for v in vectors():
        print(v)
    sys.exit(0)

# compare: argv[6] = vectors file, argv[7] = our JSON lines
ours_lines = open(sys.argv[7]).read().splitlines()
vectors_list = open(sys.argv[6]).read().splitlines()
assert len(ours_lines) == len(vectors_list), f"{len(ours_lines)} answers for {len(vectors_list)} vectors"
counts = {}
mismatches = []
for vector, line in zip(vectors_list, ours_lines):
    ours = json.loads(line)
    expected = python_result(vector)
    key = expected.get("version", "invalid")
    counts.setdefault(key, [0, 0])
    if "error" in expected or "error" in ours:
        ok = "error" in expected and "error" in ours
        detail = (expected.get("error"), ours.get("error"))
    else:
        s = expected["scores"]
        if key == "4.0":
            got = [ours.get("baseScore"), ours.get("threatScore"), ours.get("environmentalScore")]
            sev = [ours.get("baseSeverity")]
        elif key == "2.0":
            got = [ours.get("baseScore"), ours.get("temporalScore"), ours.get("environmentalScore")]
            sev = None
        else:
            got = [ours.get("baseScore"), ours.get("temporalScore"), ours.get("environmentalScore")]
            sev = [ours.get("baseSeverity"), ours.get("temporalSeverity"), ours.get("environmentalSeverity")]
        ok = ours.get("version") == key and got == s and (sev is None or sev == expected["severities"])
        detail = (expected, {"scores": got, "severities": sev})
    counts[key][0 if ok else 1] += 1
    if not ok:
        mismatches.append((vector, detail))
for key, (good, bad) in sorted(counts.items()):
    print(f"  {key:8} {good:7} agree, {bad} differ")
for vector, (want, got) in mismatches[:50]:
    print(f"DIFF {vector}\n     python: {want}\n     ours:   {got}")
total_bad = sum(b for _, b in counts.values())
total = sum(g + b for g, b in counts.values())
print(f"cvss oracle: {total - total_bad} passed, {total_bad} failed")
sys.exit(1 if total_bad else 0)
PY

"$PY" "$WORK/oracle.py" generate "$SEED" "$VECTORS" "$INVALID" "$EXHAUSTIVE_V4" >"$WORK/vectors.txt"
echo "$(wc -l <"$WORK/vectors.txt") vectors (seed $SEED)" >&2
start=$(date +%s)
"$BIN" cvss --batch <"$WORK/vectors.txt" >"$WORK/ours.jsonl"
echo "patchpilot cvss --batch: $(($(date +%s) - start)) s" >&2
"$PY" "$WORK/oracle.py" compare "$SEED" "$VECTORS" "$INVALID" "$EXHAUSTIVE_V4" "$WORK/vectors.txt" "$WORK/ours.jsonl"
