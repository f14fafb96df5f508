-- purge-dead.lua: deletes dead jobs and their records [R24].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] 'all' or 'ids',
--       [4] batch size (for 'all'), then the unique ids (for 'ids').
-- Returns: { purged, remaining dead } ('all' purges at most one batch per call).

--!include queue.lua
--!include dead-ids.lua

local ids = dead_ids()
local purged = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', K_DEAD, id) == 1 then
    redis.call('DEL', K_JOB .. id)
    redis.call('SREM', K_WATCHED, id)
    purged = purged + 1
  end
end
return { purged, redis.call('ZCARD', K_DEAD) }
