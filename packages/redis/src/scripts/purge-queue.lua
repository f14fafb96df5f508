-- purge-queue.lua: deletes up to one batch of a queue's waiting and delayed jobs
-- (conveyor purge). Running and dead jobs stay; the dead-letter set has purge-dead.
--
-- Brings the queue up to date first, so a job whose lease expired counts as waiting and
-- goes too. Ids in the ready lists whose job is no longer waiting (cancelled while
-- queued) are dropped without counting (but for the stale count, stale-ids.lua). Someone waiting on a purged job is told, so
-- that its waitFor resolves (with null: the record is gone).
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] batch size.
-- Returns: { purged, waiting and delayed ids left (call again while > 0) }

--!include queue.lua
--!include stale-ids.lua

housekeep(500)
local budget = tonumber(ARGV[3])
local purged = 0
local dropped = 0

local function purge(id, key, state)
  -- A packed job (queue.lua) is waiting, and its field is all there is of it.
  if state == 'w' and redis.call('HDEL', K_PACKED, id) == 1 then
    -- Deleted.
  elseif redis.call('HGET', key, 's') ~= state then
    if state == 'w' then dropped = dropped + 1 end
    return
  else
    redis.call('DEL', key)
  end
  purged = purged + 1
  if watching() and redis.call('SREM', K_WATCHED, id) == 1 then
    redis.call('PUBLISH', K_WATCHED, id)
  end
end

for priority = 9, 0, -1 do
  while budget > 0 do
    local ids = redis.call('LPOP', ready_key(priority), budget)
    if not ids then break end
    budget = budget - #ids
    for _, id in ipairs(ids) do purge(id, K_JOB .. id, 'w') end
  end
end
if budget > 0 then
  local ids = redis.call('ZRANGE', K_DELAYED, 0, budget - 1)
  if #ids > 0 then
    redis.call('ZREM', K_DELAYED, unpack(ids))
    for _, id in ipairs(ids) do purge(id, K_JOB .. id, 'd') end
  end
end
drop_stale(dropped)

local left = redis.call('ZCARD', K_DELAYED)
for priority = 0, 9 do
  left = left + redis.call('LLEN', ready_key(priority))
end
return { purged, left }
