#!/usr/bin/env bash
# Differential check of PackageVersions against the real package managers.
#
#   scripts/oracles/versions.sh [PATH_TO_patchpilot]      (or PATCHPILOT_BIN=...)
#   env: SEED (default 20240601), PAIRS per scheme (default 100000), DPKG_PROCESS_PAIRS (default 3000)
#
# For each scheme it generates PAIRS seeded pairs aimed at the tricky regions (epochs up to and
# past INT_MAX, tildes, carets, letters vs separators, long digit runs, leading zeros, binNMU and
# backport revisions, hyphens and colons in odd places, invalid strings) and compares
# `patchpilot version compare --batch` with:
#   deb: a C oracle linked to libdpkg (dpkg's own parseversion + dpkg_version_compare), plus
#        DPKG_PROCESS_PAIRS real `dpkg --compare-versions` calls (against --lenient, which accepts
#        exactly what dpkg --compare-versions accepts);
#   rpm: python3-rpm's rpm.labelCompare on EVR strings (rpmverParse + rpmverCmp).
# Exits non-zero and prints the disagreeing pairs on any mismatch.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-${PATCHPILOT_BIN:-}}"
if [[ -z "$BIN" ]]; then
    echo "usage: $0 PATH_TO_patchpilot (or set PATCHPILOT_BIN)" >&2
    exit 2
fi
SEED="${SEED:-20240601}"
PAIRS="${PAIRS:-100000}"
DPKG_PROCESS_PAIRS="${DPKG_PROCESS_PAIRS:-3000}"

need=()
for pkg in dpkg rpm python3-rpm libdpkg-dev gcc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
    echo "installing: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
PY=/usr/bin/python3  # Debian's python, where python3-rpm lives

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
gcc -O2 -o "$WORK/dpkg_oracle" "$ROOT/Benchmarks/versions/c/dpkg_oracle.c" -ldpkg

cat >"$WORK/gen.py" <<'PY'
import random, sys

scheme, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(f"{scheme}:{seed}")

def digits():
    r = rng.random()
    if r < 0.55: return str(rng.randint(0, 12))
    if r < 0.70: return "0" * rng.randint(1, 3) + str(rng.randint(0, 99))
    if r < 0.80: return str(rng.randint(0, 10**rng.randint(3, 9)))
    if r < 0.90: return "".join(rng.choice("0123456789") for _ in range(rng.randint(10, 40)))  # long runs
    if r < 0.95: return "2019100222214" + str(rng.randint(0, 9))  # git snapshot stamps
    return rng.choice(["9223372036854775807", "9223372036854775808", "18446744073709551616", "4294967296"])

LETTERS = "abcxyzABCXYZ"
def word():
    return rng.choice(["a", "b", "z", "A", "Z", "rc", "beta", "alpha", "pre", "git", "dfsg", "ds", "svn", "nmu",
                       "ubuntu", "deb", "bpo", "build", "really", "el", "fc", "mga", "p", "xyz",
                       "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 4)))])

def piece(seps, tilde_like):
    r = rng.random()
    if r < 0.45: return digits()
    if r < 0.65: return word()
    if r < 0.85: return rng.choice(seps)
    return rng.choice(tilde_like)

def body(seps, tilde_like, start_digit=True):
    parts = [digits()] if start_digit else []
    for _ in range(rng.randint(0, 6)):
        parts.append(piece(seps, tilde_like))
    return "".join(parts)

def mutate(v, alphabet):
    """A nearby string: the interesting comparisons are between near-equal versions."""
    s = list(v)
    r = rng.random()
    if not s: return v + rng.choice(alphabet)
    i = rng.randrange(len(s) + 1)
    if r < 0.25: s.insert(i, rng.choice(alphabet))                  # insert
    elif r < 0.45 and i < len(s): del s[i]                          # delete
    elif r < 0.60 and i < len(s): s[i] = rng.choice(alphabet)       # replace
    elif r < 0.70: s.insert(i, "0")                                 # leading/inner zero
    elif r < 0.80: return v + rng.choice(alphabet) + (digits() if rng.random() < .5 else "")
    elif r < 0.90 and i < len(s) and s[i].isdigit(): s[i] = str((int(s[i]) + rng.choice([1, 9])) % 10)
    else: return v + rng.choice(["~", "~~", "~rc1", "+b1", ".0", "0", "a", "^", "^git1", "-1", ":", "."])
    return "".join(s)

def deb_epoch():
    r = rng.random()
    if r < 0.55: return ""
    if r < 0.75: return str(rng.randint(0, 3)) + ":"
    if r < 0.85: return rng.choice(["0:", "00:", "01:", "10:", "99:"])
    if r < 0.97: return rng.choice(["2147483647:", "2147483646:", "2147483648:", "4294967296:", "99999999999999999999:"])
    return rng.choice(["-1:", "-0:", "+1:", "a:", ":", "1a:", " 1:"])

def deb_revision():
    r = rng.random()
    if r < 0.30: return ""
    if r < 0.55: return "-" + rng.choice(["0", "1", "2", "10", "01", "1ubuntu1", "1+deb12u1", "1+b1", "2+b12", "1~bpo12+1",
                                           "1build1", "0.1", "1.1", "3~exp1", "1+really2", "1~"])
    if r < 0.95: return "-" + body(".+~", ["~", "~~", "+"], start_digit=rng.random() < 0.8)
    return rng.choice(["-", "--1", "-1-2", "-1:2", "-a@b", "-1_2"])

DEB_ALPHA = "0123456789.+-~:abzABZ"

def deb_version():
    r = rng.random()
    if r < 0.04:  # deliberately invalid or odd
        return rng.choice(["", " ", "-1", ":1", "1:", "a1.0", "1.0 a", " 1.0", "1.0 ", "1.0@1", "1_0", "1,0", "1.0-",
                           "1:1:1", "1:-1", "0:0-0", "1.0-1-1", "1.0--1", "~1", "1.0-~", "+1"])
    seps = ".+~" if rng.random() < 0.8 else ".+~-:"  # '-' and ':' in upstream need a revision / epoch
    up = body(seps, ["~", "~~", "~~~", "+", "."], start_digit=rng.random() < 0.97)
    return deb_epoch() + up + deb_revision()

def rpm_version():
    r = rng.random()
    if r < 0.02: return rng.choice(["", "-", ":", "1:", ":1", "-1", "1-", "1--", "a:1", "1:2:3"])
    ep = "" if rng.random() < 0.6 else rng.choice(["0:", "1:", "2:", "00:", "10:", "", "99999999999999999999:", ":"])
    ver = body("._+-", ["~", "^", "~~", "^^", "~^", "^~", ".", "_", "+", "%"], start_digit=rng.random() < 0.9)
    rel = "" if rng.random() < 0.35 else "-" + rng.choice([
        "1", "1.el9", "2.el8_7", "1.fc40", "0.1.rc1.el9", "3.module+el8.6.0+1234+abcd", "1~beta", "1^git1",
        body("._+", ["~", "^", "."], start_digit=rng.random() < 0.8)])
    return ep + ver + rel

gen = deb_version if scheme == "deb" else rpm_version
alpha = DEB_ALPHA if scheme == "deb" else "0123456789._+-~^:abzABZ"
out = []
for _ in range(n):
    a = gen()
    r = rng.random()
    if r < 0.55: b = mutate(a, alpha)
    elif r < 0.65: b = mutate(mutate(a, alpha), alpha)
    elif r < 0.70: b = a
    else: b = gen()
    if rng.random() < 0.5: a, b = b, a
    out.append(f"{a}\t{b}")
sys.stdout.write("\n".join(out) + "\n")
PY

cat >"$WORK/rpm_oracle.py" <<'PY'
import sys, rpm
w = sys.stdout.write
for line in sys.stdin:
    line = line.rstrip("\n")
    a, sep, b = line.partition("\t")
    if not sep:
        w("invalid\n"); continue
    try:
        r = rpm.labelCompare(a, b)
    except Exception:
        w("invalid\n"); continue
    w("<\n" if r < 0 else (">\n" if r > 0 else "=\n"))
PY

cat >"$WORK/diff.py" <<'PY'
import sys
pairs, ours, theirs, label = sys.argv[1:5]
P = open(pairs, encoding="utf-8", errors="surrogateescape").read().split("\n")[:-1]
O = open(ours).read().split("\n")[:-1]
T = open(theirs).read().split("\n")[:-1]
if not (len(P) == len(O) == len(T)):
    print(f"{label}: line counts differ: pairs {len(P)} ours {len(O)} oracle {len(T)}"); sys.exit(1)
bad = [(p, o, t) for p, o, t in zip(P, O, T) if o != t]
valid = sum(1 for t in T if t != "invalid")
print(f"{label}: {len(P)} pairs ({valid} valid, {len(P) - valid} invalid), {len(P) - len(bad)} agree, {len(bad)} disagree")
for p, o, t in bad[:60]:
    a, _, b = p.partition("\t")
    print(f"  MISMATCH {a!r} vs {b!r}: ours {o}, oracle {t}")
sys.exit(1 if bad else 0)
PY

status=0
for scheme in deb rpm; do
    $PY "$WORK/gen.py" "$scheme" "$SEED" "$PAIRS" >"$WORK/$scheme.pairs"
    "$BIN" version compare --scheme "$scheme" --batch <"$WORK/$scheme.pairs" >"$WORK/$scheme.ours"
    if [[ $scheme == deb ]]; then
        "$WORK/dpkg_oracle" <"$WORK/deb.pairs" >"$WORK/deb.oracle"
        $PY "$WORK/diff.py" "$WORK/deb.pairs" "$WORK/deb.ours" "$WORK/deb.oracle" "deb vs libdpkg (seed $SEED)" || status=1
    else
        $PY "$WORK/rpm_oracle.py" <"$WORK/rpm.pairs" >"$WORK/rpm.oracle"
        $PY "$WORK/diff.py" "$WORK/rpm.pairs" "$WORK/rpm.ours" "$WORK/rpm.oracle" "rpm vs rpm.labelCompare (seed $SEED)" || status=1
    fi
done

# Cross-check with real `dpkg --compare-versions` processes (lenient mode = what dpkg accepts).
# (dpkg's own option parser would take an operand starting with '-' as an option, and it reads an
# empty operand as "no version", so those pairs are left to the libdpkg oracle above.)
grep -v -P '(^-|\t-|^\t|\t$)' "$WORK/deb.pairs" | head -n "$DPKG_PROCESS_PAIRS" >"$WORK/proc.pairs" || true
"$BIN" version compare --scheme deb --lenient --batch <"$WORK/proc.pairs" >"$WORK/proc.ours"
while IFS=$'\t' read -r a b; do
    if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo "<"
    else
        rc=$?
        if ((rc == 2)); then echo invalid
        elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="
        else echo ">"; fi
    fi
done <"$WORK/proc.pairs" >"$WORK/proc.oracle"
$PY "$WORK/diff.py" "$WORK/proc.pairs" "$WORK/proc.ours" "$WORK/proc.oracle" "deb --lenient vs dpkg --compare-versions processes" || status=1

if ((status == 0)); then echo "versions oracle: 100% agreement"; fi
exit $status
