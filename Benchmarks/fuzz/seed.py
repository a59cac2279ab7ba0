#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the repository's own test fixtures.

    Benchmarks/fuzz/seed.py OUT_DIR

Writes OUT_DIR/<target>/<name> files. Large fixtures are cut to a few records so libFuzzer mutates
small inputs (the committed corpora under corpus/ are these seeds after fuzzing, merged with
-merge=1; run.sh --merge does that). Standard library only.
"""
import glob
import gzip
import io
import json
import os
import re
import sys
import textwrap
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = sys.argv[1]
FIX = os.path.join(ROOT, "Tests")
LIMIT = 16 * 1024


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > LIMIT:
        return
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, re.sub(r"[^A-Za-z0-9._-]", "_", name)), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def files(pattern):
    return sorted(glob.glob(os.path.join(FIX, pattern), recursive=True))


def swift_literals(pattern, marker):
    """Multi-line string literals in Swift test sources that contain `marker`, without interpolation."""
    found = []
    for path in files(pattern):
        text = open(path, encoding="utf-8").read()
        for body in re.findall(r'"""\n(.*?)\n\s*"""', text, re.S):
            if marker in body and "\\(" not in body:
                body = textwrap.dedent(body).replace("\\r", "\r").replace("\\n", "\n").replace("\\\\", "\\")
                found.append(body + "\n")
    return found


# FleetModel: dpkg status (whole files and single stanzas), rpm query output, os-release.
for path in files("FleetModelTests/Fixtures/*.status"):
    data = read(path)
    write("dpkg-status", os.path.basename(path), data)
    for i, stanza in enumerate(data.split(b"\n\n")[:40]):
        write("dpkg-status", f"{os.path.basename(path)}-{i}", stanza + b"\n")
for path in files("FleetModelTests/Fixtures/rpm/*"):
    data = read(path)
    write("rpm-query", os.path.basename(path), data)
    for i, line in enumerate(data.splitlines()[:20]):
        write("rpm-query", f"line-{i}", line + b"\n")
for path in files("FleetModelTests/Fixtures/os-release/*"):
    write("os-release", os.path.basename(path), read(path))

# OSV: single records, an array, and a small all.zip.
osv = files("SecurityAdvisoriesTests/Fixtures/osv-debian/*.json") + files(
    "SecurityAdvisoriesTests/Fixtures/ubuntu-osv/*.json"
)
for path in osv:
    write("osv", os.path.basename(path), read(path))
records = [json.loads(read(p)) for p in osv[:3]]
write("osv", "array.json", json.dumps(records))
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
    for path in osv[:2]:
        z.writestr(os.path.basename(path), read(path))
write("osv", "all.zip", archive.getvalue())

# CSAF (the big Red Hat bug-fix advisory is left out by the size limit).
for path in files("SecurityAdvisoriesTests/Fixtures/csaf/**/*.json"):
    write("csaf", os.path.basename(path), read(path))

# Debian tracker JSON.
for path in files("SecurityAdvisoriesTests/Fixtures/debian-tracker-json/*.json"):
    write("debian-tracker", os.path.basename(path), read(path))

# Debian DSA/DLA lists: runs of 25 entries from the start, middle and end of each list.
for kind in ("DSA", "DLA"):
    text = read(os.path.join(FIX, f"SecurityAdvisoriesTests/Fixtures/debian/{kind}/list")).decode()
    entries = re.split(r"(?m)^(?=\[)", text)
    entries = [e for e in entries if e.strip()]
    for start in (0, 25, len(entries) // 2, len(entries) - 25):
        write("debian-list", f"{kind}-{start}", "".join(entries[start : start + 25]))

# Alpine secdb: JSON and YAML, cut to a few packages.
for path in files("SecurityAdvisoriesTests/Fixtures/alpine-secdb/*.json"):
    doc = json.loads(read(path))
    packages = doc["packages"]
    for start in (0, 20):
        doc["packages"] = packages[start : start + 8]
        write("alpine-secdb", f"{os.path.basename(path)}-{start}", json.dumps(doc, indent=2))
for path in files("SecurityAdvisoriesTests/Fixtures/alpine-secdb/*/*.yaml"):
    text = read(path).decode()
    head, _, body = text.partition("packages:\n")
    pkgs = re.split(r"(?m)^(?=  - pkg:)", body)
    pkgs = [p for p in pkgs if p.strip()]
    name = path.split("alpine-secdb/")[1]
    write("alpine-secdb", name, head + "packages:\n" + "".join(pkgs[:8]))

# KEV: the catalogue cut to a few entries.
for path in files("SecurityAdvisoriesTests/Fixtures/kev/*.json"):
    doc = json.loads(read(path))
    for start in (0, 500):
        doc2 = dict(doc)
        doc2["vulnerabilities"] = doc["vulnerabilities"][start : start + 6]
        doc2["count"] = len(doc2["vulnerabilities"])
        write("kev", f"kev-{start}.json", json.dumps(doc2, indent=2))

# EPSS: plain and gzip.
for path in files("SecurityAdvisoriesTests/Fixtures/epss/*"):
    write("epss", os.path.basename(path), read(path))

# NVD.
for path in files("SecurityAdvisoriesTests/Fixtures/nvd/*.json"):
    write("nvd", os.path.basename(path), read(path))

# Maintenance calendars: the iCalendar documents in the test sources.
for i, body in enumerate(swift_literals("**/*.swift", "BEGIN:VCALENDAR")):
    write("ics", f"calendar-{i}.ics", body)

# RRULE: DTSTART line, then the rule (see FuzzRRULE). From the calendars above plus a few by hand.
rules = set()
for body in swift_literals("**/*.swift", "RRULE:"):
    start = re.search(r"(?m)^DTSTART([^\n]*)$", body)
    for rule in re.findall(r"(?m)^RRULE:([^\n]*)$", body):
        rules.add(((start.group(1) if start else ":20250101T090000").strip("\r"), rule.strip("\r")))
rules |= {
    (";TZID=America/New_York:20250309T023000", "FREQ=DAILY;COUNT=10"),
    (";TZID=Europe/Berlin:20251026T023000", "FREQ=WEEKLY;BYDAY=SU;INTERVAL=2;UNTIL=20261231T235959Z"),
    (";VALUE=DATE:20250101", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    (":20250131T220000Z", "FREQ=MONTHLY;BYMONTHDAY=-1,31;BYSETPOS=-1"),
    (":20250101T000000", "FREQ=YEARLY;BYYEARDAY=1,-1,100;BYHOUR=0,12;BYMINUTE=0,30;BYSECOND=0,59"),
    (":20250106T060000", "FREQ=MONTHLY;BYDAY=1MO,-1FR,2TU;WKST=SU;INTERVAL=3"),
}
for i, (start, rule) in enumerate(sorted(rules)):
    write("rrule", f"rule-{i}", f"{start}\n{rule}\n")

# YAML policies: each file, and each directory as one multi-file input.
for directory in sorted(glob.glob(os.path.join(FIX, "PatchPolicyTests/Fixtures/policies/*"))):
    parts = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        text = read(path).decode()
        write("policy", f"{os.path.basename(directory)}-{os.path.basename(path)}", text)
        parts.append(text)
    write("policy", f"{os.path.basename(directory)}-all", "\n#--- next file\n".join(parts))

# Agent protocol (selector byte first; see FuzzPlan).
plan = {
    "id": "plan-1",
    "hostID": "host-1",
    "sequence": 3,
    "issuedAt": 1767225000,
    "expiresAt": 1767229200,
    "packages": [
        {"name": "openssl", "architecture": "amd64", "version": "3.0.15-1~deb12u1", "action": "upgrade"},
        {
            "name": "libssl3",
            "version": "3.0.15-1~deb12u1",
            "action": "install",
            "artifact": {"url": "https://relay/libssl3.deb", "sha256": "00" * 32},
        },
    ],
    "preChecks": [
        {"freeSpace": {"path": "/", "minimumBytes": 1000000}},
        {"packageManagerLockFree": {}},
        {"serviceActive": {"unit": "nginx.service"}},
        {"backupMarker": {"path": "/var/backup/ok", "maximumAgeHours": 24}},
        {"command": {"arguments": ["/bin/true"], "expectedExitCode": 0}},
        {"httpGet": {"url": "http://localhost/health", "expectedStatus": 200, "bodyContains": "ok"}},
        {"tcpConnect": {"host": "localhost", "port": 5432}},
    ],
    "snapshotCommand": ["lvcreate", "-s"],
    "postChecks": [{"installedVersionsMatchPlan": {}}, {"packagesConsistent": {}}],
    "reboot": "if-required",
    "timeBudgetSeconds": 3600,
    "rollback": {"automatic": True, "snapshotRevertCommand": ["lvconvert", "--merge"]},
}
write("plan", "payload", b"\x01" + json.dumps(plan).encode())
minimal = {k: plan[k] for k in ("id", "hostID", "sequence", "issuedAt", "expiresAt", "packages", "preChecks",
                                "postChecks", "reboot", "timeBudgetSeconds", "rollback")}
minimal["preChecks"] = []
write("plan", "payload-minimal", b"\x01" + json.dumps(minimal).encode())
signed = {"payload": "eyJpZCI6InAifQ==", "signature": "AAAA", "keyID": "ab" * 32}
write("plan", "signed", b"\x00" + json.dumps(signed).encode())
package = {
    "name": "openssl",
    "architecture": "amd64",
    "version": "3.0.15-1~deb12u1",
    "sourceName": "openssl",
    "sourceVersion": "3.0.15-1~deb12u1",
    "state": "installed",
    "manager": "dpkg",
}
upload = {"fingerprint": "sha256:00", "packages": [package, dict(package, name="libssl3")]}
write("plan", "inventory-full", b"\x02" + json.dumps(upload).encode())
delta = {
    "baseFingerprint": "sha256:00",
    "fingerprint": "sha256:11",
    "delta": {"added": [package], "removed": [{"name": "bash", "architecture": "amd64"}], "changed": []},
}
write("plan", "inventory-delta", b"\x02" + json.dumps(delta).encode())
write("plan", "request", b"\x03POST\n/api/v1/agents/checkin?x=1\n00112233445566778899aabbccddeeff\n1767225600\nAAAA\n{}")
