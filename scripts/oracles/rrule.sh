#!/usr/bin/env bash
# Differential check of RRULE expansion and of the DST rule against python-dateutil and zoneinfo.
#
#   scripts/oracles/rrule.sh [PATH_TO_patchpilot]      (or PATCHPILOT_BIN=...)
#   env: SEED (default 20250311), RULES random rules (default 2500), OCCURRENCES per rule (default 20),
#        PER_RULE_TIMEOUT seconds python may spend on one rule (default 1)
#
# RULES seeded random RRULEs (FREQ YEARLY/MONTHLY/WEEKLY/DAILY, INTERVAL, COUNT or UNTIL, BYDAY with
# and without ordinals, BYMONTHDAY with negatives, BYMONTH, BYYEARDAY, BYSETPOS, BYHOUR, BYMINUTE,
# WKST) with DTSTARTs across 2019–2031 (hours biased towards DST transition times), each in five
# zones: America/New_York, Europe/Berlin, Australia/Sydney, Asia/Kolkata, America/Santiago.
#
# 1. Wall clock: dateutil.rrule on naive local times gives the first OCCURRENCES occurrences; they
#    must equal `patchpilot window expand --batch`'s "local" list exactly.
# 2. DST rule: each wall time is localized with zoneinfo (PEP 495 fold=0: a gap time moves forward
#    by the gap, an ambiguous time takes the first instant) and converted to UTC; this must equal
#    our "utc" list. Occurrences in a gap or overlap are counted and reported separately.
# 3. Window ends (RFC 5545 §3.3.6): each rule gets a DURATION (hours/minutes/seconds, days, weeks or
#    both); the end is the wall start plus the whole days, localized with zoneinfo (fold=0), plus the
#    exact seconds — so across a DST change an hours duration moves the end in wall-clock time and a
#    days duration does not. Must equal our "end" list.
# Every rule is cut at a horizon (DTSTART + 40 years) on both sides: dateutil gets it as UNTIL when
# the rule has none, ours as the request's "horizon". dateutil only checks UNTIL against occurrences
# it finds, so on a rule that stops matching it scans towards year 9999: after PER_RULE_TIMEOUT
# seconds (far past the horizon) it is stopped and the occurrences found so far are the expected
# list; the count of such rules is printed. Exits 1 printing mismatches.
set -euo pipefail

BIN="${1:-${PATCHPILOT_BIN:-}}"
if [[ -z "$BIN" ]]; then
    echo "usage: $0 PATH_TO_patchpilot (or set PATCHPILOT_BIN)" >&2
    exit 2
fi
SEED="${SEED:-20250311}"
RULES="${RULES:-2500}"
OCCURRENCES="${OCCURRENCES:-20}"
PER_RULE_TIMEOUT="${PER_RULE_TIMEOUT:-1}"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import dateutil.rrule' >/dev/null 2>&1; then
    echo "installing python package python-dateutil" >&2
    "$PY" -m pip install -q python-dateutil >/dev/null 2>&1 || "$PY" -m pip install -q --break-system-packages python-dateutil
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/oracle.py" <<'PY'
import datetime as dt, itertools, json, random, signal, sys, warnings
from zoneinfo import ZoneInfo
from dateutil.rrule import rrulestr

mode = sys.argv[1]
ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "America/Santiago"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
HORIZON_YEARS = 40
# Months and days near DST transitions in the five zones, to make gap/overlap occurrences common.
DST_DATES = [(3, 2), (3, 8), (3, 25), (4, 1), (9, 1), (9, 28), (10, 1), (10, 20), (10, 26), (11, 1)]
# (BYMONTH, BYDAY, BYHOUR) of transition nights: New York, Berlin, Sydney, Santiago.
DST_RULES = [(3, "2SU", 2), (11, "1SU", 1), (3, "-1SU", 2), (10, "-1SU", 2), (10, "1SU", 2), (4, "1SU", 2),
             (9, "1SU", 0), (4, "1SA", 23), (9, "1SA", 23), (4, "1SU", 0)]

# (text, nominal days, exact seconds) of the DURATIONs the windows get.
DURATIONS = [("PT1H", 0, 3600), ("PT2H", 0, 7200), ("PT2H30M", 0, 9000), ("PT90M", 0, 5400), ("PT4H", 0, 14400),
             ("PT24H", 0, 86400), ("PT25H", 0, 90000), ("PT45S", 0, 45), ("P1D", 1, 0), ("P1DT2H", 1, 7200),
             ("P2D", 2, 0), ("P1W", 7, 0), ("PT0S", 0, 0)]

def fmt(d):
    return d.strftime("%Y-%m-%dT%H:%M:%S")

def random_rule(rng):
    year = rng.randint(2019, 2031)
    start = dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28),
                        rng.choice([0, 0, 1, 2, 2, 2, 3, 9, 12, 22, 23]), rng.choice([0, 0, 15, 30, 45]), 0)
    if rng.random() < 0.1:
        start = start.replace(day=rng.choice([29, 30, 31])) if start.month not in (2, 4, 6, 9, 11) else start
    freq = rng.choice(["YEARLY", "MONTHLY", "MONTHLY", "WEEKLY", "DAILY"])
    if rng.random() < 0.1:
        month, byday, hour = rng.choice(DST_RULES)
        parts = ["FREQ=YEARLY", "BYMONTH=%d" % month, "BYDAY=" + byday, "BYHOUR=%d" % hour,
                 "BYMINUTE=" + rng.choice(["0", "30", "0,30", "15,45"])]
        if rng.random() < 0.3:
            parts.append("COUNT=%d" % rng.randint(1, 20))
        rng.shuffle(parts)
        return start, ";".join(parts)
    if rng.random() < 0.2:
        month, day = rng.choice(DST_DATES)
        start = start.replace(month=month, day=day, hour=rng.choice([0, 1, 2, 3, 23]), minute=rng.choice([0, 30]))
        freq = rng.choice(["DAILY", "WEEKLY"])
    parts = ["FREQ=" + freq]
    if rng.random() < 0.4:
        parts.append("INTERVAL=%d" % rng.randint(2, 5))
    r = rng.random()
    if r < 0.35:
        parts.append("COUNT=%d" % rng.randint(1, 30))
    elif r < 0.65:
        until = start + dt.timedelta(days=rng.randint(0, 1500), hours=rng.randint(0, 23))
        parts.append("UNTIL=" + until.strftime("%Y%m%dT%H%M%S"))
    bymonth = []
    if rng.random() < 0.3:
        bymonth = sorted(rng.sample(range(1, 13), rng.randint(1, 3)))
        parts.append("BYMONTH=" + ",".join(map(str, bymonth)))
    if rng.random() < 0.55:
        items = []
        for day in rng.sample(DAYS, rng.randint(1, 3)):
            if freq in ("MONTHLY", "YEARLY") and rng.random() < 0.6:
                if freq == "YEARLY" and not bymonth and rng.random() < 0.5:
                    n = rng.choice([1, 2, 10, 20, 52, 53, -1, -2, -20, -53])
                else:
                    n = rng.choice([1, 2, 3, 4, 5, -1, -2, -5])
                items.append("%s%d%s" % ("+" if n > 0 and rng.random() < 0.2 else "", n, day))
            else:
                items.append(day)
        parts.append("BYDAY=" + ",".join(items))
    if rng.random() < 0.3:
        days = rng.sample([1, 2, 13, 15, 28, 29, 30, 31, -1, -2, -7, -31], rng.randint(1, 3))
        parts.append("BYMONTHDAY=" + ",".join(map(str, days)))
    if freq == "YEARLY" and rng.random() < 0.1:
        parts.append("BYYEARDAY=" + ",".join(map(str, rng.sample([1, 60, 100, 200, 365, 366, -1, -306], 2))))
    if rng.random() < 0.25:
        parts.append("BYHOUR=" + ",".join(map(str, sorted(rng.sample([0, 1, 2, 3, 6, 22, 23], rng.randint(1, 2))))))
    if rng.random() < 0.1:
        parts.append("BYMINUTE=" + ",".join(map(str, sorted(rng.sample([0, 15, 30, 45], rng.randint(1, 2))))))
    if rng.random() < 0.2:
        parts.append("BYSETPOS=" + ",".join(map(str, rng.sample([1, 2, 3, -1, -2, 4], rng.randint(1, 2)))))
    if rng.random() < 0.3:
        parts.append("WKST=" + rng.choice(DAYS))
    rng.shuffle(parts)
    return start, ";".join(parts)

class Timeout(Exception):
    pass

def on_alarm(signum, frame):
    raise Timeout()

def expand(start, rule, n, timeout, horizon):
    """The first n occurrences, and whether dateutil was cut off by the timeout.

    dateutil checks UNTIL only against occurrences it finds, so a rule that stops matching makes it
    scan to year 9999. On a timeout the occurrences found so far are kept, up to the horizon: by
    then dateutil has scanned far past it (checked by the comparison: ours must stop there too)."""
    found = []
    rr = rrulestr("RRULE:" + rule, dtstart=start)
    if "UNTIL=" not in rule:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rr = rr.replace(until=horizon)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        for occurrence in rr:
            found.append(occurrence)
            if len(found) == n:
                break
        return found, False
    except Timeout:
        return [w for w in found if w <= horizon], True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)

def localize(wall, zone):
    return wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(dt.timezone.utc).replace(tzinfo=None)

def affected(wall, zone):
    z = ZoneInfo(zone)
    first = wall.replace(tzinfo=z, fold=0)
    second = wall.replace(tzinfo=z, fold=1)
    back = first.astimezone(dt.timezone.utc).astimezone(z).replace(tzinfo=None)
    return back != wall or first.utcoffset() != second.utcoffset()

if mode == "generate":
    seed, count, n, timeout = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    rng = random.Random(seed)
    cut = 0
    with open(sys.argv[6], "w") as requests, open(sys.argv[7], "w") as expected:
        for _ in range(count):
            start, rule = random_rule(rng)
            horizon = start.replace(year=start.year + HORIZON_YEARS, day=min(start.day, 28))
            walls, timed_out = expand(start, rule, n, timeout, horizon)
            cut += timed_out
            duration, days, seconds = rng.choice(DURATIONS)
            for zone in ZONES:
                requests.write(json.dumps({"dtstart": start.strftime("%Y%m%dT%H%M%S"), "tzid": zone,
                                           "rrule": rule, "count": n, "duration": duration,
                                           "horizon": horizon.strftime("%Y%m%dT%H%M%S")}) + "\n")
                ends = [localize(w + dt.timedelta(days=days), zone) + dt.timedelta(seconds=seconds) for w in walls]
                expected.write(json.dumps({"rule": rule, "dtstart": fmt(start), "tzid": zone, "duration": duration,
                                           "local": [fmt(w) for w in walls],
                                           "utc": [fmt(localize(w, zone)) + "Z" for w in walls],
                                           "end": [fmt(e) + "Z" for e in ends],
                                           "affected": [affected(w, zone) for w in walls]}) + "\n")
    print("generated %d rules x %d zones (%d stop matching: dateutil scanned %.1fs, compared up to DTSTART + %d years)"
          % (count, len(ZONES), cut, timeout, HORIZON_YEARS))
else:
    mismatches, dst_checked, dst_bad, occurrences, compared, ends_moved = [], 0, 0, 0, 0, 0
    with open(sys.argv[2]) as expected, open(sys.argv[3]) as actual:
        for want_line, got_line in itertools.zip_longest(expected, actual):
            if want_line is None or got_line is None:
                mismatches.append("line count differs between dateutil and patchpilot")
                break
            want, got = json.loads(want_line), json.loads(got_line)
            compared += 1
            label = "DTSTART;TZID=%s:%s RRULE:%s" % (want["tzid"], want["dtstart"], want["rule"])
            if "error" in got:
                mismatches.append("%s\n  patchpilot error: %s" % (label, got["error"]))
                continue
            occurrences += len(want["local"])
            if got["local"] != want["local"]:
                mismatches.append("%s\n  dateutil:   %s\n  patchpilot: %s" % (label, want["local"], got["local"]))
                continue
            if got.get("end") != want["end"]:
                mismatches.append("%s DURATION:%s\n  ends, zoneinfo: %s\n  ends, patchpilot: %s"
                                  % (label, want["duration"], want["end"], got.get("end")))
            for w, e in zip(want["local"], want["end"]):
                # An end whose wall-clock time is not the wall start plus the duration's wall length.
                end_wall = dt.datetime.fromisoformat(e[:-1]).replace(tzinfo=dt.timezone.utc).astimezone(
                    ZoneInfo(want["tzid"])).replace(tzinfo=None)
                days, seconds = next((d, s) for t, d, s in DURATIONS if t == want["duration"])
                ends_moved += end_wall != dt.datetime.fromisoformat(w) + dt.timedelta(days=days, seconds=seconds)
            for w, u, g, a, ga in zip(want["local"], want["utc"], got["utc"], want["affected"], got["affected"]):
                if a:
                    dst_checked += 1
                if u != g or a != ga:
                    dst_bad += 1
                    mismatches.append("%s\n  DST resolution of %s: zoneinfo fold=0 %s (affected %s), patchpilot %s (affected %s)"
                                      % (label, w, u, a, g, ga))
    print("compared %d rule/zone pairs, %d occurrences and their ends; %d DST-affected occurrences checked against"
          " the rule; %d ends whose wall-clock time moved across a DST change" % (compared, occurrences, dst_checked, ends_moved))
    if mismatches:
        print("%d MISMATCHES (first 30):" % len(mismatches))
        for m in mismatches[:30]:
            print(m)
        sys.exit(1)
    print("OK: identical wall-clock occurrences, identical DST resolution, identical window ends")
PY

"$PY" "$WORK/oracle.py" generate "$SEED" "$RULES" "$OCCURRENCES" "$PER_RULE_TIMEOUT" "$WORK/requests.jsonl" "$WORK/expected.jsonl"
"$BIN" window expand --batch <"$WORK/requests.jsonl" >"$WORK/actual.jsonl"
"$PY" "$WORK/oracle.py" compare "$WORK/expected.jsonl" "$WORK/actual.jsonl"
