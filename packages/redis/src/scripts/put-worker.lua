-- put-worker.lua: stores or refreshes a worker's record (the worker heartbeat).
--
-- The record gets `heartbeatAt` from Redis TIME and lives until TIME + ttl unless it is
-- refreshed. Records past their deadline are swept here and by list-workers.
--
-- KEYS: [1] records HASH   `<prefix>:{@workers}:records`, worker id -> record JSON
--       [2] expiry ZSET    `<prefix>:{@workers}:expiry`, member worker id, score deadline (ms)
-- ARGV: [1] worker id, [2] record JSON, a non-empty object without heartbeatAt, [3] ttl (ms).
-- Returns: the record's heartbeatAt (ms).

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREM', KEYS[2], unpack(expired))
end
redis.call('HSET', KEYS[1], ARGV[1], '{"heartbeatAt":' .. now .. ',' .. string.sub(ARGV[2], 2))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return now
