-- What the wrk scripts of this folder share: their threads' numbers, a thread's share of a file of ids, the
-- synthetic shoppers' addresses and the summary line that bench/run-comparison.sh reads. A script loads it with
--   local common = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "common.lua")
-- (wrk runs a script once for setup() and done() and once more in each thread, so each gets its own copy.)
local common = { threads = {} }

-- For setup(thread): numbers the threads 1, 2, ... (the global `id` in each thread) and keeps them for done().
function common.number(thread)
  table.insert(common.threads, thread)
  thread:set("id", #common.threads)
end

-- The lines of FILE that are thread ID's share when COUNT threads split it: every COUNT-th, from the ID-th.
function common.share(file, id, count)
  local all, mine = {}, {}
  for line in io.lines(file) do all[#all + 1] = line end
  for i = id, #all, count do mine[#mine + 1] = all[i] end
  return mine
end

-- The X-Forwarded-For of synthetic client K: an address of 198.18.0.0/15 (131,072 of them), which an Api trusts
-- from loopback, so per-client rate buckets see many shoppers instead of one address.
function common.client(k)
  return string.format("198.%d.%d.%d", 18 + math.floor(k / 65536) % 2, math.floor(k / 256) % 256, k % 256)
end

-- For done(): the sum over every thread of the global NAME that each thread counted.
function common.total(name)
  local total = 0
  for _, thread in ipairs(common.threads) do total = total + thread:get(name) end
  return total
end

-- For done(): "WHAT: N requests, R/s, p50 .. ms, p99 .. ms, errors: status N, timeout N" and MORE, if given.
function common.summary(what, summary, latency, more)
  io.write(string.format("%s: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, errors: status %d, timeout %d%s\n",
    what, summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout, more or ""))
end

return common
