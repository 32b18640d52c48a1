#!/usr/bin/env bash
# The 10x overload judged fairly (#16 item 5): the servers (redis-server, 1 silo, 1 Api) on core 0 and LoadGen on
# core 1 (taskset), so admitted latency is the servers' and not the generator's queue for a shared core.
# Runs `loadgen overload` (the mix's peak closed loop, then 0.5x-10x of it open loop) with 1,000 client addresses;
# writes bench/results/overload-pinned-<date>/ and stops every process it started.
# Env: STEP_DURATION [10s] PORT_BASE [17600] SKIP_BUILD [0] SERVER_CPUS [0] GENERATOR_CPUS [1]
#      API_ENV [-] more environment for the Api, e.g. "Admission__MaxConcurrentRequests=64"; SILO_ENV [-] the same for the silo
#      LOADGEN [overload --step-duration STEP_DURATION] another LoadGen run on the same pinned servers, e.g.
#        "mix --rate 3600 --warmup 10s --duration 30s" (the mix open loop at a fixed rate)
#      SILO_DLL, API_DLL [the Release builds] other builds of the servers to run, e.g. a `dotnet publish` output
#        (the silo, SILO_ENV and redis-server are started by start_redis_and_silo in bench/lib/servers.sh)
#      GC_PAUSES [-] "DELAY SECONDS": from DELAY seconds into the run, measure the Api's and the silo's GC pauses for
#        SECONDS (bench/GcPauses, on the generator's core), written to gc-pauses.txt
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/servers.sh
base=${PORT_BASE:-17600}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http=$((base + 3)) api_port=$((base + 4))
key=bench-admin signing=$(head -c 32 /dev/urandom | base64)
out=bench/results/overload-pinned-$(date -u +%Y-%m-%d-%H%M%S)
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
servers=(taskset -c "${SERVER_CPUS:-0}") generator=(taskset -c "${GENERATOR_CPUS:-1}")

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  for project in src/Silo src/Api bench/LoadGen bench/GcPauses; do dotnet build "$project" -c Release --nologo -v quiet; done
fi

export Admin__ApiKey=$key
start_redis_and_silo "$out" "$redis_port" "$silo_port" "$gateway_port" "$silo_http" "${servers[@]}"
redis_pid=${pids[0]} silo_pid=${pids[1]}
env Carts__SigningKey="$signing" ${API_ENV:-} \
  "${servers[@]}" dotnet "${API_DLL:-src/Api/bin/Release/net10.0/Doorbuster.Api.dll}" --urls "http://127.0.0.1:$api_port" >"$out/api.log" 2>&1 &
pids+=($!)
api_pid=$!
wait_ready "$api_port" "$api_pid" "$out/api.log"

gc_pids=()
if [[ -n ${GC_PAUSES:-} ]]; then
  read -r delay seconds <<<"$GC_PAUSES"
  for process in "api=$api_pid" "silo=$silo_pid"; do
    (sleep "$delay" && "${generator[@]}" dotnet bench/GcPauses/bin/Release/net10.0/Doorbuster.GcPauses.dll "${process#*=}" "$seconds" "${process%=*}" >>"$out/gc-pauses.txt") &
    gc_pids+=($!)
  done
fi

# shellcheck disable=SC2206 # LOADGEN is a LoadGen command line, split on purpose.
run=(${LOADGEN:-overload --step-duration ${STEP_DURATION:-10s}})
"${generator[@]}" dotnet bench/LoadGen/bin/Release/net10.0/Doorbuster.LoadGen.dll "${run[@]}" --url "http://127.0.0.1:$api_port" --admin-key "$key" \
  --clients 1000 --cpu-pids "api=$api_pid,silo=$silo_pid,redis=$redis_pid" --report "$out" | tee "$out/loadgen.txt"
if [[ -n ${GC_PAUSES:-} ]]; then
  wait "${gc_pids[@]}" || true
  cat "$out/gc-pauses.txt"
fi
