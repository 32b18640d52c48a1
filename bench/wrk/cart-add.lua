-- wrk script: adds one line to each of a file of new, empty carts (bench/wrk/issue-carts.lua), each cart once: the
-- "first add to a cart just issued" that every shopper's first click is. The sku is one of SKUS products
-- PREFIX-1..PREFIX-SKUS, seeded beforehand. Each wrk thread takes its own share of the carts; prepare more than
-- the run can use (once a thread's share is used up it adds to its last cart again, which a summary line says).
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/cart-add.lua http://127.0.0.1:8080 -- carts.txt 2 PREFIX SKUS
--        (the second argument is the number of threads, -t)
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")

setup = common.number

function init(args)
  carts, next_cart, reused = common.share(args[1], id, tonumber(args[2] or "1")), 1, 0
  prefix, skus = args[3] or "wrk", tonumber(args[4] or "100")
end

function request()
  local k = next_cart
  if k > #carts then
    k, reused = #carts, reused + 1
  end
  next_cart = next_cart + 1
  local body = string.format('{"sku":"%s-%d","quantity":1}', prefix, k % skus + 1)
  return wrk.format("POST", "/api/carts/" .. carts[k] .. "/items", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = common.client((k * 7 + id) % 1000),
  }, body)
end

function done(summary, latency, requests)
  common.summary("cart adds", summary, latency, ", carts reused " .. common.total("reused"))
end
