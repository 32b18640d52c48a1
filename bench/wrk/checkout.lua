-- wrk script: checks out prepared one-line carts, each once, with a fresh Idempotency-Key.
-- The carts come from a file of cart ids, one per line (bench/LoadGen checkout --pool N --carts-file FILE);
-- each wrk thread takes its own share. Prepare more carts than the run can use: once a thread's share is used
-- up it checks out its last cart again under new keys, which the summary counts as 400s (an empty cart).
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/checkout.lua http://127.0.0.1:8080 -- carts.txt 2
--        (the last argument is the number of threads, -t)
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")

setup = common.number

function init(args)
  carts, next_cart, key = common.share(args[1], id, tonumber(args[2] or "1")), 1, 0
end

function request()
  local cart = carts[math.min(next_cart, #carts)]
  next_cart = next_cart + 1
  key = key + 1
  return wrk.format("POST", "/api/carts/" .. cart .. "/checkout", {
    ["Idempotency-Key"] = "wrk-" .. id .. "-" .. key,
    ["Content-Length"] = "0",
    -- 1,000 shoppers, as bench/LoadGen --clients 1000 sends them.
    ["X-Forwarded-For"] = common.client((key * 7 + id) % 1000),
  })
end

function done(summary, latency, requests)
  common.summary("checkouts", summary, latency)
end
