#!/usr/bin/env bash
# Differential check of the Mann-Whitney U test and the Hodges-Lehmann shift behind the rollout
# metric gates against scipy and numpy.
#
#   scripts/oracles/mannwhitney.sh [PATH_TO_patchpilot]      (or PATCHPILOT_BIN=...)
#   env: SEED (default 20240601), PAIRS random sample pairs (default 4000), PYTHON (default python3)
#
# The pairs come from a seeded numpy generator: sizes 1–200 per side (a third of them below 12,
# where ties and the continuity correction matter most), drawn from normal, log-normal,
# exponential, uniform, Poisson and two-valued distributions, one in two rounded to integers or
# one decimal (heavy ties), some constant (all tied), with no shift or a shift of up to two
# standard deviations either way, at scales from 1e-3 to 1e6; a few pairs have an empty side,
# which both must refuse.
# All pairs go through one `patchpilot stats mann-whitney --batch` process. Compared:
#   - U (U₁, the first sample's statistic): exactly, against
#     scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True);
#   - the p-value: within 1e-9 relative, or 1e-300 absolute for p-values in the underflow range;
#   - the shift: against numpy.median(numpy.subtract.outer(x, y)), within 1e-12 relative (the
#     count of bit-identical shifts is printed too).
# Exits non-zero and prints the differing pairs on any mismatch.
set -euo pipefail

BIN="${1:-${PATCHPILOT_BIN:-}}"
if [[ -z "$BIN" ]]; then
    echo "usage: $0 PATH_TO_patchpilot (or set PATCHPILOT_BIN)" >&2
    exit 2
fi
SEED="${SEED:-20240601}"
PAIRS="${PAIRS:-4000}"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import scipy, numpy' >/dev/null 2>&1; then
    echo "installing python package scipy" >&2
    "$PY" -m pip install -q scipy >/dev/null 2>&1 || "$PY" -m pip install -q --break-system-packages scipy
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/oracle.py" <<'PY'
import json, math, sys, warnings
import numpy as np
from scipy.stats import mannwhitneyu

mode, seed, n_pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def sample(rng, n, kind, scale, shift, rounding):
    if kind == "normal":
        v = rng.normal(0, 1, n)
    elif kind == "lognormal":
        v = rng.lognormal(0, 1, n)
    elif kind == "exponential":
        v = rng.exponential(1, n)
    elif kind == "uniform":
        v = rng.uniform(-1, 1, n)
    elif kind == "poisson":
        v = rng.poisson(3, n).astype(float)
    elif kind == "binary":
        v = rng.integers(0, 2, n).astype(float)
    else:  # constant
        v = np.full(n, 2.0)
    v = (v + shift) * scale
    if rounding == "integer":
        v = np.round(v)
    elif rounding == "tenth":
        v = np.round(v, 1)
    return [float(a) for a in v]

def pairs():
    rng = np.random.default_rng(seed)
    kinds = ["normal", "lognormal", "exponential", "uniform", "poisson", "binary", "constant"]
    weights = [0.25, 0.15, 0.15, 0.15, 0.12, 0.1, 0.08]
    for i in range(n_pairs):
        if i % 400 == 399:
            # Now and then an empty side: both must refuse it.
            yield ([], [1.0, 2.0]) if i % 800 == 399 else ([1.0], [])
            continue
        small = rng.random() < 1 / 3
        n = int(rng.integers(1, 12 if small else 201))
        m = int(rng.integers(1, 12 if small else 201))
        kind = kinds[rng.choice(len(kinds), p=weights)]
        other = kind if rng.random() < 0.7 else kinds[rng.choice(len(kinds), p=weights)]
        scale = float(10 ** rng.uniform(-3, 6)) if rng.random() < 0.3 else (10.0 if rng.random() < 0.5 else 1.0)
        shift = float(rng.choice([0.0, 0.0, rng.uniform(-2, 2)]))
        rounding = str(rng.choice(["none", "integer", "tenth", "integer"])) if rng.random() < 0.5 else "none"
        if rounding == "integer" and scale < 1:
            scale = 1.0
        yield sample(rng, n, kind, scale, shift, rounding), sample(rng, m, other, scale, 0.0, rounding)

if mode == "generate":
    for x, y in pairs():
        print(json.dumps({"x": x, "y": y}))
    sys.exit(0)

# compare: argv[4] = the pairs, argv[5] = our JSON lines
inputs = [json.loads(line) for line in open(sys.argv[4])]
ours = [json.loads(line) for line in open(sys.argv[5])]
assert len(ours) == len(inputs), f"{len(ours)} answers for {len(inputs)} pairs"

def close(a, b, rel, tiny):
    return a == b or abs(a - b) <= rel * abs(b) or (abs(b) < tiny and abs(a) < tiny)

counts = {"compared": 0, "refused": 0, "u": 0, "p": 0, "shift": 0, "shift_exact": 0, "ties": 0}
mismatches = []
max_p_rel = 0.0
for pair, answer in zip(inputs, ours):
    x, y = pair["x"], pair["y"]
    if not x or not y:
        counts["refused"] += 1
        if "error" not in answer:
            mismatches.append((pair, "an empty side must be refused", answer))
        continue
    counts["compared"] += 1
    if len(set(x + y)) < len(x + y):
        counts["ties"] += 1
    if "error" in answer:
        mismatches.append((pair, "refused a valid pair", answer))
        continue
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    u, p = float(res.statistic), float(res.pvalue)
    shift = float(np.median(np.subtract.outer(np.array(x), np.array(y))))
    problems = []
    if answer["u"] != u:
        problems.append(f"U {answer['u']!r} != {u!r}")
    else:
        counts["u"] += 1
    if close(answer["p"], p, 1e-9, 1e-300):
        counts["p"] += 1
        if p > 1e-300:
            max_p_rel = max(max_p_rel, abs(answer["p"] - p) / p)
    else:
        problems.append(f"p {answer['p']!r} != {p!r}")
    if close(answer["shift"], shift, 1e-12, 0.0):
        counts["shift"] += 1
        counts["shift_exact"] += answer["shift"] == shift
    else:
        problems.append(f"shift {answer['shift']!r} != {shift!r}")
    if problems:
        mismatches.append((pair, "; ".join(problems), answer))

n = counts["compared"]
print(f"  {n} pairs compared ({counts['ties']} with ties), {counts['refused']} with an empty side refused")
print(f"  U equal:      {counts['u']}/{n}")
print(f"  p within 1e-9 relative: {counts['p']}/{n} (largest relative difference {max_p_rel:.3g})")
print(f"  shift within 1e-12:     {counts['shift']}/{n} ({counts['shift_exact']} bit-identical)")
for pair, problem, answer in mismatches[:30]:
    text = json.dumps(pair)
    print(f"DIFF {problem}\n     pair: {text[:300]}{'…' if len(text) > 300 else ''}\n     ours: {answer}")
print(f"mann-whitney oracle: {len(inputs) - len(mismatches)} passed, {len(mismatches)} failed")
sys.exit(1 if mismatches else 0)
PY

"$PY" "$WORK/oracle.py" generate "$SEED" "$PAIRS" >"$WORK/pairs.jsonl"
echo "$(wc -l <"$WORK/pairs.jsonl") sample pairs (seed $SEED)" >&2
start=$(date +%s)
"$BIN" stats mann-whitney --batch <"$WORK/pairs.jsonl" >"$WORK/ours.jsonl"
echo "patchpilot stats mann-whitney --batch: $(($(date +%s) - start)) s" >&2
"$PY" "$WORK/oracle.py" compare "$SEED" "$PAIRS" "$WORK/pairs.jsonl" "$WORK/ours.jsonl"
