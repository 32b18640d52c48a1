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
#   DURATION [20s]  WARMUP [10s]  ROUNDS [2]  CONNECTIONS [64]   load of each run
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
#   WRK [1]            1 = also run the hot-read, browse, cart and checkout scenarios with wrk (bench/wrk/many-clients.lua,
#                     zipf-read.lua, cart-add.lua, checkout.lua), an independent C generator that costs far less CPU than LoadGen, on fresh servers:
#                     for reads the BROWSE_SKUS catalog seeded by LoadGen; for cart adds WRK_SKUS [100] products and the
#                     empty carts wrk issues in WRK_ISSUE [10s]; for checkouts WRK_POOL [250000] carts prepared by
#                     LoadGen; WRK_WARMUP [10s], WRK_DURATION [10s], WRK_THREADS [2]; rows in a table of their own
#   GC_PAUSES [0]      1 = also measure each server process's GC pauses during the measured wrk runs (bench/GcPauses)
#   LOADGEN [1]        0 = run only the wrk rows (every scenario but mix), not LoadGen's
#   PIN [0]            1 = servers and Redis on core SERVER_CPUS [0], the generators on GENERATOR_CPUS [1] (taskset), so
#                     latency is judged without the generator competing for the servers' core
#   LATENCY_RATE [-]   rate (operations/s) of the open-loop scenario checkout-latency, the same for every system
#   APPENDFSYNC [-]    everysec or always: Redis keeps an append-only file with that fsync policy (default: none)
#   REPLICAS [0]       replicas of the Redis (redis-server on PORT_BASE+7...), as a Sentinel deployment has
#   DOORBUSTER_ENV [-] more environment for Doorbuster's silo, e.g. "Durability__ReplicasToAcknowledge=1"
# A quick run: DURATION=3s WARMUP=1s ROUNDS=1 BROWSE_SKUS=1000 bench/run-comparison.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-20s}
warmup=${WARMUP:-10s}
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
stamp=$(date -u +%Y-%m-%d-%H%M%S)
work=$(mktemp -d)
loadgen=(dotnet bench/LoadGen/bin/Release/net10.0/Doorbuster.LoadGen.dll)
server_pin=() generator_pin=()
if [[ ${PIN:-0} == 1 ]]; then
  server_pin=(taskset -c "${SERVER_CPUS:-0}") generator_pin=(taskset -c "${GENERATOR_CPUS:-1}")
  loadgen=("${generator_pin[@]}" "${loadgen[@]}")
fi
use_wrk=${WRK:-1}
if [[ $use_wrk == 1 ]] && ! command -v wrk >/dev/null; then
  echo "wrk is not installed (apt-get install wrk); its rows are skipped" >&2
  use_wrk=0
fi

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source bench/lib/servers.sh

# start NAME COMMAND...: runs COMMAND in the background (on the servers' core with PIN=1) with its output in $work/NAME.log.
start() {
  local name=$1
  shift
  "${server_pin[@]}" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
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

persistence=(--appendonly no)
[[ -n ${APPENDFSYNC:-} ]] && persistence=(--appendonly yes --appendfsync "$APPENDFSYNC" --dir "$work")
say "Starting redis-server on 127.0.0.1:$redis_port (${persistence[*]})"
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" "${persistence[@]}" --daemonize no
for ((i = 0; i < 100; i++)); do is_listening "$redis_port" && break; sleep 0.1; done
redis=127.0.0.1:$redis_port
for ((r = 1; r <= ${REPLICAS:-0}; r++)); do
  replica_port=$((api_port + r))
  mkdir -p "$work/replica-$r"
  say "Starting a replica on 127.0.0.1:$replica_port"
  start "replica$r" redis-server --port "$replica_port" --bind 127.0.0.1 --save "" "${persistence[@]/$work/$work/replica-$r}" \
    --replicaof 127.0.0.1 "$redis_port" --daemonize no
  replica_pids="${replica_pids:-}replica=$(eval echo "\$replica${r}_pid"),"
done

# start_system SYSTEM: starts its processes and waits until they are ready.
start_system() {
  local system=$1
  case $system in
    baseline)
      say "Starting the baseline on 127.0.0.1:$baseline_port"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Carts__SigningKey=$signing_key Baseline__KeyPrefix="bench$$:" \
        Checkout__PaymentWindow=$payment_window start baseline dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --urls "http://127.0.0.1:$baseline_port"
      wait_ready "$baseline_port" "$baseline_pid" "$work/baseline.log"
      ;;
    bare)
      say "Starting the bare baseline on 127.0.0.1:$bare_port"
      start bare dotnet bench/Baseline/bin/Release/net10.0/Doorbuster.Baseline.dll --bare --urls "http://127.0.0.1:$bare_port"
      wait_ready "$bare_port" "$bare_pid" "$work/bare.log"
      ;;
    doorbuster)
      say "Starting Doorbuster: silo on 127.0.0.1:$silo_http_port, Api on 127.0.0.1:$api_port"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Orleans__ClusterId="bench$$" Orleans__ServiceId="bench$$" \
        Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port Orleans__AdvertisedIPAddress=127.0.0.1 \
        Checkout__PaymentWindow=$payment_window start silo env ${DOORBUSTER_ENV:-} dotnet src/Silo/bin/Release/net10.0/Doorbuster.Silo.dll --urls "http://127.0.0.1:$silo_http_port"
      wait_ready "$silo_http_port" "$silo_pid" "$work/silo.log"
      ConnectionStrings__Redis=$redis Admin__ApiKey=$admin_key Orleans__ClusterId="bench$$" Orleans__ServiceId="bench$$" \
        Carts__SigningKey=$signing_key \
        start api dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "http://127.0.0.1:$api_port"
      wait_ready "$api_port" "$api_pid" "$work/api.log"
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

# pids_of SYSTEM: the processes whose CPU time is the system's cost (its Redis and replicas included), by tier.
pids_of() {
  case $1 in
    baseline) echo "${replica_pids:-}baseline=$baseline_pid,redis=$redis_pid" ;;
    bare) echo "bare=$bare_pid" ;;
    doorbuster) echo "${replica_pids:-}api=$api_pid,silo=$silo_pid,redis=$redis_pid" ;;
  esac
}

url_of() {
  case $1 in
    baseline) echo "http://127.0.0.1:$baseline_port" ;;
    bare) echo "http://127.0.0.1:$bare_port" ;;
    doorbuster) echo "http://127.0.0.1:$api_port" ;;
  esac
}

# heap_after_orders LABEL: the silo's gen-2 heap after the last collection, as its /metrics shows it (the unpaid orders are made).
heap_after_orders() {
  local bytes
  bytes=$(curl -s "http://127.0.0.1:$silo_http_port/metrics" | sed -n 's/^dotnet_gc_last_collection_heap_size_bytes{[^}]*gc_heap_generation="gen2"[^}]*} \([0-9.e+]*\).*/\1/p' | head -n 1)
  echo "| $1 | silo gen-2 heap after the run | $(awk -v b="${bytes:-0}" 'BEGIN { printf "%.0f MB", b / 1048576 }') |" >>"$work/heap.md"
}

# seed_wrk_skus SYSTEM: the products PREFIX-1..WRK_SKUS that bench/wrk/cart-add.lua adds to.
seed_wrk_skus() {
  local i
  for ((i = 1; i <= ${WRK_SKUS:-100}; i++)); do
    curl -fsS -o /dev/null -X PUT "$(url_of "$1")/api/products/wrk-$i" -H "X-Api-Key: $admin_key" -H 'Content-Type: application/json' \
      -d "{\"name\":\"wrk $i\",\"description\":\"\",\"category\":\"wrk\",\"price\":9.99}"
  done
}

# prepare_wrk SYSTEM SCENARIO: what wrk needs on fresh servers. hot-read: the products of seed_wrk_skus. checkout:
# LoadGen prepares WRK_POOL one-line carts (after OUTSTANDING unpaid orders for checkout-100k) into $work/carts.txt.
# cart: the products are seeded and wrk issues empty carts for WRK_ISSUE [10s] (bench/wrk/issue-carts.lua) into the
# same file. browse: LoadGen seeds BROWSE_SKUS products named wrkz-... (a one-second browse run).
prepare_wrk() {
  local system=$1 scenario=$2 threads=${WRK_THREADS:-2}
  case $scenario in
    hot-read)
      [[ $system == bare ]] || seed_wrk_skus "$system"
      ;;
    cart)
      seed_wrk_skus "$system" &&
        "${generator_pin[@]}" wrk -t"$threads" -c"$connections" -d"${WRK_ISSUE:-10s}" -s bench/wrk/issue-carts.lua "$(url_of "$system")" -- "$work/issued" &&
        cat "$work"/issued.* >"$work/carts.txt" && rm -f "$work"/issued.*
      ;;
    browse)
      "${loadgen[@]}" browse --url "$(url_of "$system")" --admin-key "$admin_key" --skus "$browse_skus" --prefix wrkz \
        --duration 1s --warmup 0s --connections 4
      ;;
    *)
      local prep=(checkout --url "$(url_of "$system")" --admin-key "$admin_key" --skus 10 --pool "${WRK_POOL:-250000}" --carts-file "$work/carts.txt" --clients 1000)
      [[ $scenario == checkout-100k ]] && prep+=(--outstanding "$outstanding")
      "${loadgen[@]}" "${prep[@]}"
      ;;
  esac
}

# measure_gc_pauses SYSTEM ROW: in the background, for the measured wrk window, the GC pauses of each of the system's
# .NET processes (pids_of, without Redis; bench/GcPauses: the runtime's suspend/restart events); wait_gc_pauses adds
# them to the report.
gc_pids=()
measure_gc_pauses() {
  local row=$2 process seconds=${WRK_DURATION:-10s} processes
  IFS=, read -ra processes <<<"$(pids_of "$1")"
  for process in "${processes[@]}"; do
    [[ $process == redis=* || $process == replica=* ]] && continue
    "${generator_pin[@]}" dotnet bench/GcPauses/bin/Release/net10.0/Doorbuster.GcPauses.dll "${process#*=}" "${seconds%s}" "| $row | ${process%=*}" >>"$work/gc.md" 2>>"$work/gc.log" &
    gc_pids+=($!)
  done
}

wait_gc_pauses() {
  local pid
  for pid in "${gc_pids[@]}"; do wait "$pid" || true; done
  gc_pids=()
}

# run_wrk SYSTEM LABEL SCENARIO: on fresh servers, prepare_wrk, then wrk warms up and measures: one product's page
# from 10,000 clients (bench/wrk/many-clients.lua; bare Kestrel too; reads come faster than the Api's 50 a second per
# client would admit from 1,000), checkouts
# (bench/wrk/checkout.lua) and first adds (cart-add.lua) on the first fifth of the carts and then the rest, Zipf
# product reads (zipf-read.lua) over the seeded catalog.
run_wrk() {
  local system=$1 label=$2 scenario=$3 threads=${WRK_THREADS:-2} line pool script warm measured extra=() path=
  say "Round $round/$rounds: $scenario against $system with wrk"
  [[ $restart == 1 ]] && start_system "$system"
  if prepare_wrk "$system" "$scenario" >"$work/wrk-prep.log" 2>&1; then
    if [[ $scenario == hot-read ]]; then
      # bench/wrk/many-clients.lua reads the URL's product; the bare route answers any sku with its constant product.
      script=bench/wrk/many-clients.lua warm=() measured=() path=/api/products/wrk-1
    elif [[ $scenario == browse ]]; then
      script=bench/wrk/zipf-read.lua warm=(wrkz "$browse_skus") measured=(wrkz "$browse_skus")
    else
      script=bench/wrk/checkout.lua
      [[ $scenario == cart ]] && script=bench/wrk/cart-add.lua extra=(wrk "${WRK_SKUS:-100}")
      pool=$(wc -l <"$work/carts.txt")
      head -n "$((pool / 5))" "$work/carts.txt" >"$work/carts-warm.txt"
      tail -n "+$((pool / 5 + 1))" "$work/carts.txt" >"$work/carts-measured.txt"
      warm=("$work/carts-warm.txt" "$threads" "${extra[@]}") measured=("$work/carts-measured.txt" "$threads" "${extra[@]}")
    fi
    CLIENTS=10000 "${generator_pin[@]}" wrk -t"$threads" -c"$connections" -d"${WRK_WARMUP:-10s}" -s "$script" "$(url_of "$system")$path" -- "${warm[@]}" >/dev/null
    [[ ${GC_PAUSES:-0} == 1 ]] && measure_gc_pauses "$system" "$round | $scenario | $label"
    line=$(CLIENTS=10000 "${generator_pin[@]}" wrk -t"$threads" -c"$connections" -d"${WRK_DURATION:-10s}" -s "$script" "$(url_of "$system")$path" -- "${measured[@]}" | grep -E '^(checkouts|cart adds|reads|requests):')
    echo "| $round | $scenario | $label | ${line#*: } |" >>"$work/wrk.md"
    echo "$line"
    wait_gc_pauses
  else
    failures=$((failures + 1))
    echo "FAILED to prepare for wrk:"
    tail -n 5 "$work/wrk-prep.log"
  fi
  [[ $restart == 1 ]] && stop_system "$system"
}

failures=0
for ((round = 1; round <= rounds; round++)); do
  for scenario in $scenarios; do
    for system in $systems; do
      # Bare mode serves one constant product and nothing else: it only takes part in hot-read.
      run=$scenario label=$system
      if [[ $scenario == checkout-100k ]]; then
        run=checkout label="$system@100k"
      elif [[ $scenario == checkout-latency ]]; then
        [[ -n ${LATENCY_RATE:-} ]] || { echo "checkout-latency needs LATENCY_RATE" >&2; exit 1; }
        run=checkout label="$system@${LATENCY_RATE}/s"
      fi
      args=(--url "$(url_of "$system")" --label "$label" --duration "$duration" --warmup "$warmup"
        --report "$work/raw/$system/$scenario")
      [[ $scenario == checkout-latency ]] || args+=(--connections "$connections")
      [[ $scenario == checkout-100k ]] && args+=(--outstanding "$outstanding")
      [[ $scenario == checkout-latency ]] && args+=(--rate "$LATENCY_RATE")
      if [[ $system == bare ]]; then
        [[ $scenario == hot-read ]] || continue
        args+=(--sku bare-1)
      else
        args+=(--admin-key "$admin_key")
      fi
      [[ $scenario == browse ]] && args+=(--skus "$browse_skus") || args+=(--skus "$skus")
      # shellcheck disable=SC2206 # EXTRA_ARGS is a list of options, split on purpose.
      args+=(${EXTRA_ARGS---clients 1000})
      if [[ ${LOADGEN:-1} == 1 ]]; then
        say "Round $round/$rounds: $scenario against $system"
        [[ $restart == 1 ]] && start_system "$system"
        args+=(--cpu-pids "$(pids_of "$system")")
        [[ $system == bare ]] || args+=(--redis-stats "$redis")
        if ! "${loadgen[@]}" "$run" "${args[@]}" >"$work/run.log" 2>&1; then
          failures=$((failures + 1))
          echo "FAILED; the last lines of its output:"
        fi
        if [[ $scenario == checkout-100k && $system == doorbuster ]]; then
          heap_after_orders "$label"
        fi
        [[ $restart == 1 ]] && stop_system "$system"
        grep -E '^\[|^Error|Setup failed|PASSED|FAILED|Calibration' "$work/run.log" | tail -n 8 || true
      fi
      if [[ $use_wrk == 1 && ( $scenario == hot-read || ( $system != bare && ( $scenario == cart || $scenario == browse || ( $scenario == checkout* && $scenario != checkout-latency ) ) ) ) ]]; then
        run_wrk "$system" "$label" "$scenario"
      fi
    done
  done
done

mkdir -p bench/results
out=bench/results/comparison-$stamp.md
note="Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(uname -sr)), .NET $(dotnet --version), Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'); $( [[ ${PIN:-0} == 1 ]] && echo "servers and Redis pinned to core ${SERVER_CPUS:-0}, the generators to core ${GENERATOR_CPUS:-1}" || echo "load generator, Redis and servers share the machine"). Each run: closed loop with $connections connections${LATENCY_RATE:+ (checkout-latency: open loop at ${LATENCY_RATE}/s)}, $warmup warm-up, $duration measured, $rounds round(s); browse over $browse_skus skus (Zipf 1.0), the others over $skus. Redis: AOF ${APPENDFSYNC:-off}, ${REPLICAS:-0} replica(s)${DOORBUSTER_ENV:+; Doorbuster silo with $DOORBUSTER_ENV}. \`bare\` is the baseline's bare Kestrel endpoint (a constant product, no Redis). $failures run(s) failed."
if [[ -d $work/raw || -f $work/wrk.md ]]; then
  if [[ -d $work/raw ]]; then
    "${loadgen[@]}" compare "$work/raw" --reference baseline --out "$out" --note "$note" >/dev/null
  else
    printf '# Doorbuster against the Redis-direct baseline, wrk only\n\n%s\n' "$note" >"$out"
  fi
  if [[ -f $work/wrk.md ]]; then
    {
      printf '\n## wrk (hot and Zipf reads, cart adds, checkouts: %s threads, %s connections, %s after %s warm-up, fresh servers per run)\n\n' "${WRK_THREADS:-2}" "$connections" "${WRK_DURATION:-10s}" "${WRK_WARMUP:-10s}"
      echo "| round | scenario | system | result |"
      echo "| --- | --- | --- | --- |"
      cat "$work/wrk.md"
    } >>"$out"
  fi
  if [[ -f $work/gc.md ]]; then
    { printf '\n## GC pauses during the measured wrk runs\n\n| round | scenario | system | process | pauses |\n| --- | --- | --- | --- | --- |\n'
      sed 's/: \([0-9]* GC pauses\)/ | \1/; s/$/ |/' "$work/gc.md"; } >>"$out"
  fi
  if [[ -f $work/heap.md ]]; then
    { printf '\n## Memory\n\n| run | what | value |\n| --- | --- | --- |\n'; cat "$work/heap.md"; } >>"$out"
  fi
  say "Comparison written to $out"
  cat "$out"
else
  echo "No run produced a report." >&2
fi
if [[ ${KEEP_RAW:-0} == 1 && -d $work/raw ]]; then
  cp -r "$work/raw" "bench/results/comparison-$stamp-raw"
fi
[[ $failures -eq 0 ]]
