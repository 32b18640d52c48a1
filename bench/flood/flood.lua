-- A browse flood from many shoppers: every request reads a product and names its own client in
-- X-Forwarded-For (the Api trusts loopback as a proxy), so per-client buckets do not stop it and
-- admission control has to shed it by class. Counts the statuses it gets.
local counter = 0
local statuses = {}

request = function()
  counter = counter + 1
  local client = "198.19." .. (math.floor(counter / 250) % 250) .. "." .. (counter % 250 + 1)
  return wrk.format("GET", "/api/products/FLOOD-1", { ["X-Forwarded-For"] = client })
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  -- wrk runs one Lua state per thread; statuses here are the last thread's only, so report wrk's totals too.
  io.write(string.format("flood: %d requests, %d non-2xx/3xx, %.0f req/s\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6)))
end
