#!/usr/bin/env bash
# How long a server started into load takes to reach its speed, with the runtime's tiering delay and without it
# (DOTNET_TC_CallCountingDelayMs=0, which the Dockerfiles and bench/lib/servers.sh set). A hot product read against
# the bare Kestrel route (bench/Baseline --bare) and against the Api (one silo and redis-server behind it), each
# process started fresh on core SERVER_CPUS [0], wrk on GENERATOR_CPUS [1]: SLICES slices of SLICE seconds of load
# from the moment the server is ready, requests/s per slice. A process limited to one core is where the runtime
# waits longest (ten times its 100 ms delay), as in an Api pod limited to one CPU. Only loopback addresses are
# used; every process it started is stopped on exit. Writes bench/results/tier-up-<date>.md.
#
# Usage: bench/tier-up.sh
# Env: SLICES [8] SLICE [5s] ROUNDS [1] CONNECTIONS [64] PORT_BASE [17800] SKIP_BUILD [0] TARGETS ["bare api"]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/servers.sh
slices=${SLICES:-8} slice=${SLICE:-5s} rounds=${ROUNDS:-1} connections=${CONNECTIONS:-64}
base=${PORT_BASE:-17800}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http=$((base + 3)) server_port=$((base + 4))
key=bench-admin sku=TIER-UP-HOT
servers=(taskset -c "${SERVER_CPUS:-0}") generator=(taskset -c "${GENERATOR_CPUS:-1}")
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  for project in src/Silo src/Api bench/Baseline; do dotnet build "$project" -c Release --nologo -v quiet; done
fi

say "Starting redis-server and a silo (core ${SERVER_CPUS:-0})"
export Admin__ApiKey=$key Carts__SigningKey=$(head -c 32 /dev/urandom | base64)
start_redis_and_silo "$work" "$redis_port" "$silo_port" "$gateway_port" "$silo_http" "${servers[@]}"

# ramp TARGET DELAY: starts TARGET (bare, api) with the runtime's default delay or none, prints a table row.
ramp() {
  local target=$1 delay=$2 command
  case $target in
    bare) command=(dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --bare) ;;
    api) command=(dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll) ;;
  esac
  local environment=(env)
  [[ $delay == default ]] && environment=(env -u DOTNET_TC_CallCountingDelayMs)
  "${environment[@]}" "${servers[@]}" "${command[@]}" --urls "http://127.0.0.1:$server_port" >"$work/$target.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_ready "$server_port" "$pid" "$work/$target.log"
  curl -sf -X PUT -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
    -d '{"name":"Hot","category":"bench","price":9.99}' "http://127.0.0.1:$server_port/api/products/$sku" >/dev/null || true
  local row="| $target | $delay |" i rate
  for ((i = 1; i <= slices; i++)); do
    rate=$(CLIENTS=1000 "${generator[@]}" wrk -t1 -c"$connections" -d"$slice" -s bench/wrk/many-clients.lua \
      "http://127.0.0.1:$server_port/api/products/$sku" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
    row+=" $rate |"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$row"
}

table=$work/table.md
for ((round = 1; round <= rounds; round++)); do
  for target in ${TARGETS:-bare api}; do
    for delay in default none; do
      say "Round $round/$rounds: $target, tiering delay $delay"
      ramp "$target" "$delay" | tee -a "$table"
    done
  done
done

mkdir -p bench/results
report=bench/results/tier-up-$(date -u +%Y-%m-%d-%H%M%S).md
{
  printf '# Speed from start under load (%s UTC)\n\n' "$(date -u '+%Y-%m-%d %H:%M')"
  printf 'Hot product read, wrk -t1 -c%s from 1,000 clients in slices of %s from the moment the server is ready; server on core %s,\n' \
    "$connections" "$slice" "${SERVER_CPUS:-0}"
  printf 'wrk on core %s. Delay: `default` is the runtime'"'"'s tiering delay, `none` is DOTNET_TC_CallCountingDelayMs=0. Requests/s per slice.\n\n' \
    "${GENERATOR_CPUS:-1}"
  printf '| server | delay |'; for ((i = 1; i <= slices; i++)); do printf ' %s |' "$i"; done; printf '\n| --- | --- |'
  for ((i = 1; i <= slices; i++)); do printf ' --- |'; done; printf '\n'
  cat "$table"
} >"$report"
say "Wrote $report"
cat "$report"
