#!/usr/bin/env bash
# Validates everything under monitoring/: Prometheus config, rules and rule unit
# tests, YAML style, Grafana dashboards. Run from anywhere; it works from the
# repository root. Needs promtool (Debian package "prometheus"), yamllint and
# python3 with PyYAML (a yamllint dependency).
#
#   ci/validate-monitoring.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }
ok() { printf 'OK: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

for tool in promtool yamllint python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
rule_files=(monitoring/rules/*.yml)
test_files=(monitoring/tests/*.yml)
dashboards=(monitoring/grafana/dashboards/*.json)
shopt -u nullglob
[ ${#rule_files[@]} -gt 0 ] || fail "no rule files in monitoring/rules"
[ ${#test_files[@]} -gt 0 ] || fail "no rule tests in monitoring/tests"
[ ${#dashboards[@]} -gt 0 ] || fail "no dashboards in monitoring/grafana/dashboards"

step "promtool check config --syntax-only monitoring/prometheus.yml"
promtool check config --syntax-only monitoring/prometheus.yml
ok "prometheus.yml syntax"

# The config names the rules by their path inside the Prometheus container
# (/etc/prometheus/rules, mounted by docker-compose). A full check resolves
# rule_files, so check a copy that points at this checkout instead.
step "promtool check config (copy with rule_files -> $PWD/monitoring/rules)"
grep -q "/etc/prometheus/rules/" monitoring/prometheus.yml \
  || fail "monitoring/prometheus.yml no longer loads /etc/prometheus/rules/*.yml"
sed "s#/etc/prometheus/rules/#$PWD/monitoring/rules/#" monitoring/prometheus.yml > "$tmp/prometheus.yml"
promtool check config "$tmp/prometheus.yml"
ok "prometheus.yml with its rule files"

step "promtool check rules ${rule_files[*]}"
promtool check rules "${rule_files[@]}"
ok "rules"

step "promtool test rules ${test_files[*]}"
promtool test rules "${test_files[@]}"
test_count="$(python3 - "${test_files[@]}" <<'EOF'
import sys, yaml
groups = asserts = 0
for path in sys.argv[1:]:
    for t in yaml.safe_load(open(path))["tests"]:
        groups += 1
        asserts += len(t.get("alert_rule_test") or []) + len(t.get("promql_expr_test") or [])
print(f"{groups} test groups, {asserts} assertions")
EOF
)"
ok "rule unit tests: $test_count"

step "every alert has a firing test and a quiet test"
python3 - "${rule_files[*]}" "${test_files[*]}" <<'EOF'
import sys, yaml
alerts = set()
for path in sys.argv[1].split():
    for group in yaml.safe_load(open(path))["groups"]:
        alerts |= {r["alert"] for r in group["rules"] if "alert" in r}
fired, quiet = set(), set()
for path in sys.argv[2].split():
    for test in yaml.safe_load(open(path))["tests"]:
        for check in test.get("alert_rule_test") or []:
            (fired if check.get("exp_alerts") else quiet).add(check["alertname"])
problems = [f"{a}: no test where it fires" for a in sorted(alerts - fired)]
problems += [f"{a}: no test where it stays quiet" for a in sorted(alerts - quiet)]
problems += [f"{a}: tested but not defined" for a in sorted((fired | quiet) - alerts)]
for p in problems:
    print("  " + p)
if problems:
    sys.exit(1)
print(f"  {len(alerts)} alerts, each fires in a test and stays quiet in another")
EOF
ok "alert test coverage"

step "yamllint -c .yamllint.yml monitoring/"
yamllint -c .yamllint.yml monitoring/
ok "yamllint"

step "Grafana dashboards: valid JSON, provisioned datasource, PromQL that parses"
for dashboard in "${dashboards[@]}"; do
  python3 -m json.tool "$dashboard" >/dev/null || fail "$dashboard is not valid JSON"
  echo "  $dashboard: valid JSON"
done
# Every query becomes a recording rule in a scratch file so promtool parses it
# ($__rate_interval and friends replaced by a fixed range).
python3 - "$tmp/dashboard-queries.yml" "${dashboards[@]}" <<'EOF'
import json, sys
out, paths = sys.argv[1], sys.argv[2:]
lines, n = ["groups:"], 0
for path in paths:
    d = json.load(open(path))
    if not d.get("uid"):
        sys.exit(f"  {path}: dashboard has no uid")
    lines += [f"  - name: {json.dumps(path)}", "    rules:"]
    def walk(panels):
        for p in panels:
            yield from walk(p.get("panels") or [])
            for t in p.get("targets") or []:
                ds = t.get("datasource") or p.get("datasource") or {}
                if ds.get("uid") != "prometheus":
                    sys.exit(f"  {path}: panel {p.get('title')!r} does not use datasource uid 'prometheus'")
                yield p.get("title"), t["expr"]
    count = 0
    for title, expr in walk(d.get("panels") or []):
        n += 1
        count += 1
        for var in ("$__rate_interval", "$__interval", "$__range"):
            expr = expr.replace(var, "5m")
        lines += [f"      - record: dashboard:query{n}", f"        expr: {json.dumps(expr)}"]
    print(f"  {path}: {count} queries")
open(out, "w").write("\n".join(lines) + "\n")
EOF
promtool check rules "$tmp/dashboard-queries.yml" >/dev/null || {
  promtool check rules "$tmp/dashboard-queries.yml" || true
  fail "a dashboard query does not parse"
}
ok "dashboards"

printf '\nAll monitoring checks passed.\n'
