#!/usr/bin/env bash
# Hot-sku inventory benchmark against a throwaway redis-server on a loopback port; stops by itself.
# Reserve + confirm purchases on ONE sku through the InventoryGrain, with 1,000 and then with <outstanding>
# unpaid reservations held: a write costs what its batch changed, so the two rates should match.
# Usage: bench/hot-sku.sh [seconds=10] [concurrency=256] [outstanding=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${REDIS_PORT:-6390}
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
dotnet run -c Release --project bench/Doorbuster.Bench -- "127.0.0.1:$port" "${1:-10}" "${2:-256}" "${3:-100000}"
