-- sweep.lua: deletes finished jobs that are past their expiry or over the count bound,
-- oldest first, at most ARGV[3] of them. Other scripts delete only about as many as they
-- finish; a transport that reserves from the queue calls this about once a second
-- (src/sweeper.ts), so expired jobs leave Redis even when nothing else touches the queue.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] most jobs this call deletes.
-- Returns: { deleted, 1 when it stopped at ARGV[3] (more may be due: call again), else 0 }

--!include queue.lua

local limit = tonumber(ARGV[3])
local length = -1
if keep_finished > 0 then length = redis.call('LLEN', K_FINISHED) end
local deleted = trim_finished(length, limit, 1)
if deleted >= limit then return { deleted, 1 } end
return { deleted, 0 }
