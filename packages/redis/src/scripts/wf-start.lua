-- wf-start.lua: stores a workflow's record and puts its first stage in the outbox [W1].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] input JSON, [4] plan JSON, [5] the
--       idempotency key's scope `<name length>:<name>:<key>` (what its wf-key.lua claim is
--       named by) or '', [6] deadline (ms) or '', [7] the workflow's name, [8] the input
--       schema's fingerprint or '', [9] the input fingerprint or '' (kept with a key only),
--       [10] the stage count n, [11]..[10+n] each stage as `<kind> <step> <step> …`, then
--       each step of the plan and its compensations as two arguments, its name and
--       `<stage>|<policy>|<queue>|<fragment>` (the d:<step> field;
--       src/wire/workflow-calls.ts, startArgs).
-- Returns: {ops, 'new', entries}: the dispatch entries' JSON; or {ops, 'again'} when a
--          workflow with this id exists: the same start run again (a start's id is new per
--          start, src/workflows.ts: only a re-sent start finds it), which changes nothing
--          but the index entries; its caller reads the outbox (wf-outbox.lua).

--!include wf.lua

if redis.call('EXISTS', K_META) == 1 then
  -- ioredis re-sends a command whose reply a reset connection lost: this start ran, and its
  -- caller never had its entries nor wrote its index entries. The ops of a running
  -- workflow with an outbox, so that the sweepers find it whatever its caller does next.
  open()
  if wf.status == 'running' then
    fx.begun = true
    fx.added = redis.call('EXISTS', K_ORDER) == 1
  end
  return { ops(), 'again' }
end
local stages = tonumber(ARGV[10])
local fields = { 'plan', ARGV[4], 'in', ARGV[3], 'st', 'running', 'sg', '0', 'ca', now_s,
  'ua', now_s, 'v', '1', 'oq', '0', 'ns', ARGV[10], 'wn', ARGV[7] }
if ARGV[5] ~= '' then
  fields[#fields + 1] = 'ik'
  fields[#fields + 1] = ARGV[5]
  if ARGV[9] ~= '' then
    fields[#fields + 1] = 'if'
    fields[#fields + 1] = ARGV[9]
  end
end
if ARGV[6] ~= '' then
  fields[#fields + 1] = 'dl'
  fields[#fields + 1] = ARGV[6]
end
if ARGV[8] ~= '' then
  fields[#fields + 1] = 'is'
  fields[#fields + 1] = ARGV[8]
end
for n = 0, stages - 1 do
  fields[#fields + 1] = 'g' .. n
  fields[#fields + 1] = ARGV[11 + n]
end
local steps = {}
for a = 11 + stages, #ARGV, 2 do
  fields[#fields + 1] = 'd:' .. ARGV[a]
  fields[#fields + 1] = ARGV[a + 1]
  steps[#steps + 1] = ARGV[a]
  steps[#steps + 1] = 'p00'
end
redis.call('HSET', K_META, unpack(fields))
redis.call('HSET', K_STEPS, unpack(steps))
load()
fx.begun = true
activate(0)
return { ops(), 'new', fx.dispatch }
