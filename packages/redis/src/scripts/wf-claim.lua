-- wf-claim.lua: steps (or map children) from ready to running, before a worker runs their
-- jobs [W2]; several in one call answer as the same calls one by one [W16].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, then triples: [3] step, [4] child index or '',
--       [5] the id of the job that claims or ''.
-- Returns: {ops, outcome, …}, an outcome per triple: `claimed` (ready or running: run it),
--          `done` (its outcome is recorded, or a map step expanded and
--          its children entry cleared), `ended` (the workflow ended, the step is not
--          ready, or the job is an earlier try's: the unit was retried since),
--          `unknown` (no such workflow or step).

--!include wf.lua

local out = { false }
local exists = open()
local claimed = false
-- The pairs' units, their states read with one HMGET and the claims written with one HSET:
-- a unit named twice reads `ready` twice and is written `running` twice, as one by one.
local defs, keys = {}, {}
if exists then
  for a = 3, #ARGV, 3 do
    local child = ARGV[a + 1] ~= '' and ARGV[a + 1] or nil
    local def = unit_at(ARGV[a], child)
    defs[#defs + 1] = def or false
    if def then keys[#keys + 1] = unit_key(ARGV[a], child) end
  end
end
local values = #keys > 0 and redis.call('HMGET', K_STEPS, unpack(keys)) or {}
local writes, k = {}, 0
for a = 3, #ARGV, 3 do
  local outcome = 'unknown'
  local def = defs[a / 3]
  if def then
    k = k + 1
    local key = keys[k]
    local child = ARGV[a + 1] ~= '' and ARGV[a + 1] or nil
    local state, job, retries = unit_parse(key, values[k])
    if state == 'c' or state == 'f' or state == 'k' then
      outcome = 'done'
    elseif def.kind == 'm' and not child and map_count(def.name) and not children_pending(def) then
      outcome = 'done'
    elseif wf.status ~= 'running' or not current_job(def.queue, wf_id, def.name, child, retries, ARGV[a + 2]) then
      outcome = 'ended'
    elseif state == 'r' or state == 'a' then
      if state == 'r' then
        writes[#writes + 1] = key
        writes[#writes + 1] = 'a' .. job .. int(retries)
      end
      claimed = true
      outcome = 'claimed'
    else
      outcome = 'ended'
    end
  end
  out[#out + 1] = outcome
end
if #writes > 0 then redis.call('HSET', K_STEPS, unpack(writes)) end
if claimed then touch() end
out[1] = ops()
return out
