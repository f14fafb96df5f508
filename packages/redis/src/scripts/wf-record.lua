-- wf-record.lua: steps' (or map children's) final outcomes, by first write; each moves its
-- stage's counter, applies its failure policy and puts what became ready in the outbox
-- [W3–W6]; several in one call record as the same calls one by one [W16]. A completion that
-- comes after its run ended (of a unit that end cancelled while its job ran on) is stored
-- as the unit's result, and moves nothing [W17].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, then groups of five: [3] step, [4] child
--       index or '', [5] '1' for a result, '0' for a failure, [6] the result JSON (' null'
--       for a completion with no result, stored as it is) or the error JSON, [7] the id of
--       the job it comes from or '': a unit retried since (its retries > 0, so its job is
--       another) records nothing from an earlier try's job.
-- Returns: {ops, status ('' when there is no such workflow), recorded per group (1, 0 when
--          it changed nothing, -1 when there is no such step), entries (dispatch entries'
--          JSON), job ids to cancel}.

--!include wf.lua

if not open() then
  local none = {}
  for a = 3, #ARGV, 5 do none[#none + 1] = 0 end
  return { ops(), '', none, {}, {} }
end

-- Whether the run has left `running` by a failure or a cancel: failed (timed out too),
-- compensated, cancelled, or compensating (still running, its failure recorded).
local function run_ended()
  if wf.status == 'running' then return redis.call('HEXISTS', K_META, 'fl') == 1 end
  return wf.status ~= 'completed'
end

-- A completion of a unit its run's end cancelled (it had a job, and it is not a map step's
-- own, nor a child of a map step skipped before the end): the unit is completed with its
-- result [W17]. Nothing else moves: no counter, no policy, no dispatch; a retry keeps it.
local function record_late(def, child, key, state, job, retries, json)
  if state ~= 'x' or job ~= '1' or (def.kind == 'm' and not child) or not run_ended() then
    return 0
  end
  if child and unit_get(def.name) == 'k' then return 0 end
  if redis.call('HSETNX', K_RESULTS, key, json) == 0 then return 0 end
  unit_set(key, 'c', job, retries)
  -- An ended run's keys expire (finish): the results hash, new when this is its first.
  if wf.status ~= 'running' then
    local left = redis.call('PTTL', K_META)
    if left > 0 then redis.call('PEXPIRE', K_RESULTS, left) end
  end
  return 1
end

-- One outcome: 1 when recorded, 0 when it changed nothing, -1 for no such step.
local function record_one(step, child, ok, json, from)
  local def = unit_at(step, child)
  if not def then return -1 end
  local key = unit_key(step, child)
  local state, job, retries = unit_get(key)
  if not current_job(def.queue, wf_id, def.name, child, retries, from) then return 0 end
  local is_map = def.kind == 'm' and not child
  -- A map step's own job reports only its failure, before its children are all enqueued.
  local expanded = is_map and map_count(step) and not children_pending(def)
  if ok and state == 'x' then return record_late(def, child, key, state, job, retries, json) end
  if wf.status ~= 'running' or (state ~= 'r' and state ~= 'a') or (is_map and ok) or expanded then
    return 0
  end
  if ok then
    if redis.call('HSETNX', K_RESULTS, key, json) == 0 then return 0 end
    unit_set(key, 'c', job, retries)
    unit_done(def, child)
  else
    unit_failed(def, child, json)
  end
  return 1
end

-- The map step whose children's results every group is, or nil.
local function children_results()
  local step = ARGV[3]
  for a = 3, #ARGV, 5 do
    if ARGV[a] ~= step or ARGV[a + 1] == '' or ARGV[a + 2] ~= '1' then return nil end
  end
  local def = step_def(step)
  if def and def.kind == 'm' and map_count(step) and wf.status == 'running' and not run_ended() then
    return def
  end
  return nil
end

-- Results of `def`'s children only (the usual call): recorded as one by one, with one read
-- of their states and results, one write of each and one move of the stage's counter. A
-- child named twice is recorded once (its second result finds the first).
local function record_children(def)
  local count = map_count(def.name)
  local keys, recorded = {}, {}
  for a = 3, #ARGV, 5 do
    if tonumber(ARGV[a + 1]) < count then keys[#keys + 1] = def.name .. '#' .. ARGV[a + 1] end
  end
  local states = #keys > 0 and redis.call('HMGET', K_STEPS, unpack(keys)) or {}
  local stored = #keys > 0 and redis.call('HMGET', K_RESULTS, unpack(keys)) or {}
  local results, steps, seen, k = {}, {}, {}, 0
  for a = 3, #ARGV, 5 do
    local one = -1
    if tonumber(ARGV[a + 1]) < count then
      k = k + 1
      local key = keys[k]
      local state, job, retries = unit_parse(key, states[k])
      one = 0
      local open = (state == 'r' or state == 'a') and not stored[k] and not seen[key]
      if open and current_job(def.queue, wf_id, def.name, ARGV[a + 1], retries, ARGV[a + 4]) then
        seen[key] = true
        results[#results + 1], results[#results + 2] = key, ARGV[a + 3]
        steps[#steps + 1], steps[#steps + 2] = key, 'c' .. job .. int(retries)
        one = 1
      end
    end
    recorded[#recorded + 1] = one
  end
  if #results == 0 then return recorded, false end
  redis.call('HSET', K_RESULTS, unpack(results))
  redis.call('HSET', K_STEPS, unpack(steps))
  units_done(def, #results / 2, true)
  return recorded, true
end

local recorded, changed = {}, false
local children_of = children_results()
if children_of then
  recorded, changed = record_children(children_of)
else
  for a = 3, #ARGV, 5 do
    local child = ARGV[a + 1] ~= '' and ARGV[a + 1] or nil
    local one = record_one(ARGV[a], child, ARGV[a + 2] == '1', ARGV[a + 3], ARGV[a + 4])
    if one == 1 then changed = true end
    recorded[#recorded + 1] = one
  end
end
if changed then touch() end
return { ops(), wf.status, recorded, fx.dispatch, fx.cancel }
