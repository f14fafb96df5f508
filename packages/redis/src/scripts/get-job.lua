-- get-job.lua: reads one job's hash, bringing its queue up to date first [R11, R20, R21].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] unique id,
--       [4] '1' to add the id to the watched set while it is not final (waitFor).
-- Returns: { now, field, value, ... } (HGETALL of the job; just { now } when unknown or
--          past its expiry).

--!include queue.lua

housekeep(500)
local id = ARGV[3]
local key = K_JOB .. id
local corrupt = corrupt_job_key(key)
if corrupt then return corrupt end
settle_lease(id, key)
flush()
local fields = redis.call('HGETALL', key)
if #fields == 0 then fields = packed_fields(id, packed_lease(id)) or fields end
local state, finished
for n = 1, #fields, 2 do
  if fields[n] == 's' then state = fields[n + 1] elseif fields[n] == 'f' then finished = fields[n + 1] end
end
if expired(state, finished) then
  fields = {}
elseif ARGV[4] == '1' and (state == 'w' or state == 'd' or state == 'a') then
  redis.call('SADD', K_WATCHED, id)
end
table.insert(fields, 1, now)
return fields
