-- wf-get.lua: a workflow's record [W9].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops} when there is none; else {ops, meta, steps, errors}, each HGETALL's
--          `[field, value, …]` (src/wire/workflow-calls.ts, decodeRecord).

--!include wf.lua

if not open() then return { ops() } end
return { ops(), redis.call('HGETALL', K_META), redis.call('HGETALL', K_STEPS),
  redis.call('HGETALL', K_ERRORS) }
