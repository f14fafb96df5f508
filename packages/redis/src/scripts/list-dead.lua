-- list-dead.lua: a page of a queue's dead jobs, oldest first [R22]. Read-only.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] offset, [4] limit (-1: all).
-- Returns: { total, then per job: unique id, { HGETALL fields } }

--!include queue.lua

local offset = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local stop = -1
if limit >= 0 then stop = offset + limit - 1 end
local out = { redis.call('ZCARD', K_DEAD) }
if limit ~= 0 then
  for _, id in ipairs(redis.call('ZRANGE', K_DEAD, offset, stop)) do
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGETALL', K_JOB .. id)
  end
end
return out
