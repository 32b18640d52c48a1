# Shell helpers the bench scripts share for the servers they start on loopback. Sourced, not run:
#   source "$(dirname "$0")/lib/servers.sh"

# The servers run as their containers do (src/*/Dockerfile): tier-1 code without the runtime's tiering delay, which on
# a process pinned to one core held a server at a third of its speed for 25-40 s of load (docs/performance.md).
export DOTNET_TC_CallCountingDelayMs=0

# say TEXT...: a heading in the script's output.
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

# wait_ready PORT PID LOG: waits up to 90 s for /health/ready on PORT to answer 200 while process PID lives;
# otherwise shows the end of LOG and exits.
wait_ready() {
  local port=$1 pid=$2 log=$3 i
  for ((i = 0; i < 900; i++)); do
    if http_ok "$port" /health/ready; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "The server for 127.0.0.1:$port exited before it was ready; its log ($log):" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "The server for 127.0.0.1:$port was not ready after 90 s; its log ($log):" >&2
  tail -n 40 "$log" >&2
  exit 1
}

# start_redis_and_silo LOGDIR REDIS_PORT SILO_PORT GATEWAY_PORT SILO_HTTP_PORT [PIN...]: a throwaway redis-server and one
# silo on loopback, both run under PIN (e.g. taskset -c 0), their pids added to the caller's `pids`; waits until the silo
# is ready and exports what an Api started next needs to join them (ConnectionStrings__Redis, the cluster and service id).
# The silo is SILO_DLL [the Release build] with SILO_ENV [-] ("NAME=value ...") added to its environment only.
start_redis_and_silo() {
  local logs=$1 redis_port=$2 silo_port=$3 gateway_port=$4 silo_http_port=$5 i
  shift 5
  "$@" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$logs/redis.log" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 100; i++)); do is_listening "$redis_port" && break; sleep 0.1; done
  export ConnectionStrings__Redis=127.0.0.1:$redis_port Orleans__ClusterId="bench$$" Orleans__ServiceId="bench$$"
  # shellcheck disable=SC2086 # SILO_ENV is a list of assignments, split on purpose.
  env ${SILO_ENV:-} Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port Orleans__AdvertisedIPAddress=127.0.0.1 \
    "$@" dotnet "${SILO_DLL:-src/Silo/bin/Release/net10.0/Doorbuster.Silo.dll}" --urls "http://127.0.0.1:$silo_http_port" >"$logs/silo.log" 2>&1 &
  pids+=($!)
  wait_ready "$silo_http_port" $! "$logs/silo.log"
}
