-- wf-claim.lua: a step (or map child) from ready to running, before a worker runs its job [W2].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] step, [4] child index or ''.
-- Returns: {ops, outcome}: `claimed` (ready or running: run it), `done` (its outcome is
--          recorded, or a map step expanded), `ended` (the workflow ended, or the step is
--          not ready), `unknown` (no such workflow or step).

--!include wf.lua

if not open() then return { ops(), 'unknown' } end
local step = ARGV[3]
local child = ARGV[4] ~= '' and ARGV[4] or nil
local def = unit_at(step, child)
if not def then return { ops(), 'unknown' } end
local key = unit_key(step, child)
local state, job, retries = unit_get(key)
if state == 'c' or state == 'f' or state == 'k' then return { ops(), 'done' } end
if def.kind == 'm' and not child and map_count(step) then return { ops(), 'done' } end
if wf.status ~= 'running' then return { ops(), 'ended' } end
if state == 'r' or state == 'a' then
  unit_set(key, 'a', job, retries)
  touch()
  return { ops(), 'claimed' }
end
return { ops(), 'ended' }
