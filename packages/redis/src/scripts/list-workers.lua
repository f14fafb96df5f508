-- list-workers.lua: the records of live workers, after sweeping expired ones.
--
-- KEYS: [1] records HASH, [2] expiry ZSET (see put-worker.lua).
-- ARGV: none.
-- Returns: { record JSON, ... } in no particular order.

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for first = 1, #expired, 1000 do
  local batch = { unpack(expired, first, math.min(first + 999, #expired)) }
  redis.call('HDEL', KEYS[1], unpack(batch))
  redis.call('ZREM', KEYS[2], unpack(batch))
end
return redis.call('HVALS', KEYS[1])
