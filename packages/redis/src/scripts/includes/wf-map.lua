-- wf-map.lua: a map step's children entry and the cancel of its children (docs/transport.md
-- W7), inlined by includes/wf.lua where it says `--!include wf-map.lua`: it uses that file's
-- locals (unit_get, unit_set, map_count, fx, K_OUTBOX, K_ORDER, wf_id, int).

-- A map step's children entry's outbox key: its (expand) job id and `#children`.
local function children_key(def)
  local _, _, retries = unit_get(def.name)
  return workflow_job_id(def.queue, wf_id, def.name, nil, retries or 0) .. '#children'
end

-- Whether a map step's children entry is in the outbox: its children are not all enqueued.
local function children_pending(def)
  return redis.call('HEXISTS', K_OUTBOX, children_key(def)) == 1
end

-- Takes a map step's children entry out of the outbox.
local function clear_children(def)
  local key = children_key(def)
  if redis.call('HDEL', K_OUTBOX, key) == 1 then
    redis.call('ZREM', K_ORDER, key)
    fx.removed = true
  end
end

-- A map step that failed after it expanded: its open children cancelled (their jobs in
-- fx.cancel), its children entry cleared.
local function cancel_children(def)
  for child = 0, map_count(def.name) - 1 do
    local key = def.name .. '#' .. int(child)
    local state, job, retries = unit_get(key)
    if state == 'r' or state == 'a' or state == 'p' then
      if state ~= 'p' and job == '1' then
        fx.cancel[#fx.cancel + 1] = workflow_job_id(def.queue, wf_id, def.name, int(child), retries)
      end
      unit_set(key, 'x', job, retries)
    end
  end
  clear_children(def)
end
