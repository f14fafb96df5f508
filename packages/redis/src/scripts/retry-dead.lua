-- retry-dead.lua: moves dead jobs back to waiting with attempts and error reset [R23].
--
-- A workflow's step job (a third element in its `y`) stays dead and is counted apart: its
-- workflow recorded the step's failure, so it would be acknowledged unrun; the workflow's
-- retry runs the step again with a new job.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] 'all' or 'ids',
--       [4] batch size (for 'all'), then the unique ids (for 'ids'); for 'all', [5] the
--       offset into the dead set (the step jobs left dead by the calls before).
-- Returns: { moved, remaining dead, step jobs left dead, ids looked at } ('all' looks at
--          one batch per call).

--!include queue.lua
--!include dead-ids.lua

-- Whether the job's `y` names a workflow step (see src/wire/job-hash.ts, encodeExtras).
local function is_step_job(key)
  local y = redis.call('HGET', key, 'y')
  if not y or y == '' then return false end
  local ok, extras = pcall(cjson.decode, y)
  return ok and type(extras) == 'table' and type(extras[3]) == 'table'
end

local ids = dead_ids()
local moved, steps = 0, 0
for _, id in ipairs(ids) do
  local key = K_JOB .. id
  if redis.call('ZSCORE', K_DEAD, id) then
    if is_step_job(key) then
      steps = steps + 1
    else
      redis.call('ZREM', K_DEAD, id)
      if redis.call('EXISTS', key) == 1 then
        redis.call('HSET', key, 'n', 0)
        -- The error goes with the attempts (the history `h` keeps it): a retried job that then
        -- completed read as carrying an error.
        redis.call('HDEL', key, 'f', 'e')
        make_waiting(id, key, false)
        moved = moved + 1
      end
    end
  end
end
return { moved, redis.call('ZCARD', K_DEAD), steps, #ids }
