-- wrk script: issues carts (POST /api/carts) and writes their ids, one per line, to PREFIX.<thread> (each wrk
-- thread its own file, so lines never interleave). Used to prepare empty carts for bench/wrk/cart-add.lua.
-- Usage: wrk -t2 -c64 -d5s -s bench/wrk/issue-carts.lua http://127.0.0.1:8080 -- /tmp/carts
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  out = assert(io.open(args[1] .. "." .. id, "w"))
  n = 0
end

function request()
  n = n + 1
  -- 1,000 shoppers behind the trusted loopback proxy, as bench/LoadGen --clients 1000 sends them.
  local client = (n * 7 + id) % 1000
  return wrk.format("POST", "/api/carts", {
    ["Content-Length"] = "0",
    ["X-Forwarded-For"] = "198.18." .. math.floor(client / 250) .. "." .. (client % 250 + 1),
  })
end

function response(status, headers, body)
  local cart = status == 201 and string.match(body, '"cartId":"([^"]+)"')
  if cart then
    out:write(cart, "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("issued: %d requests, errors: status %d, timeout %d\n",
    summary.requests, summary.errors.status, summary.errors.timeout))
end
