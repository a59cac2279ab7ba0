#!/usr/bin/env bash
# Validates docs/openapi.yaml against the OpenAPI 3.1 specification (openapi-spec-validator) and
# checks that every JSON route registered in the server code is documented with its permission.
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
"$python" - "$spec" "$root/Sources/PatchServer" <<'PY'
import pathlib
import re
import sys

import yaml

spec_path, sources = sys.argv[1], pathlib.Path(sys.argv[2])
spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
paths = spec.get("paths", {})
permissions = {
    "fleetRead": "fleet.read", "metricsRead": "metrics.read", "enrollmentManage": "enrollment.manage",
    "agentsManage": "agents.manage", "usersManage": "users.manage", "ownTokensManage": "tokens.own", "auditRead": "audit.read", "policyManage": "policy.manage", "plansManage": "plans.manage", "hostsManage": "hosts.manage",
}
expected = []  # (method, path, permission or None)

for source in sorted(sources.glob("*.swift")):
    text = source.read_text(encoding="utf-8")
    for method, path, permission in re.findall(
        r'table\.add\(\.(\w+),\s*"([^"]*)",\s*on:\s*group,\s*prefix:\s*prefix,\s*permission:\s*\.(\w+)\)', text
    ):
        expected.append((method, "/api/v1/" + path, permissions.get(permission, permission)))

build = (sources / "Application+build.swift").read_text(encoding="utf-8")
for method, path, permission in re.findall(
    r'table\.add\(\s*\.(\w+),\s*"([^"]*)",\s*on:\s*authenticated\.group\("api/v1"\),\s*prefix:\s*"/api/v1",\s*permission:\s*\.(\w+)',
    build,
):
    expected.append((method, "/api/v1/" + path, permissions.get(permission, permission)))
for method, path, permission in re.findall(
    r'table\.add\(\.(\w+),\s*"([^"]*)",\s*on:\s*authenticated,\s*prefix:\s*"",\s*permission:\s*\.(\w+)\)', build
):
    expected.append((method, "/" + path, permissions.get(permission, permission)))
for method, path in re.findall(r'router\.(get|post|put|patch|delete)\("([^"]*)"', build):
    expected.append((method, "/" + path, None))

agent = (sources / "AgentController.swift").read_text(encoding="utf-8")
for method, path in re.findall(r'group\.(get|post|put|patch|delete)\("([^"]*)"', agent):
    expected.append((method, "/api/v1/agent/" + path, "none"))

for source in sorted(sources.glob("DashboardController*.swift")):
    dashboard = source.read_text(encoding="utf-8")
    for method, path in re.findall(r'(?:router|authenticated)\.(get|post|put|patch|delete)\("([^"]*)"', dashboard):
        path = re.sub(r":(\w+)", r"{\1}", path)
        expected.append((method, "/" + path, None))

errors = []
if len(expected) < 10:
    errors.append(f"found only {len(expected)} routes in the sources; the oracle's patterns need updating")
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

registered = {(m, p) for m, p, _ in expected}
for path, item in paths.items():
    for method in item:
        if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace") and (method, path) not in registered:
            errors.append(f"{method.upper()} {path} is documented but not registered in the code")

if errors:
    for error in errors:
        print(f"openapi oracle: {error}", file=sys.stderr)
    sys.exit(1)
print(f"openapi oracle: {len(expected)} routes documented with their permissions")
PY
