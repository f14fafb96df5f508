-- wf-record.lua: a step's (or map child's) final outcome, by first write; moves its stage's
-- counter, applies its failure policy and puts what became ready in the outbox [W3–W6].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] step, [4] child index or '', [5] '1' for a
--       result, '0' for a failure, [6] the result JSON or the error JSON.
-- Returns: {ops, status ('' when there is no such workflow or step), recorded 1|0, entries
--          (dispatch entries' JSON), job ids to cancel}.

--!include wf.lua

if not open() then return { ops(), '', 0, {}, {} } end
local step = ARGV[3]
local child = ARGV[4] ~= '' and ARGV[4] or nil
local ok = ARGV[5] == '1'
local def = unit_at(step, child)
if not def then return { ops(), '', 0, fx.dispatch, fx.cancel } end
local key = unit_key(step, child)
local state = unit_get(key)
local is_map = def.kind == 'm' and not child
-- A map step's own job reports only its failure, before it expanded.
if wf.status ~= 'running' or (state ~= 'r' and state ~= 'a') or (is_map and (ok or map_count(step))) then
  return { ops(), wf.status, 0, fx.dispatch, fx.cancel }
end
if ok then
  if redis.call('HSETNX', K_RESULTS, key, ARGV[6]) == 0 then
    return { ops(), wf.status, 0, fx.dispatch, fx.cancel }
  end
  local _, job, retries = unit_get(key)
  unit_set(key, 'c', job, retries)
  unit_done(def, child)
else
  unit_failed(def, child, ARGV[6])
end
touch()
return { ops(), wf.status, 1, fx.dispatch, fx.cancel }
