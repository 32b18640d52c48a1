-- wrk script: product pages by Zipf popularity (exponent 1.0, as bench/LoadGen browse) over a seeded catalog of
-- COUNT skus named PREFIX-00001.. (LoadGen's names: the number padded to at least 5 digits), each request from one
-- of CLIENTS [10000] client addresses behind the trusted loopback proxy (at 60,000 reads a second, 1,000 clients
-- would each outrun the Api's per-client rate of 50 a second). Non-2xx answers are counted in wrk's summary.
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/zipf-read.lua http://127.0.0.1:8080 -- PREFIX COUNT
local threads = {}
local clients = tonumber(os.getenv("CLIENTS") or "10000")

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  prefix, count = args[1] or "wrk", tonumber(args[2] or "10000")
  width = math.max(5, #tostring(count))
  -- The cumulative popularity of ranks 1..count; a request draws a rank by binary search over it.
  cdf, total = {}, 0
  for rank = 1, count do
    total = total + 1 / rank
    cdf[rank] = total
  end
  math.randomseed(os.time() + id * 7919)
  n = 0
end

function request()
  local x, lo, hi = math.random() * total, 1, count
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < x then lo = mid + 1 else hi = mid end
  end
  n = n + 1
  local client = (n * 7 + id) % clients
  return wrk.format("GET", string.format("/api/products/%s-%0" .. width .. "d", prefix, lo), {
    ["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(client / 65536) % 2, math.floor(client / 256) % 256, client % 256),
  })
end

function done(summary, latency, requests)
  io.write(string.format("reads: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, errors: status %d, timeout %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout))
end
