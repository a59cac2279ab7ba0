#!/usr/bin/env bash
# Validates docs/openapi.yaml against the OpenAPI 3.1 specification (openapi-spec-validator) and
# checks that every route registered in the server code is documented with its permission, that
# nothing undocumented-in-code is documented, and that the Permission schema lists exactly the
# raw values of the Permission enum (Sources/ChangeControl/Access/Permission.swift, read directly).
# Routes registered in `for` loops over interpolated paths are expanded from the LOOPS table below
# (with each route's own permission when the loop carries one per route), which fails when the
# loops in the source change.
# Usage: scripts/oracles/openapi.sh [path/to/openapi.yaml]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
spec="${1:-$root/docs/openapi.yaml}"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "openapi oracle: $python not found" >&2
    exit 1
fi

if ! "$python" -c 'import openapi_spec_validator, yaml' >/dev/null 2>&1; then
    echo "openapi oracle: installing openapi-spec-validator" >&2
    "$python" -m pip install --quiet --disable-pip-version-check openapi-spec-validator >&2
fi

# 1. Structural validation against the OpenAPI 3.1 schema.
"$python" -m openapi_spec_validator "$spec"

# 2. Route coverage: every route the code registers is in the document, with the same permission.
"$python" - "$spec" "$root" <<'PY'
import pathlib
import re
import sys

import yaml

spec_path, root = sys.argv[1], pathlib.Path(sys.argv[2])
sources = root / "Sources/PatchServer"
spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
paths = spec.get("paths", {})
errors = []


def squash(text):
    """Source text with runs of whitespace collapsed, so re-wrapping by a formatter changes nothing."""
    return re.sub(r"\s+", " ", text)


# Permission case name -> raw value, read from the enum itself so the map cannot fall behind it.
permission_file = root / "Sources/ChangeControl/Access/Permission.swift"
permission_source = permission_file.read_text(encoding="utf-8")
if "public enum Permission" not in permission_source:
    errors.append(f"{permission_file} no longer declares the Permission enum; update the oracle's path")
permissions = dict(re.findall(r'^\s*case\s+(\w+)\s*=\s*"([^"]+)"', permission_source, re.M))
if len(permissions) < 20:
    errors.append(f"found only {len(permissions)} Permission cases in {permission_file}; the oracle's pattern needs updating")

# Routes registered in a loop over an interpolated path ("changes/{id}/\(action.rawValue)"). The
# oracle does not evaluate Swift, so each loop is expanded here by hand. Every anchor (a file and a
# snippet, compared with whitespace collapsed) must still be in the source: when a loop's values
# change, an anchor stops matching and the oracle fails until this table is brought up to date.
# "paths" is a list when the loop's table.add( passes one literal permission (`.changesRun`) for
# every route; it maps each path to a Permission case when the loop passes a per-route permission
# held in a loop variable (`permission: permission`), whose name "permission_variable" gives. Each
# such path's last segment and permission must also appear together in one tuple of the first
# anchor (`("pause", .pause, .changesRun)`), so the expansion cannot drift from the anchored list.
LOOPS = {
    "changes/{id}/\\(decision.rawValue)": {
        "anchors": [("PatchServer/Changes/ChangeController.swift", "for decision in [Approval.Decision.approve, .reject] {"),
                    ("ChangeControl/Changes/Approval.swift", "case approve, reject")],
        "paths": ["changes/{id}/approve", "changes/{id}/reject"],
    },
    "changes/{id}/\\(action.rawValue)": {
        "anchors": [("PatchServer/Changes/ChangeController.swift", "for action in [ChangeAction.start, .complete, .fail, .rollBack] {"),
                    ("ChangeControl/Changes/ChangeState.swift", "case start case complete case fail case rollBack = \"roll-back\"")],
        "paths": ["changes/{id}/start", "changes/{id}/complete", "changes/{id}/fail", "changes/{id}/roll-back"],
    },
    "elevations/{id}/\\(path)": {
        "anchors": [("PatchServer/Identity/AccessController.swift",
                     'let actions: [(String, String)] = [ ("approve", "approved"), ("deny", "denied"), ("revoke", "revoked"), ("review", "reviewed"), ]'),
                    ("PatchServer/Identity/AccessController.swift", "for (path, action) in actions {")],
        "paths": ["elevations/{id}/approve", "elevations/{id}/deny", "elevations/{id}/revoke", "elevations/{id}/review"],
    },
    "rollouts/{id}/\\(path)": {
        "anchors": [("PatchServer/Rollouts/RolloutController.swift",
                     'let commands: [(String, RolloutCommand, Permission)] = [ ("pause", .pause, .changesRun), '
                     '("resume", .resume, .changesRun), ("abort", .abort, .changesRun), '
                     '("approve-next-environment", .approveNextEnvironment, .changesApprove), ]'),
                    ("PatchServer/Rollouts/RolloutController.swift", "for (path, command, permission) in commands {")],
        "permission_variable": "permission",
        "paths": {
            "rollouts/{id}/pause": "changesRun",
            "rollouts/{id}/resume": "changesRun",
            "rollouts/{id}/abort": "changesRun",
            "rollouts/{id}/approve-next-environment": "changesApprove",
        },
    },
}
for loop, entry in LOOPS.items():
    for file, anchor in entry["anchors"]:
        location = root / "Sources" / file
        text = location.read_text(encoding="utf-8") if location.is_file() else ""
        if squash(anchor) not in squash(text):
            errors.append(
                f"the loop registering '{loop}' changed (Sources/{file} no longer contains {anchor!r}); "
                "update LOOPS in scripts/oracles/openapi.sh and the document"
            )
    if isinstance(entry["paths"], dict):
        listed = squash(entry["anchors"][0][1])
        for one, case in entry["paths"].items():
            segment = one.rsplit("/", 1)[-1]
            if case not in permissions:
                errors.append(f"LOOPS maps '{one}' to .{case}, which is not a case of {permission_file.name}")
            if not re.search(r'\(\s*"' + re.escape(segment) + r'"\s*,[^()]*\.' + re.escape(case) + r"\s*\)", listed):
                errors.append(f"LOOPS maps '{one}' to .{case}, but its first anchor has no (\"{segment}\", …, .{case}) tuple")

expected = []  # (method, path, permission or None)

# Every `table.add(...)` call (SecuredRoutes), in any file and however it is wrapped.
secured = re.compile(
    r'table\.add\(\s*\.(\w+)\s*,\s*"([^"]*)"\s*,\s*on:\s*[^,]+?,\s*prefix:\s*("[^"]*"|\w+)\s*,\s*permission:\s*(\.\w+|\w+)\s*\)'
)
seen_loops = set()
for source in sorted(sources.rglob("*.swift")):
    text = source.read_text(encoding="utf-8")
    calls = len(re.findall(r"\btable\.add\(", text))
    matches = secured.findall(text)
    if len(matches) != calls:
        errors.append(f"{source.name}: {calls} table.add( calls but the oracle's pattern reads {len(matches)}; update the pattern")
    for method, path, prefix, permission in matches:
        if prefix.startswith('"'):
            prefix = prefix[1:-1]
        else:
            constant = re.search(r"\blet\s+" + re.escape(prefix) + r'\s*=\s*"([^"]*)"', text)
            if constant is None:
                errors.append(f"{source.name}: cannot resolve prefix {prefix!r} of {method.upper()} {path}")
                continue
            prefix = constant.group(1)
        if "\\(" in path:
            if path not in LOOPS:
                errors.append(f"{source.name}: {method.upper()} '{path}' is built by interpolation; add its expansion to LOOPS")
                continue
            seen_loops.add(path)
            entry = LOOPS[path]
            if permission.startswith("."):
                # One literal permission for every route of the loop.
                if isinstance(entry["paths"], dict):
                    errors.append(f"{source.name}: {method.upper()} '{path}' passes {permission} for every route, "
                                  "but LOOPS maps a permission per route; update LOOPS")
                    continue
                expanded = [(one, permission[1:]) for one in entry["paths"]]
            else:
                # A per-route permission from the loop's variable: LOOPS names it and maps each route.
                if not isinstance(entry["paths"], dict) or entry.get("permission_variable") != permission:
                    errors.append(f"{source.name}: {method.upper()} '{path}' passes permission: {permission}, "
                                  "which LOOPS does not map per route; update LOOPS")
                    continue
                expanded = list(entry["paths"].items())
        elif permission.startswith("."):
            expanded = [(path, permission[1:])]
        else:
            errors.append(f"{source.name}: {method.upper()} {path} passes permission: {permission}, a variable "
                          "outside any loop the oracle knows; add the loop to LOOPS")
            continue
        for one, case in expanded:
            if case not in permissions:
                errors.append(f"{source.name}: {method.upper()} {prefix}/{one} requires .{case}, which is not a case of {permission_file.name}")
                continue
            expected.append((method, prefix + "/" + one, permissions[case]))
for loop in LOOPS:
    if loop not in seen_loops:
        errors.append(f"LOOPS names '{loop}', which no table.add( registers any more")

build = (sources / "HTTP/Application+build.swift").read_text(encoding="utf-8")
for method, path in re.findall(r'router\.(get|post|put|patch|delete)\("([^"]*)"', build):
    expected.append((method, "/" + path, None))

agent = (sources / "Agents/AgentController.swift").read_text(encoding="utf-8")
for method, path in re.findall(r'group\.(get|post|put|patch|delete)\("([^"]*)"', agent):
    expected.append((method, "/api/v1/agent/" + path, "none"))

for source in sorted(sources.rglob("DashboardController*.swift")):
    dashboard = source.read_text(encoding="utf-8")
    for method, path in re.findall(r'(?:router|authenticated|pages)\.(get|post|put|patch|delete)\("([^"]*)"', dashboard):
        path = re.sub(r":(\w+)", r"{\1}", path)
        path = path.replace("**", "{apiPath}")  # a catch-all: the dashboard's /act/<API path>
        expected.append((method, "/" + path, None))

if len(expected) < 10:
    errors.append(f"found only {len(expected)} routes in the sources; the oracle's patterns need updating")
known = set(permissions.values()) | {"none"}
for method, path, permission in expected:
    operation = paths.get(path, {}).get(method)
    if operation is None:
        errors.append(f"{method.upper()} {path} is registered in the code but missing from {spec_path}")
        continue
    documented = operation.get("x-permission")
    if documented is None:
        errors.append(f"{method.upper()} {path} has no x-permission")
    elif permission is not None and documented != permission:
        errors.append(f"{method.upper()} {path}: x-permission is {documented!r}, the code requires {permission!r}")
    elif documented not in known:
        errors.append(f"{method.upper()} {path}: x-permission {documented!r} is not a permission")

registered = {(m, p) for m, p, _ in expected}
for path, item in paths.items():
    for method in item:
        if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace") and (method, path) not in registered:
            errors.append(f"{method.upper()} {path} is documented but not registered in the code")

# The document's Permission schema lists exactly the enum's raw values.
schema = spec.get("components", {}).get("schemas", {}).get("Permission", {})
documented_permissions = set(schema.get("enum", []))
if documented_permissions != set(permissions.values()):
    missing = sorted(set(permissions.values()) - documented_permissions)
    extra = sorted(documented_permissions - set(permissions.values()))
    errors.append(f"components.schemas.Permission.enum differs from the Permission enum (missing {missing}, extra {extra})")

if errors:
    for error in errors:
        print(f"openapi oracle: {error}", file=sys.stderr)
    sys.exit(1)
print(f"openapi oracle: {len(expected)} routes documented with their permissions "
      f"({len(permissions)} permissions, {len(LOOPS)} route loops expanded)")
PY
