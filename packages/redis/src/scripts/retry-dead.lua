-- retry-dead.lua: moves dead jobs back to waiting with attempts reset [R23].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] 'all' or 'ids',
--       [4] batch size (for 'all'), then the unique ids (for 'ids').
-- Returns: { moved, remaining dead } ('all' moves at most one batch per call).

--!include queue.lua
--!include dead-ids.lua

local ids = dead_ids()
local moved = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', K_DEAD, id) == 1 then
    local key = K_JOB .. id
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'n', 0)
      redis.call('HDEL', key, 'f')
      make_waiting(id, key, false)
      moved = moved + 1
    end
  end
end
return { moved, redis.call('ZCARD', K_DEAD) }
