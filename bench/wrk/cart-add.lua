-- wrk script: adds one line to each of a file of new, empty carts (bench/wrk/issue-carts.lua), each cart once: the
-- "first add to a cart just issued" that every shopper's first click is. The sku is one of SKUS products
-- PREFIX-1..PREFIX-SKUS, seeded beforehand. Each wrk thread takes its own share of the carts; prepare more than
-- the run can use (once a thread's share is used up it adds to its last cart again, which a summary line says).
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk/cart-add.lua http://127.0.0.1:8080 -- carts.txt 2 PREFIX SKUS
--        (the second argument is the number of threads, -t)
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do all[#all + 1] = line end
  local mine, n = {}, tonumber(args[2] or "1")
  for i = id, #all, n do mine[#mine + 1] = all[i] end
  carts, next_cart, reused = mine, 1, 0
  prefix, skus = args[3] or "wrk", tonumber(args[4] or "100")
end

function request()
  local k = next_cart
  if k > #carts then
    k, reused = #carts, reused + 1
  end
  next_cart = next_cart + 1
  local client = (k * 7 + id) % 1000
  local body = string.format('{"sku":"%s-%d","quantity":1}', prefix, k % skus + 1)
  return wrk.format("POST", "/api/carts/" .. carts[k] .. "/items", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = "198.18." .. math.floor(client / 250) .. "." .. (client % 250 + 1),
  }, body)
end

function done(summary, latency, requests)
  local again = 0
  for _, thread in ipairs(threads) do again = again + thread:get("reused") end
  io.write(string.format("cart adds: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, errors: status %d, timeout %d, carts reused %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout, again))
end
