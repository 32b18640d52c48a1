#!/usr/bin/env bash
# A few seconds of the Black-Friday load generator against the Api in embedded mode (in memory, no servers):
# a mixed load, a small flash sale and a small flash sale through its waiting room, asserting the stock invariant of every sku touched, exactly M wins, and
# no 5xx. A smoke, not a speed: the numbers it prints are not compared with anything. The shoppers come as
# 200 synthetic clients through the trusted loopback proxy, as shoppers behind an ingress would.
# Needs the Release build (dotnet build Orleans.sln -c Release). Run from anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

port=$(free_port)
key="smoke-$RANDOM$RANDOM"
log=$(mktemp)
Admin__ApiKey=$key Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) \
  dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "http://127.0.0.1:$port" --in-memory >"$log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 $api 2>/dev/null || { echo "the Api exited:"; cat "$log"; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the Api was not ready in 60 s:"; tail -50 "$log"; exit 1; }

loadgen=(dotnet bench/LoadGen/bin/Release/net10.0/Doorbuster.LoadGen.dll)
echo "==> loadgen mix --smoke"
"${loadgen[@]}" mix --url "http://127.0.0.1:$port" --admin-key "$key" --smoke --clients 200
echo "==> loadgen flash-sale --smoke"
"${loadgen[@]}" flash-sale --url "http://127.0.0.1:$port" --admin-key "$key" --smoke --clients 200
echo "==> loadgen flash-queue --smoke"
"${loadgen[@]}" flash-queue --url "http://127.0.0.1:$port" --admin-key "$key" --smoke
echo "loadgen smoke: invariant held, no 5xx"
