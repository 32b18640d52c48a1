-- The one state change of an order. Whatever is asked, an unpaid order past its expiresAt first becomes
-- Expired; then 'pay' sells the reserved units (PendingPayment -> Paid), 'cancel' returns them
-- (PendingPayment -> Cancelled) and 'expire' does nothing more. Repeating a done action is a no-op.
-- A settled order leaves the expiry index and is kept for the retention period.
-- KEYS[1] order hash, KEYS[2] expiry index
-- ARGV[1] action: pay, cancel or expire; ARGV[2] now (unix ms); ARGV[3] retention (ms); ARGV[4] order id;
-- ARGV[5] key prefix of stock hashes
-- Returns {outcome, order fields}, outcome ok or conflict (the order cannot do that), or nil if unknown.
local order = KEYS[1]
local status = redis.call('HGET', order, 'status')
if not status then
  -- Unknown (or forgotten): make sure the sweeper does not meet it again.
  redis.call('ZREM', KEYS[2], ARGV[4])
  return false
end

local function settle(to, units_go_to)
  for _, line in ipairs(cjson.decode(redis.call('HGET', order, 'lines'))) do
    local stock = ARGV[5] .. line[1]
    redis.call('HINCRBY', stock, 'reserved', -line[4])
    redis.call('HINCRBY', stock, units_go_to, line[4])
  end
  status = to
  redis.call('HSET', order, 'status', to, 'settledAt', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', order, ARGV[3])
end

if status == 'PendingPayment' and tonumber(ARGV[2]) >= tonumber(redis.call('HGET', order, 'expiresAt')) then
  settle('Expired', 'available')
end

local outcome, action = 'ok', ARGV[1]
if action == 'pay' then
  if status == 'PendingPayment' then
    settle('Paid', 'sold')
  elseif status ~= 'Paid' then
    outcome = 'conflict'
  end
elseif action == 'cancel' then
  if status == 'PendingPayment' then
    settle('Cancelled', 'available')
  elseif status ~= 'Cancelled' then
    outcome = 'conflict'
  end
end
return {outcome, redis.call('HGETALL', order)}
