#!/usr/bin/env bash
# Doorbuster against the Redis-direct baseline: same machine, same Redis, same load generator, one command.
#
# Builds Release, starts a throwaway redis-server and, on loopback only, the baseline (bench/Baseline), its bare
# Kestrel mode (the floor for product reads) and Doorbuster as 1 silo + 1 Api. Then, ROUNDS times, runs every
# scenario against every system in turn (closed loop) and writes the medians and the Doorbuster/baseline ratios
# to bench/results/comparison-<date>.md. Every process it started is stopped on exit.
#
# Usage: bench/run-comparison.sh
# Env (defaults in brackets):
#   DURATION [20s]  WARMUP [3s]  ROUNDS [2]  CONNECTIONS [64]   load of each run
#   BROWSE_SKUS [10000]  SKUS [1000]                            catalog of browse / of the other scenarios
#   SCENARIOS ["hot-read browse cart checkout checkout-100k mix"]  SYSTEMS ["baseline bare doorbuster"]
#                     checkout-100k is checkout after OUTSTANDING [100000] unpaid orders on the sku, labelled SYSTEM@100k
#   EXTRA_ARGS ["--clients 1000"]   more loadgen options for every run (the shoppers come as 1,000 clients
#                     through the trusted loopback proxy, so Doorbuster's per-client buckets see many shoppers)
#   PAYMENT_WINDOW [02:00:00]  checkout payment window of both systems (unpaid orders must not expire mid-run)
#   RESTART [1]        1 = every run on freshly started servers (Redis stays), so no run inherits the activations,
#                     heap and caches of the runs before it; 0 = start each system once
#   PORT_BASE [17400]  uses PORT_BASE..PORT_BASE+6 on 127.0.0.1
#   SKIP_BUILD [0]     1 = use the existing Release builds
#   KEEP_RAW [0]       1 = keep every run's JSON and Markdown report next to the comparison
# A quick run: DURATION=3s WARMUP=1s ROUNDS=1 BROWSE_SKUS=1000 bench/run-comparison.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-20s}
warmup=${WARMUP:-3s}
rounds=${ROUNDS:-2}
connections=${CONNECTIONS:-64}
browse_skus=${BROWSE_SKUS:-10000}
skus=${SKUS:-1000}
scenarios=${SCENARIOS:-hot-read browse cart checkout checkout-100k mix}
outstanding=${OUTSTANDING:-100000}
restart=${RESTART:-1}
systems=${SYSTEMS:-baseline bare doorbuster}
base=${PORT_BASE:-17400}
# Orders placed by the checkout runs stay unpaid: a window longer than the whole comparison keeps expiry sweeps out of it.
payment_window=${PAYMENT_WINDOW:-02:00:00}
redis_port=$base baseline_port=$((base + 1)) bare_port=$((base + 2)) silo_port=$((base + 3))
gateway_port=$((base + 4)) silo_http_port=$((base + 5)) api_port=$((base + 6))
admin_key="bench-$RANDOM$RANDOM"
signing_key=$(head -c 32 /dev/urandom | base64)
stamp=$(date -u +%Y-%m-%d-%H%M)
work=$(mktemp -d)
loadgen=(dotnet bench/LoadGen/bin/Release/net10.0/Doorbuster.LoadGen.dll)

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }

# is_listening PORT: something accepts connections on 127.0.0.1:PORT.
is_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_ok PORT PATH: GET answers 200 (bash's /dev/tcp, so curl is not needed).
http_ok() {
  local status
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  IFS= read -r -t 5 status <&3 || status=""
  exec 3<&- 3>&-
  [[ $status == *" 200 "* ]]
}

# start NAME COMMAND...: runs COMMAND in the background with its output in $work/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
}

# wait_ready NAME PORT: waits up to 90 s for /health/ready to answer 200 while the process lives.
wait_ready() {
  local name=$1 port=$2 pid_var="${1}_pid" i
  for ((i = 0; i < 900; i++)); do
    if http_ok "$port" /health/ready; then return 0; fi
    if ! kill -0 "${!pid_var}" 2>/dev/null; then
      echo "$name exited before it was ready; its log:" >&2
      tail -n 40 "$work/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name was not ready after 90 s; its log:" >&2
  tail -n 40 "$work/$name.log" >&2
  exit 1
}

for port in $(seq "$base" "$api_port"); do
  if is_listening "$port"; then
    echo "127.0.0.1:$port is in use; choose other ports with PORT_BASE=..." >&2
    exit 1
  fi
done

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  say "Building Release"
  for project in bench/LoadGen bench/Baseline src/Silo src/Api; do
    dotnet build "$project" -c Release --nologo -v quiet
  done
fi

say "Starting redis-server on 127.0.0.1:$redis_port"
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no
for ((i = 0; i < 100; i++)); do is_listening "$redis_port" && break; sleep 0.1; done
redis=127.0.0.1:$redis_port

# start_system SYSTEM: starts its processes and waits until they are ready.
start_system() {
  local system=$1
  case $system in
    baseline)
      say "Starting the baseline on 127.0.0.1:$baseline_port"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Carts__SigningKey=$signing_key Baseline__KeyPrefix="bench$$:" \
        Checkout__PaymentWindow=$payment_window start baseline dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --urls "http://127.0.0.1:$baseline_port"
      wait_ready baseline "$baseline_port"
      ;;
    bare)
      say "Starting the bare baseline on 127.0.0.1:$bare_port"
      start bare dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --bare --urls "http://127.0.0.1:$bare_port"
      wait_ready bare "$bare_port"
      ;;
    doorbuster)
      say "Starting Doorbuster: silo on 127.0.0.1:$silo_http_port, Api on 127.0.0.1:$api_port"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Orleans__ClusterId="bench$$" Orleans__ServiceId="bench$$" \
        Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port Orleans__AdvertisedIPAddress=127.0.0.1 \
        Checkout__PaymentWindow=$payment_window start silo dotnet src/Silo/bin/Release/net10.0/Doorbuster.Silo.dll --urls "http://127.0.0.1:$silo_http_port"
      wait_ready silo "$silo_http_port"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Orleans__ClusterId="bench$$" Orleans__ServiceId="bench$$" \
        Carts__SigningKey=$signing_key \
        start api dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "http://127.0.0.1:$api_port"
      wait_ready api "$api_port"
      ;;
    *) echo "Unknown system '$system' (baseline, bare, doorbuster)" >&2; exit 1 ;;
  esac
}

# stop_system SYSTEM: stops its processes (Redis stays) and waits for them to exit.
stop_system() {
  local -a pid
  local p
  case $1 in
    baseline) pid=("$baseline_pid") ;;
    bare) pid=("$bare_pid") ;;
    doorbuster) pid=("$api_pid" "$silo_pid") ;;
  esac
  kill "${pid[@]}" 2>/dev/null || true
  for p in "${pid[@]}"; do wait "$p" 2>/dev/null || true; done
}

if [[ $restart != 1 ]]; then
  for system in $systems; do start_system "$system"; done
fi

# pids_of SYSTEM: the processes whose CPU time is the system's cost (its Redis included).
pids_of() {
  case $1 in
    baseline) echo "$baseline_pid,$redis_pid" ;;
    bare) echo "$bare_pid" ;;
    doorbuster) echo "$silo_pid,$api_pid,$redis_pid" ;;
  esac
}

url_of() {
  case $1 in
    baseline) echo "http://127.0.0.1:$baseline_port" ;;
    bare) echo "http://127.0.0.1:$bare_port" ;;
    doorbuster) echo "http://127.0.0.1:$api_port" ;;
  esac
}

failures=0
for ((round = 1; round <= rounds; round++)); do
  for scenario in $scenarios; do
    for system in $systems; do
      # Bare mode serves one constant product and nothing else: it only takes part in hot-read.
      run=$scenario label=$system
      if [[ $scenario == checkout-100k ]]; then
        run=checkout label="$system@100k"
      fi
      args=(--url "$(url_of "$system")" --label "$label" --duration "$duration" --warmup "$warmup"
        --connections "$connections" --report "$work/raw/$system/$scenario")
      [[ $scenario == checkout-100k ]] && args+=(--outstanding "$outstanding")
      if [[ $system == bare ]]; then
        [[ $scenario == hot-read ]] || continue
        args+=(--sku bare-1)
      else
        args+=(--admin-key "$admin_key")
      fi
      [[ $scenario == browse ]] && args+=(--skus "$browse_skus") || args+=(--skus "$skus")
      # shellcheck disable=SC2206 # EXTRA_ARGS is a list of options, split on purpose.
      args+=(${EXTRA_ARGS---clients 1000})
      say "Round $round/$rounds: $scenario against $system"
      [[ $restart == 1 ]] && start_system "$system"
      args+=(--cpu-pids "$(pids_of "$system")")
      if ! "${loadgen[@]}" "$run" "${args[@]}" >"$work/run.log" 2>&1; then
        failures=$((failures + 1))
        echo "FAILED; the last lines of its output:"
      fi
      [[ $restart == 1 ]] && stop_system "$system"
      grep -E '^\[|Setup failed|PASSED|FAILED|Calibration' "$work/run.log" | tail -n 8 || true
    done
  done
done

mkdir -p bench/results
out=bench/results/comparison-$stamp.md
note="Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(uname -sr)), .NET $(dotnet --version), Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'); load generator, Redis and servers share the machine. Each run: closed loop with $connections connections, $warmup warm-up, $duration measured, $rounds round(s); browse over $browse_skus skus (Zipf 1.0), the others over $skus. \`bare\` is the baseline's bare Kestrel endpoint (a constant product, no Redis). $failures run(s) failed."
if [[ -d $work/raw ]]; then
  "${loadgen[@]}" compare "$work/raw" --reference baseline --out "$out" --note "$note" >/dev/null
  say "Comparison written to $out"
  cat "$out"
else
  echo "No run produced a report." >&2
fi
if [[ ${KEEP_RAW:-0} == 1 && -d $work/raw ]]; then
  cp -r "$work/raw" "bench/results/comparison-$stamp-raw"
fi
[[ $failures -eq 0 ]]
