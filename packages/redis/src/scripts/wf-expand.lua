-- wf-expand.lua: a map stage's items, once: its children become ready [W7]. More items than
-- maxChildren fail the map step (WORKFLOW_TOO_LARGE) and its policy applies.
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] step, [4] maxChildren, [5].. the items' JSON.
-- Returns: {ops, 'not-map', workflow name} when the step is not a map step; else {ops, status
--          ('' when there is no such workflow or step), recorded 1|0, entries, job ids to cancel}.

--!include wf.lua

if not open() then return { ops(), '', 0, {}, {} } end
local step = ARGV[3]
local def = step_def(step)
if not def then return { ops(), '', 0, fx.dispatch, fx.cancel } end
if def.kind ~= 'm' then
  return { ops(), 'not-map', redis.call('HGET', K_META, 'wn') or '' }
end
local state = unit_get(step)
if wf.status ~= 'running' or (state ~= 'r' and state ~= 'a') or map_count(step) then
  return { ops(), wf.status, 0, fx.dispatch, fx.cancel }
end
local FIRST_ITEM = 5
local count = #ARGV - FIRST_ITEM + 1
local max_children = tonumber(ARGV[4])
if count > max_children then
  unit_failed(def, nil, cjson.encode({
    name = 'WorkflowTooLargeError',
    code = 'WORKFLOW_TOO_LARGE',
    message = 'Map step "' .. step .. '" of workflow ' .. wf_id .. ' has ' .. count
      .. ' items, over its limit of ' .. ARGV[4]
      .. ' children (maxChildren); split the work or raise maxChildren (at most 100000).',
  }))
else
  redis.call('HSET', K_META, 'n:' .. step, int(count))
  local fields = {}
  for child = 0, count - 1 do
    fields[#fields + 1] = step .. '#' .. int(child)
    fields[#fields + 1] = ARGV[FIRST_ITEM + child]
    if #fields >= 2000 then
      redis.call('HSET', K_ITEMS, unpack(fields))
      fields = {}
    end
  end
  if #fields > 0 then redis.call('HSET', K_ITEMS, unpack(fields)) end
  start_children(def, count, FIRST_ITEM)
end
touch()
return { ops(), wf.status, 1, fx.dispatch, fx.cancel }
