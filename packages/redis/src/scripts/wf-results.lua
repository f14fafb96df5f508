-- wf-results.lua: a step's stored results, in order [W10]: one for a step; for a map step its
-- children's, by index (HMGET in chunks: a big hash's fields come back in no fixed order).
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] step, [4] from ('' for 0), [5] count ('' for all).
-- Returns: {ops, results}: each a result's JSON (' null' for a unit completed with no result),
--          or nil where there is none (a skipped or unfinished unit); no results when there
--          is no such workflow or step.

--!include wf.lua

if not open() then return { ops(), {} } end
local step = ARGV[3]
local def = step_def(step)
if not def then return { ops(), {} } end
if def.kind ~= 'm' then
  return { ops(), { redis.call('HGET', K_RESULTS, step) } }
end
local count = map_count(step) or 0
local from = tonumber(ARGV[4]) or 0
local to = count
if ARGV[5] ~= '' then to = math.min(count, from + tonumber(ARGV[5])) end
local results = {}
local fields = {}
for child = from, to - 1 do
  fields[#fields + 1] = step .. '#' .. int(child)
  if #fields == 1000 or child == to - 1 then
    local chunk = redis.call('HMGET', K_RESULTS, unpack(fields))
    for n = 1, #fields do results[#results + 1] = chunk[n] end
    fields = {}
  end
end
return { ops(), results }
