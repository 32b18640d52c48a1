-- wrk script: checks out prepared one-line carts, each once, with a fresh Idempotency-Key.
-- The carts come from a file of cart ids, one per line (bench/LoadGen checkout --pool N --carts-file FILE);
-- each wrk thread takes its own share. Prepare more carts than the run can use: once a thread's share is used
-- up it checks out its last cart again under new keys, which the summary counts as 400s (an empty cart).
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/checkout.lua http://127.0.0.1:8080 -- carts.txt 2
--        (the last argument is the number of threads, -t)
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do all[#all + 1] = line end
  local mine, n = {}, tonumber(args[2] or "1")
  for i = id, #all, n do mine[#mine + 1] = all[i] end
  carts, next_cart, key = mine, 1, 0
end

function request()
  local cart = carts[math.min(next_cart, #carts)]
  next_cart = next_cart + 1
  key = key + 1
  -- 1,000 shoppers behind the trusted loopback proxy, as bench/LoadGen --clients 1000 sends them.
  local client = (key * 7 + id) % 1000
  return wrk.format("POST", "/api/carts/" .. cart .. "/checkout", {
    ["Idempotency-Key"] = "wrk-" .. id .. "-" .. key,
    ["Content-Length"] = "0",
    ["X-Forwarded-For"] = "198.18." .. math.floor(client / 250) .. "." .. (client % 250 + 1),
  })
end

function done(summary, latency, requests)
  io.write(string.format("checkouts: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, errors: status %d, timeout %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout))
end
