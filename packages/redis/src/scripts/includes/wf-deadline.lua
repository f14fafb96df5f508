-- wf-deadline.lua: a running workflow's deadline [W14], inlined by includes/wf.lua where it
-- says `--!include wf-deadline.lua`: it uses that file's locals (stage_of, step_def,
-- unit_get, map_count, failure_json, end_open, finish, touch, wf, now, wf_id).

-- The first ready or running unit in record order (plan order, children after their map
-- step, the compensations last): the step a time-out names.
local function first_open()
  for index = 0, wf.stages - 1 do
    local kind, names = stage_of(index)
    for _, name in ipairs(names) do
      local state = unit_get(name)
      if state == 'r' or state == 'a' then return name, nil end
      if kind == 'm' then
        for child = 0, (map_count(name) or 0) - 1 do
          state = unit_get(name .. '#' .. child)
          if state == 'r' or state == 'a' then return name, int(child) end
        end
      end
    end
  end
  -- A compensation runs after its step failed, while the workflow is still running. The
  -- record lists none, so the units are read (once, at the deadline).
  local all = redis.call('HGETALL', K_STEPS)
  for i = 1, #all, 2 do
    local key, state = all[i], string.sub(all[i + 1], 1, 1)
    if (state == 'r' or state == 'a') and not string.find(key, '#', 1, true) then
      local def = step_def(key)
      if def and def.kind == 'c' then return key, nil end
    end
  end
  return nil
end

-- `ms` (since the epoch) as JavaScript's toISOString writes it (Redis' Lua has no os.date).
local function iso_time(ms)
  local floor = math.floor
  ms = floor(ms)
  local s = floor(ms / 1000)
  local days = floor(s / 86400)
  local rem = s - days * 86400
  local z = days + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local day = doy - floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
    floor(rem / 3600), floor(rem % 3600 / 60), rem % 60, ms % 1000)
end

-- A running workflow past its deadline fails with WORKFLOW_TIMED_OUT [W14].
local function due()
  if wf.status ~= 'running' or not wf.deadline or wf.deadline > now then return end
  local step, child = first_open()
  if not step then
    -- Between a step's end and the next one's start: the stage it is at (or the last).
    local _, names = stage_of(math.min(wf.stage or 0, wf.stages - 1))
    step = names[1]
  end
  local plan_name = redis.call('HGET', K_META, 'wn') or ''
  local at = iso_time(wf.deadline)
  local error_json = cjson.encode({
    name = 'WorkflowTimedOutError',
    code = 'WORKFLOW_TIMED_OUT',
    message = 'Workflow ' .. wf_id .. ' (' .. plan_name .. ') was still running at its deadline, ' .. at .. '; raise the deadline or look at its running steps.',
  })
  redis.call('HSET', K_META, 'fl', failure_json(step, child, error_json))
  -- The jobs of its ready and running steps are cancelled (running ones see ctx.signal) by
  -- whoever made this call, from ops (see wf.lua's header): a read (get, peek, a claim)
  -- answers no jobs to cancel of its own, and the steps ran on after the deadline. Kept
  -- out of fx.cancel, which the calls that answer it would cancel a second time.
  local before = #fx.cancel
  end_open()
  for i = before + 1, #fx.cancel do
    fx.timed_out[#fx.timed_out + 1] = fx.cancel[i]
    fx.cancel[i] = nil
  end
  finish('failed')
  touch()
end
