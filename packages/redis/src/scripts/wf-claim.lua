-- wf-claim.lua: steps (or map children) from ready to running, before a worker runs their
-- jobs [W2]; several in one call answer as the same calls one by one [W16].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, then pairs: [3] step, [4] child index or ''.
-- Returns: {ops, outcome, …}, an outcome per pair: `claimed` (ready or running: run it),
--          `done` (its outcome is recorded, or a map step expanded and
--          its children entry cleared), `ended` (the workflow
--          ended, or the step is not ready), `unknown` (no such workflow or step).

--!include wf.lua

local out = { false }
local exists = open()
local claimed = false
for a = 3, #ARGV, 2 do
  local outcome = 'unknown'
  if exists then
    local step = ARGV[a]
    local child = ARGV[a + 1] ~= '' and ARGV[a + 1] or nil
    local def = unit_at(step, child)
    if def then
      local key = unit_key(step, child)
      local state, job, retries = unit_get(key)
      if state == 'c' or state == 'f' or state == 'k' then
        outcome = 'done'
      elseif def.kind == 'm' and not child and map_count(step) and not children_pending(def) then
        outcome = 'done'
      elseif wf.status ~= 'running' then
        outcome = 'ended'
      elseif state == 'r' or state == 'a' then
        if state == 'r' then unit_set(key, 'a', job, retries) end
        claimed = true
        outcome = 'claimed'
      else
        outcome = 'ended'
      end
    end
  end
  out[#out + 1] = outcome
end
if claimed then touch() end
out[1] = ops()
return out
