-- cancel.lua: cancels one job [R17, R18, R19].
--
-- A waiting job becomes cancelled at once; its id stays in its ready list and reserve
-- drops it (O(1) instead of an O(n) LREM), counted as stale meanwhile (stale-ids.lua).
-- A delayed job leaves the delayed set. An active job gets the cancel-requested flag,
-- and its id is published so that the worker holding it aborts.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] unique id, [4] cancel channel,
--       [5] full job id (the message published).
-- Returns: 'cancelled', 'signalled', 'finished' or 'not-found'.

--!include queue.lua
--!include stale-ids.lua

housekeep(500)
local id = ARGV[3]
local key = K_JOB .. id
local corrupt = corrupt_job_key(key)
if corrupt then return corrupt end
unpack_job(id, key, packed_lease(id))
settle_lease(id, key)
local f = redis.call('HMGET', key, 's', 'f')
local state = f[1]
local answer = 'finished'
if not state or expired(state, f[2]) then
  answer = 'not-found'
elseif state == 'w' then
  finish(id, key, 'n')
  add_stale()
  answer = 'cancelled'
elseif state == 'd' then
  redis.call('ZREM', K_DELAYED, id)
  redis.call('HDEL', key, 'u')
  finish(id, key, 'n')
  answer = 'cancelled'
elseif state == 'a' then
  redis.call('HSET', key, 'r', '1')
  redis.call('PUBLISH', ARGV[4], ARGV[5])
  answer = 'signalled'
end
flush()
return answer
