-- wf-retry.lua: a failed workflow runs again from its failed steps [W12]: failed and
-- cancelled units pending again (those that had a job with their next retry number; an
-- expanded map step's children are all written by the failure, none implicit), from
-- the first stage with a unit not done; its keys no longer expire (nor its idempotency key's
-- claim: ops reports the key, src/workflows.ts commits the claim).
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops, retried 1|0, entries (JSON)}.

--!include wf.lua

if not open() or wf.status ~= 'failed' then return { ops(), 0, {} } end
local all = redis.call('HGETALL', K_STEPS)
local first = wf.stages
for i = 1, #all, 2 do
  local key, v = all[i], all[i + 1]
  local state, job, retries = string.sub(v, 1, 1), string.sub(v, 2, 2), tonumber(string.sub(v, 3))
  local hash = string.find(key, '#', 1, true)
  local step = hash and string.sub(key, 1, hash - 1) or key
  local def = step_def(step)
  if state == 'f' or state == 'x' then
    -- An expanded map step too: its new expand job enqueues its open children.
    if job == '1' then
      retries = retries + 1
      job = '0'
    end
    redis.call('HDEL', K_ERRORS, key)
    state = 'p'
    unit_set(key, state, job, retries)
  end
  if def.stage >= 0 and state ~= 'c' and state ~= 'k' and def.stage < first then first = def.stage end
end
wf.status = 'running'
wf.deadline = nil
redis.call('HSET', K_META, 'st', 'running')
redis.call('HDEL', K_META, 'fl', 'fa', 'dl')
for _, key in ipairs(ALL_KEYS) do redis.call('PERSIST', key) end
fx.begun = true
activate(first)
touch()
return { ops(), 1, fx.dispatch }
