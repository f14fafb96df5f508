-- renew-slots.lua: extends the slots of some holders of one key (TransportLimits.renewSlots).
--
-- KEYS: [1] slots ZSET `<prefix>:{limit:<key>}:slots` (see acquire-slot.lua)
-- ARGV: [1] lease (ms), [2..] holders
-- Returns: how many slots were extended. An expired slot is not revived: someone else
--          may hold it by now.

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local deadline = now + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
end
return renewed
