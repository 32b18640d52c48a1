#!/usr/bin/env bash
# A 3,000-connection browse flood against Doorbuster (1 silo + 1 Api on a throwaway redis-server, loopback only),
# and meanwhile shoppers who add to a cart, check out and pay: each of their steps must succeed, and how long it
# took is recorded. Stops by itself; writes bench/results/browse-flood-<date>.md.
# Usage: bench/flood/browse-flood.sh [flood seconds=40] [connections=3000] [shoppers=30]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-40}
connections=${2:-3000}
shoppers=${3:-30}
base=${PORT_BASE:-17500}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http=$((base + 3)) api_port=$((base + 4))
key="flood-$RANDOM$RANDOM"
work=$(mktemp -d)
api="http://127.0.0.1:$api_port"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

ready() { for _ in $(seq 1 900); do curl -sf "$1/health/ready" >/dev/null && return 0; sleep 0.1; done; echo "$1 not ready" >&2; exit 1; }

[[ ${SKIP_BUILD:-0} == 1 ]] || dotnet build Orleans.sln -c Release --nologo -v quiet
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 & pids+=($!)
export ConnectionStrings__Redis="127.0.0.1:$redis_port" Admin__ApiKey="$key" Orleans__ClusterId=flood Orleans__ServiceId=flood
Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port Orleans__AdvertisedIPAddress=127.0.0.1 \
  dotnet src/Silo/bin/Release/net10.0/Doorbuster.Silo.dll --urls "http://127.0.0.1:$silo_http" >"$work/silo.log" 2>&1 & pids+=($!)
ready "http://127.0.0.1:$silo_http"
Carts__SigningKey=$(head -c 32 /dev/urandom | base64) \
  dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "$api" >"$work/api.log" 2>&1 & pids+=($!)
ready "$api"

admin=(-H "X-Api-Key: $key" -H 'Content-Type: application/json')
curl -sf -X PUT "$api/api/products/FLOOD-1" "${admin[@]}" -d '{"name":"Flooded","category":"flood","price":5}' >/dev/null
curl -sf -X PUT "$api/api/products/BUY-1" "${admin[@]}" -d '{"name":"Bought","category":"flood","price":7}' >/dev/null
curl -sf -X POST "$api/api/inventory/BUY-1/restock" "${admin[@]}" -d '{"quantity":100000}' >/dev/null

echo "== flood: $connections connections for ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s bench/flood/flood.lua "$api" >"$work/wrk.log" 2>&1 &
flood=$!
sleep 8

# One shopper's step: METHOD PATH [BODY] [KEY]; prints "status seconds" and the body to $work/body.
step() {
  local args=(-s -o "$work/body" -w '%{http_code} %{time_total}\n' -X "$1" "$api$2" -H "X-Forwarded-For: 203.0.113.$((RANDOM % 200 + 1))")
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' -d "$3")
  [[ -n ${4:-} ]] && args+=(-H "Idempotency-Key: $4")
  curl "${args[@]}"
}

: >"$work/steps"
for i in $(seq 1 "$shoppers"); do
  read -r status took < <(step POST /api/carts); echo "create-cart $status $took" >>"$work/steps"
  cart=$(sed 's/.*"cartId":"\([^"]*\)".*/\1/' "$work/body")
  read -r status took < <(step POST "/api/carts/$cart/items" '{"sku":"BUY-1","quantity":1}'); echo "add $status $took" >>"$work/steps"
  read -r status took < <(step POST "/api/carts/$cart/checkout" "" "k$i"); echo "checkout $status $took" >>"$work/steps"
  order=$(sed 's/.*"orderId":"\([^"]*\)".*/\1/' "$work/body")
  read -r status took < <(step POST "/api/orders/$order/pay"); echo "pay $status $took" >>"$work/steps"
done
wait $flood || true
cat "$work/wrk.log"

mkdir -p bench/results
out=bench/results/browse-flood-$(date -u +%Y-%m-%d-%H%M).md
{
  echo "# Browse flood: $connections connections for ${seconds}s, $shoppers shoppers meanwhile"
  echo
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores; Redis, 1 silo, 1 Api, wrk and the shoppers share the machine."
  echo
  echo '```'
  grep -E "Requests/sec|requests in|Non-2xx|Latency|flood:|Socket errors" "$work/wrk.log"
  echo '```'
  echo
  echo "| step | shoppers | succeeded | slowest s | median s |"
  echo "| --- | --- | --- | --- | --- |"
  for kind in create-cart add checkout pay; do
    awk -v k="$kind" '$1 == k { n++; if ($2 ~ /^2/) ok++; print $3 }' "$work/steps" | sort -n >"$work/t"
    total=$(grep -c "^$kind " "$work/steps"); ok=$(awk -v k="$kind" '$1 == k && $2 ~ /^2/' "$work/steps" | wc -l)
    echo "| $kind | $total | $ok | $(tail -1 "$work/t") | $(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$work/t") |"
  done
  echo
  echo "Admission refusals reported by the Api (\`doorbuster_admission_rejected_total\`):"
  echo
  echo '```'
  curl -s "$api/metrics" | grep '^doorbuster_admission_rejected_total' || echo "none"
  echo '```'
} >"$out"
cat "$out"
failed=$(awk '$2 !~ /^2/ || $3 >= 1.0' "$work/steps" | wc -l)
echo "$failed shopper steps failed or took 1 s or more"
[[ $failed -eq 0 ]]
