-- wrk: the URL's request (METHOD, default GET), each from a synthetic client of its own (X-Forwarded-For from
-- 198.18.0.0/15, which an Api trusts from loopback), so per-client rate buckets and ticket limits see many
-- shoppers instead of one address. Non-2xx answers are counted and printed at the end.
-- CLIENTS=N cycles through N addresses instead (each client then sends many requests, as shoppers do).
-- Usage: METHOD=POST wrk -s bench/wrk/many-clients.lua http://127.0.0.1:PORT/api/sales/SALE/tickets
local method = os.getenv("METHOD") or "GET"
local clients = tonumber(os.getenv("CLIENTS") or "0")
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  refused = 0
end

function request()
  n = n + 1
  local k = id * 1000003 + n
  if clients > 0 then
    k = k % clients
  end
  local address = string.format("198.%d.%d.%d", 18 + math.floor(k / 65536) % 2, math.floor(k / 256) % 256, k % 256)
  local headers = { ["X-Forwarded-For"] = address }
  if method ~= "GET" then
    headers["Content-Length"] = "0"
  end
  return wrk.format(method, wrk.path, headers)
end

function response(status, headers, body)
  if status >= 300 then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("refused")
  end
  io.write(string.format("Non-2xx answers: %d\n", total))
  io.write(string.format("requests: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, non-2xx %d, timeout %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total, summary.errors.timeout))
end
