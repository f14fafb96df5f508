-- stale-ids.lua: the count of ids in a queue's ready lists whose job left `waiting` without
-- leaving its list (inlined where a script says `--!include stale-ids.lua`, after
-- queue.lua, whose K_JOB it uses). cancel.lua leaves a cancelled waiting job's id in place
-- (an LREM is O(n)) and adds one; reserve and purge take one off for each such id they
-- drop; queue-counts.lua leaves them out of `waiting` [A2]. An id dropped for another
-- reason (one pushed twice behind the transport's back) may take the count below the
-- truth, never below zero: `waiting` then counts that cancelled id until a reserve drops it.
--
-- Key: `<prefix>:{q}:stale`, a STRING counter next to the queue's keys and in their slot,
-- derived from the job key prefix `<prefix>:{q}:j:` as K_PAUSED is.

local K_STALE = string.sub(K_JOB, 1, -3) .. 'stale'

-- Takes `n` dropped ids off the count; deletes the key at zero. pcall: a key someone else
-- overwrote (not an integer, not a string) must not fail the reserve that pops the ids; it
-- is deleted, and the count starts again from zero.
local function drop_stale(n)
  if n <= 0 then return end
  local left = redis.pcall('DECRBY', K_STALE, n)
  if type(left) ~= 'number' or left <= 0 then redis.call('DEL', K_STALE) end
end

-- Counts one more: a job cancelled while waiting, its id left in its ready list.
local function add_stale()
  if type(redis.pcall('INCR', K_STALE)) ~= 'number' then
    redis.call('DEL', K_STALE)
    redis.call('INCR', K_STALE)
  end
end

-- How many ids in the ready lists are stale, at most `listed` (the lists' length); an
-- unreadable count reads as none.
local function stale_count(listed)
  local stored = redis.pcall('GET', K_STALE)
  return math.min(type(stored) == 'string' and tonumber(stored) or 0, listed)
end
