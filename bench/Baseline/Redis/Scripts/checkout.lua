-- Checkout, all or nothing: reserves every line of the cart and creates the order awaiting payment, or
-- changes nothing. The order id is derived from the cart and the idempotency key, so an existing order
-- hash means this checkout already happened: it is answered again and nothing more is reserved.
-- KEYS[1] cart hash, KEYS[2] order hash, KEYS[3] expiry index (order id scored by expiresAt)
-- ARGV[1] order id, ARGV[2] cart id, ARGV[3] now (unix ms), ARGV[4] expiresAt (unix ms),
-- ARGV[5] key prefix of product hashes, ARGV[6] key prefix of stock hashes
-- Returns {'created' | 'existing', order fields}, {'empty'} or {'short', shortages as JSON}.
-- Product and stock keys are derived from the cart's lines, so this script needs a single Redis primary.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'existing', redis.call('HGETALL', KEYS[2])}
end

local products, stocks = ARGV[5], ARGV[6]
local cart = redis.call('HGETALL', KEYS[1])
local lines, shortages = {}, {}
for i = 1, #cart, 2 do
  local sku = cart[i]
  if string.sub(sku, 1, 1) ~= ':' then
    local quantity = tonumber(cart[i + 1])
    local product = redis.call('HMGET', products .. sku, 'name', 'price', 'currency')
    local available = tonumber(redis.call('HGET', stocks .. sku, 'available') or '0')
    if not product[1] then
      available = 0
    end
    if available < quantity then
      shortages[#shortages + 1] = {sku = sku, requested = quantity, available = available}
    end
    lines[#lines + 1] = {sku, product[1], product[2], quantity, product[3]}
  end
end

if #lines == 0 then
  return {'empty'}
end
if #shortages > 0 then
  return {'short', cjson.encode(shortages)}
end

local stored = {}
for i, line in ipairs(lines) do
  local stock = stocks .. line[1]
  redis.call('HINCRBY', stock, 'available', -line[4])
  redis.call('HINCRBY', stock, 'reserved', line[4])
  stored[i] = {line[1], line[2], line[3], line[4]}
end
redis.call('HSET', KEYS[2], 'cartId', ARGV[2], 'status', 'PendingPayment', 'currency', lines[1][5],
  'createdAt', ARGV[3], 'expiresAt', ARGV[4], 'lines', cjson.encode(stored))
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('DEL', KEYS[1])
return {'created', redis.call('HGETALL', KEYS[2])}
