-- Creates or updates a product: its hash, its version and its place in the category indexes, in one step.
-- KEYS[1] product hash, KEYS[2] index of all skus, KEYS[3] index of the product's (new) category
-- ARGV[1] sku, ARGV[2] name, ARGV[3] description, ARGV[4] category, ARGV[5] price, ARGV[6] currency,
-- ARGV[7] key prefix of category indexes (to leave the previous category)
-- Returns the new version.
local previous = redis.call('HGET', KEYS[1], 'category')
if previous and previous ~= ARGV[4] then
  redis.call('ZREM', ARGV[7] .. previous, ARGV[1])
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'sku', ARGV[1], 'name', ARGV[2], 'description', ARGV[3],
  'category', ARGV[4], 'price', ARGV[5], 'currency', ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return version
