-- wrk script: product pages by Zipf popularity (exponent 1.0, as bench/LoadGen browse) over a seeded catalog of
-- COUNT skus named PREFIX-00001.. (LoadGen's names: the number padded to at least 5 digits), each request from one
-- of CLIENTS [10000] client addresses behind the trusted loopback proxy (at 60,000 reads a second, 1,000 clients
-- would each outrun the Api's per-client rate of 50 a second). Non-2xx answers are counted in wrk's summary.
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/zipf-read.lua http://127.0.0.1:8080 -- PREFIX COUNT
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")
local clients = tonumber(os.getenv("CLIENTS") or "10000")

setup = common.number

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
  return wrk.format("GET", string.format("/api/products/%s-%0" .. width .. "d", prefix, lo), {
    ["X-Forwarded-For"] = common.client((n * 7 + id) % clients),
  })
end

function done(summary, latency, requests)
  common.summary("reads", summary, latency)
end
