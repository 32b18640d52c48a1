#!/usr/bin/env bash
# The flash-sale waiting room, measured on this machine: one redis-server, 1 silo and 1 Api on loopback.
#  1. wrk (an independent C generator): product reads, joins of a sale's queue and polls of a ticket, ROUNDS
#     times interleaved, DURATION each: joins and polls per second against the plain product read.
#  2. LoadGen flash-queue: SHOPPERS arrive over ARRIVAL for UNITS units, poll, check out when admitted; its report
#     checks the sale's promises (see bench/LoadGen/README.md).
# Writes bench/results/sale-queue-<date>.md and LoadGen's reports next to it; stops every process it started.
# Env: DURATION [10s] ROUNDS [2] CONNECTIONS [64] SHOPPERS [50000] UNITS [1000] ARRIVAL [10s] PORT_BASE [17500]
#      SKIP_BUILD [0] PIN [0] (1 = servers on core 0, generators on core 1)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/servers.sh
duration=${DURATION:-10s}
rounds=${ROUNDS:-2}
connections=${CONNECTIONS:-64}
base=${PORT_BASE:-17500}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http=$((base + 3)) api_port=$((base + 4))
key=bench-admin signing=$(head -c 32 /dev/urandom | base64)
stamp=$(date -u +%Y-%m-%d-%H%M%S)
out=bench/results/sale-queue-$stamp
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
servers=() generators=()
if [[ ${PIN:-0} == 1 ]]; then servers=(taskset -c 0) generators=(taskset -c 1); fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  for project in src/Silo src/Api bench/LoadGen; do dotnet build "$project" -c Release --nologo -v quiet; done
fi

ready() { for ((i = 0; i < 600; i++)); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null && return 0; sleep 0.1; done; echo "not ready: $1" >&2; exit 1; }
"${servers[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$out/redis.log" &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
common=(ConnectionStrings__Redis=127.0.0.1:$redis_port Admin__ApiKey=$key Orleans__ClusterId=sale$$ Orleans__ServiceId=sale$$)
env "${common[@]}" Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port Orleans__AdvertisedIPAddress=127.0.0.1 \
  "${servers[@]}" dotnet src/Silo/bin/Release/net10.0/Doorbuster.Silo.dll --urls "http://127.0.0.1:$silo_http" >"$out/silo.log" 2>&1 &
pids+=($!)
ready "$silo_http"
env "${common[@]}" Carts__SigningKey="$signing" \
  "${servers[@]}" dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "http://127.0.0.1:$api_port" >"$out/api.log" 2>&1 &
pids+=($!)
ready "$api_port"
api=http://127.0.0.1:$api_port

# A product, and a sale on it that opened a second ago, admitting one shopper a second (the queue stays long).
curl -sf -X PUT "$api/api/products/QUEUE-1" -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
  -d '{"name":"Queue","category":"bench","price":1}' >/dev/null
curl -sf -X POST "$api/api/inventory/QUEUE-1/restock" -H "X-Api-Key: $key" -H 'Content-Type: application/json' -d '{"quantity":1000}' >/dev/null
starts=$(date -u -d '-1 second' +%Y-%m-%dT%H:%M:%SZ)
curl -sf -X PUT "$api/api/sales/bench-queue" -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
  -d "{\"skus\":[\"QUEUE-1\"],\"startsAt\":\"$starts\",\"admitPerSecond\":1,\"ticketsPerClient\":100}" >/dev/null
ticket=$(curl -sf -X POST "$api/api/sales/bench-queue/tickets" | sed 's/.*"ticket":"\([^"]*\)".*/\1/')

rate() { sed -n 's/^Requests\/sec: *//p' "$1"; }
p99() { sed -n 's/^ *99% *//p' "$1"; }
declare -A sum
for ((r = 1; r <= rounds; r++)); do
  for kind in read join poll; do
    case $kind in
      read) target=(wrk -t2 -c"$connections" -d"$duration" --latency -s bench/wrk/many-clients.lua "$api/api/products/QUEUE-1") ;;
      join) target=(env METHOD=POST wrk -t2 -c"$connections" -d"$duration" --latency -s bench/wrk/many-clients.lua "$api/api/sales/bench-queue/tickets") ;;
      poll) target=(wrk -t2 -c"$connections" -d"$duration" --latency -s bench/wrk/many-clients.lua "$api/api/sales/bench-queue/tickets/$ticket") ;;
    esac
    "${generators[@]}" "${target[@]}" >"$out/wrk-$kind-$r.txt"
    echo "round $r $kind: $(rate "$out/wrk-$kind-$r.txt") req/s, p99 $(p99 "$out/wrk-$kind-$r.txt"), $(sed -n 's/^Non-2xx answers: //p' "$out/wrk-$kind-$r.txt") not 2xx"
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
read_rate=$(for f in "$out"/wrk-read-*.txt; do rate "$f"; done | median)
{
  echo "# The flash-sale waiting room on this machine ($stamp)"
  echo
  echo "wrk, 2 threads, $connections connections, $duration per run, $rounds rounds interleaved; medians. 1 silo + 1 Api + redis-server$([[ ${PIN:-0} == 1 ]] && echo ', servers on core 0, wrk on core 1')."
  echo
  echo "| request | requests/s | vs product read | p99 (last round) | not 2xx (last round) |"
  echo "| --- | --- | --- | --- | --- |"
  for kind in read join poll; do
    value=$(for f in "$out"/wrk-$kind-*.txt; do rate "$f"; done | median)
    echo "| $kind | $value | $(awk -v a="$value" -v b="$read_rate" 'BEGIN {printf "%.2fx", a / b}') | $(p99 "$out/wrk-$kind-$rounds.txt") | $(sed -n 's/^Non-2xx answers: //p' "$out/wrk-$kind-$rounds.txt") |"
  done
} >"$out/README.md"

"${generators[@]}" dotnet bench/LoadGen/bin/Release/net10.0/Doorbuster.LoadGen.dll flash-queue --url "$api" --admin-key "$key" \
  --shoppers "${SHOPPERS:-50000}" --units "${UNITS:-1000}" --arrival "${ARRIVAL:-10s}" --report "$out" | tee "$out/loadgen.txt"
cat "$out/README.md"
