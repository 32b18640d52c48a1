#!/usr/bin/env bash
# Runs the fault soak (FaultSoakProcessTests: a durable store, 3 silos, 2 Apis under steady shoppers while a silo is
# killed, every silo is restarted with SIGTERM and the store is killed and restarted) RUNS times in a row on each
# store, and reports how many passed. Stops by itself; every process a run starts is stopped by the test.
# A failing run keeps its message and every process's whole output under bench/results/soak-<date>/.
#
# Usage: bench/soak-loop.sh
# Env: RUNS [20]  STORES ["garnet redis-server"]  SKIP_BUILD [0]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
stores=${STORES:-garnet redis-server}
out=bench/results/soak-$(date -u +%Y-%m-%d-%H%M%S)
mkdir -p "$out"
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  dotnet build tests/Doorbuster.Tests -c Release --nologo -v quiet || exit 1
fi

summary=()
for store in $stores; do
  passed=0
  for ((run = 1; run <= runs; run++)); do
    logs="$out/$store-$run"
    started=$SECONDS
    if DOORBUSTER_TEST_STORE=$store DOORBUSTER_TEST_LOGS="$PWD/$logs" dotnet test tests/Doorbuster.Tests -c Release --no-build \
        --filter "FullyQualifiedName~FaultSoakProcessTests" --logger "console;verbosity=normal" >"$logs.txt" 2>&1; then
      passed=$((passed + 1))
      rm -rf "$logs" "$logs.txt"
      echo "$store run $run: passed in $((SECONDS - started)) s"
    else
      echo "$store run $run: FAILED in $((SECONDS - started)) s (output: $logs.txt, process logs: $logs/)"
      grep -m 3 -E "Error Message|SOAK|violat" -A 2 "$logs.txt" | cut -c1-400
    fi
  done
  summary+=("$store: $passed of $runs passed")
done

printf '%s\n' "${summary[@]}" | tee "$out/summary.txt"
