-- acquire-slot.lua: takes (or renews) one of `cap` concurrency slots (TransportLimits.acquireSlot).
--
-- KEYS: [1] slots ZSET `<prefix>:{limit:<key>}:slots`: member a holder (lease token),
--       score its slot's deadline (ms, Redis TIME)
-- ARGV: [1] cap, [2] holder, [3] lease (ms), [4] longest retry hint (ms)
-- Returns: { 1, 0 } granted, or { 0, ms to wait before asking again }

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

-- A slot is held while now < deadline; a crashed holder's slot frees itself here.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
  return { 1, 0 }
end
-- Slots usually free early (a job ends and releases it), which nobody announces: ask
-- again at the soonest deadline, or after the longest hint if that comes first.
local soonest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = math.min(tonumber(soonest[2]) - now, tonumber(ARGV[4]))
return { 0, math.max(1, math.ceil(wait)) }
