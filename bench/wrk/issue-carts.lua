-- wrk script: issues carts (POST /api/carts) and writes their ids, one per line, to PREFIX.<thread> (each wrk
-- thread its own file, so lines never interleave). Used to prepare empty carts for bench/wrk/cart-add.lua.
-- Usage: wrk -t2 -c64 -d5s -s bench/wrk/issue-carts.lua http://127.0.0.1:8080 -- /tmp/carts
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")

setup = common.number

function init(args)
  out = assert(io.open(args[1] .. "." .. id, "w"))
  n = 0
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/carts", {
    ["Content-Length"] = "0",
    -- 1,000 shoppers, as bench/LoadGen --clients 1000 sends them.
    ["X-Forwarded-For"] = common.client((n * 7 + id) % 1000),
  })
end

function response(status, headers, body)
  local cart = status == 201 and string.match(body, '"cartId":"([^"]+)"')
  if cart then
    out:write(cart, "\n")
  end
end

function done(summary, latency, requests)
  common.summary("issued", summary, latency)
end
