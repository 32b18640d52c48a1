#!/usr/bin/env bash
# What each piece of the Api's pipeline costs a hot product read (#16): CPU per request of the Api process with
# one piece left out at a time, against the full Api and the bare Kestrel route (bench/Baseline --bare).
#
# Builds each variant from a throwaway worktree of HEAD with its edits (warnings allowed: a removed call leaves unused code) (listed in `variants` below; an edit that no
# longer applies stops the script), starts one redis-server and one silo, then, ROUNDS times and in turn, starts
# each variant's Api, warms it, and measures it with wrk (bench/wrk/many-clients.lua: every request from a client
# of its own, so the per-client buckets admit them). Servers on core SERVER_CPUS [0], wrk on GENERATOR_CPUS [1]:
# the Api's CPU is read from /proc, so the generator's own CPU is not counted. Only loopback addresses are used;
# every process it started is stopped on exit. Writes bench/results/read-path-<date>.md.
#
# Usage: bench/read-path.sh
# Env: DURATION [8s] WARMUP [10s] ROUNDS [2] CONNECTIONS [64] THREADS [1] PORT_BASE [17500] VARIANTS [all of them]
#      CLIENTS [1000]: the synthetic clients wrk's requests come from (0: a new one for every request)
#      BASE_REF [-]: a commit to compare with: the variant `base` is the Api as it was there, without edits
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${DURATION:-8s}
warmup=${WARMUP:-10s}
rounds=${ROUNDS:-2}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
export CLIENTS=${CLIENTS:-1000}
base=${PORT_BASE:-17500}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http_port=$((base + 3)) api_port=$((base + 4))
admin_key="bench-$RANDOM$RANDOM"
sku=READ-PATH-HOT
stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$(mktemp -d)
server_pin=(taskset -c "${SERVER_CPUS:-0}") generator_pin=(taskset -c "${GENERATOR_CPUS:-1}")
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# Each variant: the edits that leave its piece out, one per line: file|text|replacement (the first occurrence).
declare -A edits=(
  [full]=""
  [base]=""
  [no-admission]="src/Api/FrontDoor/FrontDoorExtensions.cs|app.UseAdmissionControl();|"
  [no-request-timeouts]="src/Api/FrontDoor/FrontDoorExtensions.cs|app.UseRequestTimeouts();|"
  [no-cart-id-gate]="src/Api/FrontDoor/FrontDoorExtensions.cs|app.UseCartIdGate();|"
  [no-error-pages]="src/Api/FrontDoor/FrontDoorExtensions.cs|app.UseExceptionHandler();|
src/Api/FrontDoor/FrontDoorExtensions.cs|app.UseStatusCodePages();|
src/Api/FrontDoor/FrontDoorExtensions.cs|app.Use(RejectOversizedBodies);|"
  [no-telemetry]="src/ServiceDefaults/ServiceDefaultsExtensions.cs|builder.AddDoorbusterTelemetry();|
src/ServiceDefaults/ServiceDefaultsExtensions.cs|app.MapPrometheusScrapingEndpoint(OpsEndpoints.MetricsPath).DisableHttpMetrics();|"
  [no-route-id-check]="src/Api/Catalog/CatalogApi.cs|.WithTags(\"Catalog\").ValidateRouteIds();|.WithTags(\"Catalog\");"
  [no-lookup-metric]="src/Api/Catalog/ProductCache.cs|metrics.ProductLookup(loaded ? \"miss\" : \"hit\");|"
  [no-client-buckets]="src/Api/FrontDoor/AdmissionOptions.cs|PerClientBurst { get; set; } = 200;|PerClientBurst { get; set; }"
  [aspnetcore-instrumentation]="src/ServiceDefaults/ServiceDefaultsExtensions.cs|metrics.AddMeter(AspNetCoreMeters)|metrics.AddAspNetCoreInstrumentation()"
  [hosting-meter-only]="src/ServiceDefaults/ServiceDefaultsExtensions.cs|metrics.AddMeter(AspNetCoreMeters)|metrics.AddMeter(\"Microsoft.AspNetCore.Hosting\")"
)
all=""
for variant in no-admission no-request-timeouts no-cart-id-gate no-error-pages no-telemetry no-route-id-check no-lookup-metric; do
  all+="${edits[$variant]}"$'\n'
done
edits[none]=$all
variants=${VARIANTS:-full no-admission no-client-buckets no-request-timeouts no-cart-id-gate no-error-pages no-telemetry aspnetcore-instrumentation hosting-meter-only no-route-id-check no-lookup-metric none}

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  git -C "$repo" worktree remove --force "$work/tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
source bench/lib/servers.sh
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

say "Building the silo, the bare baseline and one Api per variant"
dotnet build src/Silo -c Release --nologo -v quiet
dotnet build bench/Baseline -c Release --nologo -v quiet
head=$(git rev-parse HEAD)
[[ -n ${BASE_REF:-} ]] && base_ref=$(git rev-parse "$BASE_REF")
git worktree add --detach "$work/tree" "$head" >/dev/null
for variant in $variants; do
  git -C "$work/tree" checkout -q -- .
  if [[ $variant == base ]]; then
    git -C "$work/tree" checkout -q --detach "${base_ref:?the variant base needs BASE_REF, a commit to compare with}"
  else
    git -C "$work/tree" checkout -q --detach "$head"
  fi
  while IFS='|' read -r file text replacement; do
    [[ -n $file ]] || continue
    grep -qF -- "$text" "$work/tree/$file" || { echo "$variant: '$text' is not in $file any more; update the edit" >&2; exit 1; }
    TEXT=$text REPLACEMENT=$replacement perl -0pi -e 's/\Q$ENV{TEXT}\E/$ENV{REPLACEMENT}/' "$work/tree/$file"
  done <<<"${edits[$variant]}"
  echo "$variant: $(git -C "$work/tree" diff --stat | tail -n 1)"
  dotnet build "$work/tree/src/Api" -c Release --nologo -v quiet -p:TreatWarningsAsErrors=false -p:EnforceCodeStyleInBuild=false -o "$work/api-$variant" >"$work/build-$variant.log" 2>&1 \
    || { tail -n 20 "$work/build-$variant.log" >&2; exit 1; }
done

say "Starting redis-server and a silo (core ${SERVER_CPUS:-0})"
export Admin__ApiKey=$admin_key Carts__SigningKey=$(head -c 32 /dev/urandom | base64)
start_redis_and_silo "$work" "$redis_port" "$silo_port" "$gateway_port" "$silo_http_port" "${server_pin[@]}"

# measure NAME COMMAND...: starts the server, warms it, measures it; prints a table row.
measure() {
  local name=$1 round=$2
  shift 2
  "${server_pin[@]}" "$@" --urls "http://127.0.0.1:$api_port" >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_ready "$api_port" "$pid" "$work/$name.log"
  curl -sf -X PUT -H "X-Api-Key: $admin_key" -H 'Content-Type: application/json' \
    -d '{"name":"Hot","category":"bench","price":9.99}' "http://127.0.0.1:$api_port/api/products/$sku" >/dev/null || true
  local url="http://127.0.0.1:$api_port/api/products/$sku"
  "${generator_pin[@]}" wrk -t"$threads" -c"$connections" -d"$warmup" -s bench/wrk/many-clients.lua "$url" >/dev/null
  local before after out
  before=$(cpu_ticks "$pid")
  out=$("${generator_pin[@]}" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s bench/wrk/many-clients.lua "$url")
  after=$(cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local requests rate p99 refused
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rate=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  refused=$(awk '/^Non-2xx answers/ {print $3}' <<<"$out")
  # Clock ticks are 1/100 s (getconf CLK_TCK): microseconds of Api CPU per request.
  local micros=$(((after - before) * 10000 * 1000 / requests))
  printf '| %s | %s | %s | %s | %d.%03d | %s |\n' "$round" "$name" "$rate" "$p99" $((micros / 1000)) $((micros % 1000)) "$refused"
}

table=$work/table.md
for ((round = 1; round <= rounds; round++)); do
  say "Round $round/$rounds"
  measure bare "$round" dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --bare | tee -a "$table"
  for variant in $variants; do
    measure "$variant" "$round" dotnet "$work/api-$variant/Doorbuster.Api.dll" | tee -a "$table"
  done
done

mkdir -p bench/results
report=bench/results/read-path-$stamp.md
{
  printf '# The read path, piece by piece (%s UTC)\n\n' "$(date -u '+%Y-%m-%d %H:%M')"
  printf 'Hot product read, wrk -t%s -c%s from %s clients, %s after %s warm-up per run, servers on core %s, wrk on core %s; one redis-server\n' \
    "$threads" "$connections" "$CLIENTS" "$duration" "$warmup" "${SERVER_CPUS:-0}" "${GENERATOR_CPUS:-1}"
  printf 'and one silo beside the Api (a hot read ends in the Api'"'"'s near cache). CPU: the Api process only (/proc).\n\n'
  printf '| round | variant | requests/s | p99 | Api CPU ms per 1,000 requests | non-2xx |\n| --- | --- | --- | --- | --- | --- |\n'
  cat "$table"
} >"$report"
say "Wrote $report"
cat "$report"
