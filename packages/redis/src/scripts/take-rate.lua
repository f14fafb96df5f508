-- take-rate.lua: takes one permit of a sliding-window rate limit (TransportLimits.takeRate).
--
-- KEYS: [1] permits ZSET `<prefix>:{limit:<key>}:rate`: member a permit id, score the
--       time it was taken (ms, Redis TIME)
-- ARGV: [1] limit (permits per window), [2] window (ms), [3] permit id (unique per call)
-- Returns: { 1, 0 } granted, or { 0, ms until the oldest counted permit leaves the window }

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

-- A permit counts while now < taken + window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local taken = redis.call('ZCARD', KEYS[1])
if taken < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  return { 1, 0 }
end
-- One more is free once the (taken - limit + 1)-th oldest leaves the window.
local oldest = redis.call('ZRANGE', KEYS[1], taken - limit, taken - limit, 'WITHSCORES')
return { 0, math.max(1, math.ceil(tonumber(oldest[2]) + window - now)) }
