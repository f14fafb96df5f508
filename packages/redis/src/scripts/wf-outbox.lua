-- wf-outbox.lua: a workflow's outbox entries, oldest first [W8].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops, entries (JSON)}.

--!include wf.lua

if not open() then return { ops(), {} } end
local ids = redis.call('ZRANGE', K_ORDER, 0, -1)
local entries = {}
for start = 1, #ids, 1000 do
  local chunk = redis.call('HMGET', K_OUTBOX, unpack(ids, start, math.min(start + 999, #ids)))
  for _, entry in ipairs(chunk) do entries[#entries + 1] = entry end
end
return { ops(), entries }
