#!/usr/bin/env bash
# What a new cart's activation leaves on a real silo's heap, object by object (#16 item 4: "fewer surviving objects
# per activation"): one redis-server, one silo and one Api on loopback; wrk issues carts and adds one line to each
# (bench/wrk/issue-carts.lua, cart-add.lua: the first add to a cart just issued), with a heap dump of the silo
# (dotnet-gcdump, which forces a full collection) before and after the adds. The dumps' type statistics are diffed
# and divided by the number of new CartGrain objects. Every process it started is stopped on exit.
# Writes bench/results/activation-objects-<date>.md.
#
# Needs wrk and dotnet-gcdump (`dotnet tool install -g dotnet-gcdump`).
# Env: ADDS [10s] how long wrk adds; PORT_BASE [17700]; SKIP_BUILD [0]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/servers.sh
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
gcdump=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
[[ -x $gcdump ]] || { echo "dotnet-gcdump is not installed (dotnet tool install -g dotnet-gcdump)" >&2; exit 1; }

base=${PORT_BASE:-17700}
redis_port=$base silo_port=$((base + 1)) gateway_port=$((base + 2)) silo_http=$((base + 3)) api_port=$((base + 4))
api=http://127.0.0.1:$api_port
work=$(mktemp -d)
report=bench/results/activation-objects-$(date -u +%Y-%m-%d-%H%M%S).md
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  for project in src/Silo src/Api; do dotnet build "$project" -c Release --nologo -v quiet; done
fi

export Admin__ApiKey=bench-admin Carts__SigningKey=$(head -c 32 /dev/urandom | base64)
start_redis_and_silo "$work" "$redis_port" "$silo_port" "$gateway_port" "$silo_http"
silo_pid=${pids[1]}
dotnet src/Api/bin/Release/net10.0/Doorbuster.Api.dll --urls "$api" >"$work/api.log" 2>&1 &
pids+=($!)
wait_ready "$api_port" $! "$work/api.log"
for i in $(seq 1 100); do
  curl -fsS -o /dev/null -X PUT "$api/api/products/wrk-$i" -H "X-Api-Key: $Admin__ApiKey" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Product $i\",\"category\":\"bench\",\"price\":1.50}"
done

# issue_and_add NAME SECONDS: wrk issues carts, then adds one line to each for SECONDS.
issue_and_add() {
  wrk -t1 -c16 -d3s -s bench/wrk/issue-carts.lua "$api" -- "$work/$1" >/dev/null
  wrk -t1 -c16 -d"$2" -s bench/wrk/cart-add.lua "$api" -- "$work/$1.1" 1 wrk 100 | tail -n 1
}

say "warm-up: the paths' first use, so that the first dump holds what is made once"
issue_and_add warm 3s
sleep 2
"$gcdump" collect -p "$silo_pid" -o "$work/before.gcdump" >/dev/null 2>&1
say "first adds to new carts for ${ADDS:-10s}"
issue_and_add carts "${ADDS:-10s}"
sleep 2
"$gcdump" collect -p "$silo_pid" -o "$work/after.gcdump" >/dev/null 2>&1
"$gcdump" report "$work/before.gcdump" >"$work/before.txt"
"$gcdump" report "$work/after.gcdump" >"$work/after.txt"

python3 - "$work/before.txt" "$work/after.txt" >"$report" <<'EOF'
import collections, re, sys

def load(path):
    """Bytes and count per type. A line with a size class ("(Bytes > 1K)") gives its types' total bytes, any other
    line the size of one object."""
    types = collections.defaultdict(lambda: [0, 0])
    for line in open(path):
        match = re.match(r'\s*([\d,]+)\s+([\d,]+)\s+(.*?)\s+(\(Bytes > [^)]*\)\s+)?\[', line)
        if match:
            size, count = (int(match.group(i).replace(',', '')) for i in (1, 2))
            types[match.group(3)][0] += size if match.group(4) else size * count
            types[match.group(3)][1] += count
    return types

before, after = load(sys.argv[1]), load(sys.argv[2])
carts = after['Doorbuster.Carts.CartGrain'][1] - before['Doorbuster.Carts.CartGrain'][1]
rows = sorted(((after[t][0] - before[t][0], after[t][1] - before[t][1], t) for t in set(before) | set(after)), reverse=True)
print(f"# What a new cart's activation holds on the silo's heap\n")
print(f"{carts:,} new carts (CartGrain objects) between two heap dumps of the silo (bench/activation-objects.sh).")
print(f"Per new cart: **{sum(r[0] for r in rows) / carts:,.0f} bytes in {sum(r[1] for r in rows) / carts:.1f} objects**.\n")
print("| bytes per cart | objects per cart | type |\n| ---: | ---: | --- |")
for size, count, name in rows:
    if size / carts >= 1:
        print(f"| {size / carts:,.1f} | {count / carts:.2f} | `{name[:160]}` |")
EOF
cat "$report"
