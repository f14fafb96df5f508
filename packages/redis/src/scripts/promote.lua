-- promote.lua: runs delayed jobs now [A14].
--
-- Each delayed job named (or, for 'all', the queue's batch due first) leaves the delayed set
-- and becomes waiting at the tail of its priority's ready list, in the order the jobs were
-- due; make_waiting wakes a blocked reserve. An id that is not in the delayed set is left as
-- it is. A set member whose job is no longer delayed goes, as housekeep() drops it. A job past
-- its expiresAt (`x`) becomes expired instead, uncounted [R9].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] 'all' or 'ids', [4] batch size (for
--       'all'), then the unique ids (for 'ids').
-- Returns: { moved, delayed jobs left, set members looked at }.

--!include queue.lua

housekeep(500)

-- The members to move, due first (ties in the set's own order: by id).
local function members()
  if ARGV[3] == 'all' then
    return redis.call('ZRANGE', K_DELAYED, 0, tonumber(ARGV[4]) - 1)
  end
  local found = {}
  for i = 5, #ARGV do
    local due = redis.call('ZSCORE', K_DELAYED, ARGV[i])
    if due then found[#found + 1] = { id = ARGV[i], due = tonumber(due) } end
  end
  table.sort(found, function(a, b)
    if a.due ~= b.due then return a.due < b.due end
    return a.id < b.id
  end)
  local ids, seen = {}, {}
  for _, entry in ipairs(found) do
    if not seen[entry.id] then
      seen[entry.id] = true
      ids[#ids + 1] = entry.id
    end
  end
  return ids
end

local ids = members()
local moved = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', K_DELAYED, id)
  local key = K_JOB .. id
  local f = redis.pcall('HMGET', key, 's', 'x')
  if f.err then
    unreadable(key, f.err)
  elseif f[1] == 'd' then
    local expires = f[2] and tonumber(f[2])
    if expires and expires <= now then
      redis.call('HDEL', key, 'u')
      finish(id, key, 'e')
    else
      make_waiting(id, key, false)
      moved = moved + 1
    end
  end
end
flush()
return { moved, redis.call('ZCARD', K_DELAYED), #ids }
