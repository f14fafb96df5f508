-- remove-worker.lua: removes a worker's record at once (clean shutdown).
--
-- KEYS: [1] records HASH, [2] expiry ZSET (see put-worker.lua).
-- ARGV: [1] worker id.
-- Returns: 1 when a record was removed, else 0.

redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
