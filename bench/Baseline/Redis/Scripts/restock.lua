-- Adds units to the available stock of a sku. With an idempotency record, a repeat is counted once and
-- answers what the first one answered; the record lives for ARGV[2] seconds.
-- KEYS[1] product hash, KEYS[2] stock hash, KEYS[3] idempotency record (optional)
-- ARGV[1] quantity, ARGV[2] record TTL in seconds
-- Returns {available, reserved, sold}, or nil for an unknown sku.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
if KEYS[3] then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then
    local available, reserved, sold = string.match(earlier, '^(%d+):(%d+):(%d+)$')
    return {tonumber(available), tonumber(reserved), tonumber(sold)}
  end
end
local available = redis.call('HINCRBY', KEYS[2], 'available', ARGV[1])
local stock = redis.call('HMGET', KEYS[2], 'reserved', 'sold')
local reserved, sold = tonumber(stock[1] or '0'), tonumber(stock[2] or '0')
if KEYS[3] then
  redis.call('SET', KEYS[3], available .. ':' .. reserved .. ':' .. sold, 'EX', ARGV[2])
end
return {available, reserved, sold}
