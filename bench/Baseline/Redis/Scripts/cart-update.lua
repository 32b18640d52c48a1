-- Changes one line of a cart within the cart's limits and answers the cart as it is afterwards.
-- A cart hash holds one field per line (sku -> quantity) and ':updated' (unix ms of the last change);
-- skus never start with ':', so the two cannot collide.
-- KEYS[1] cart hash, KEYS[2] product hash of the sku
-- ARGV[1] sku, ARGV[2] quantity, ARGV[3] mode: 'add' (adds to the line), 'set' (0 removes) or 'remove',
-- ARGV[4] max units per line, ARGV[5] max lines, ARGV[6] now (unix ms), ARGV[7] cart TTL in seconds,
-- ARGV[8] key prefix of product hashes
-- Returns {outcome, cart fields}: outcome is ok, line-limit, cart-full or currency-mismatch (nothing
-- changed), or {'unknown-sku'}.
local cart, sku, mode = KEYS[1], ARGV[1], ARGV[3]
local currency
if mode ~= 'remove' then
  currency = redis.call('HGET', KEYS[2], 'currency')
  if not currency then
    return {'unknown-sku'}
  end
end

local function answer(outcome)
  return {outcome, redis.call('HGETALL', cart)}
end

local current = tonumber(redis.call('HGET', cart, sku) or '0')
local target = tonumber(ARGV[2])
if mode == 'add' then
  target = current + target
end
if target > tonumber(ARGV[4]) then
  return answer('line-limit')
end

if target > 0 then
  if current == 0 then
    local lines = redis.call('HLEN', cart) - redis.call('HEXISTS', cart, ':updated')
    if lines >= tonumber(ARGV[5]) then
      return answer('cart-full')
    end
  end
  -- A cart has one currency: the product must share it with the other lines.
  for _, field in ipairs(redis.call('HKEYS', cart)) do
    if field ~= sku and string.sub(field, 1, 1) ~= ':' then
      local other = redis.call('HGET', ARGV[8] .. field, 'currency')
      if other then
        if other ~= currency then
          return answer('currency-mismatch')
        end
        break
      end
    end
  end
  redis.call('HSET', cart, sku, target, ':updated', ARGV[6])
elseif current > 0 then
  redis.call('HDEL', cart, sku)
  redis.call('HSET', cart, ':updated', ARGV[6])
else
  return answer('ok')
end
redis.call('EXPIRE', cart, ARGV[7])
return answer('ok')
