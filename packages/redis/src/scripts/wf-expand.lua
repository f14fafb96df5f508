-- wf-expand.lua: a map stage's child count, once [W7]: the children are ready without a
-- field each (see includes/wf.lua), and one children entry goes in the outbox until the
-- caller has enqueued them. More than maxChildren fail the map step (WORKFLOW_TOO_LARGE).
-- Called again while the entry stands (a redelivered or retried expand job), it answers the
-- open children again, or fails the step (WORKFLOW_MAP_CHANGED) when the count differs.
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] step, [4] maxChildren, [5] the item count.
-- Returns: {ops, 'not-map', workflow name} when the step is not a map step; else {ops, status
--          ('' when there is no such workflow or step), recorded 1|0, entries, job ids to
--          cancel, children}: children false, or {key, open} with `open` false for every
--          child at retry 0 (a first expand), else a flat list `child, retries, …`.

--!include wf.lua

if not open() then return { ops(), '', 0, {}, {}, false } end
local step = ARGV[3]
local def = step_def(step)
if not def then return { ops(), '', 0, fx.dispatch, fx.cancel, false } end
if def.kind ~= 'm' then
  return { ops(), 'not-map', redis.call('HGET', K_META, 'wn') or '' }
end
local state = unit_get(step)
local stored = map_count(step)
if wf.status ~= 'running' or (state ~= 'r' and state ~= 'a') or (stored and not children_pending(def)) then
  return { ops(), wf.status, 0, fx.dispatch, fx.cancel, false }
end
local count = tonumber(ARGV[5])
if stored and stored == count then
  -- Expanded, its children not all enqueued: answer the open ones again.
  local open_children = {}
  for child = 0, count - 1 do
    local c = int(child)
    local s, _, retries = unit_get(step .. '#' .. c)
    if s == 'r' or s == 'a' then
      open_children[#open_children + 1] = c
      open_children[#open_children + 1] = int(retries)
    end
  end
  return { ops(), wf.status, 0, fx.dispatch, fx.cancel, { children_key(def), open_children } }
end
local children = false
if stored then
  unit_failed(def, nil, cjson.encode({
    name = 'WorkflowMapChangedError',
    code = 'WORKFLOW_MAP_CHANGED',
    message = 'Map step "' .. step .. '" of workflow ' .. wf_id .. ' now has ' .. ARGV[5]
      .. ' items, but it expanded to ' .. int(stored) .. ' children; its items mapping must be'
      .. " a pure function of the stored results and the workflow's input (retry the workflow once it is).",
  }))
elseif count > tonumber(ARGV[4]) then
  unit_failed(def, nil, cjson.encode({
    name = 'WorkflowTooLargeError',
    code = 'WORKFLOW_TOO_LARGE',
    message = 'Map step "' .. step .. '" of workflow ' .. wf_id .. ' has ' .. ARGV[5]
      .. ' items, over its limit of ' .. ARGV[4]
      .. ' children; split the work, or raise the workers\' limit with createWorker({ maxWorkflowChildren })'
      .. ' or `conveyor worker --max-workflow-children <n>` (at most 100000).',
  }))
else
  redis.call('HSET', K_META, 'n:' .. step, int(count))
  counts[step] = count
  start_children(def, count, true)
  if count > 0 then children = { children_key(def), false } end
end
touch()
return { ops(), wf.status, 1, fx.dispatch, fx.cancel, children }
