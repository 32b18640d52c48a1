-- wrk: the URL's request (METHOD, default GET), each from a synthetic client of its own (X-Forwarded-For from
-- 198.18.0.0/15, which an Api trusts from loopback), so per-client rate buckets and ticket limits see many
-- shoppers instead of one address. Non-2xx answers are counted and printed at the end.
-- CLIENTS=N cycles through N addresses instead (each client then sends many requests, as shoppers do).
-- Usage: METHOD=POST wrk -s bench/wrk/many-clients.lua http://127.0.0.1:PORT/api/sales/SALE/tickets
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")
local method = os.getenv("METHOD") or "GET"
local clients = tonumber(os.getenv("CLIENTS") or "0")

setup = common.number

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
  local headers = { ["X-Forwarded-For"] = common.client(k) }
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
  local total = common.total("refused")
  io.write(string.format("Non-2xx answers: %d\n", total))
  common.summary("requests", summary, latency, ", non-2xx " .. total)
end
