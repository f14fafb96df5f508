-- queue-counts.lua: how many jobs a queue holds per live state (conveyor status).
--
-- Brings the queue up to date first (due delayed jobs, expired leases), then counts with
-- LLEN and ZCARD only: O(1) per key whatever the queue holds. `waiting` is the length of
-- the ready lists less the ids of jobs cancelled while waiting (stale-ids.lua: cancel
-- leaves them in place to stay O(1)); it still includes jobs past their expiry until a
-- reserve finds them. `finished` is the
-- length of the finished list: kept final jobs but dead, including those past their expiry
-- that no trim has reached yet; 0 without a count bound, where no list is kept.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept.
-- Returns: { waiting, delayed, active, dead, finished, paused (1 or 0) }

--!include queue.lua
--!include stale-ids.lua

housekeep(500)
local waiting = 0
for priority = 0, 9 do
  waiting = waiting + redis.call('LLEN', ready_key(priority))
end
return {
  waiting - stale_count(waiting),
  redis.call('ZCARD', K_DELAYED),
  redis.call('ZCARD', K_LEASES),
  redis.call('ZCARD', K_DEAD),
  redis.call('LLEN', K_FINISHED),
  redis.call('EXISTS', K_PAUSED),
}
