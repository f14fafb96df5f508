-- wf-get.lua: a workflow's record [W9].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3] '0' to leave map children out (the
--       steps and errors of the plan's steps only, read by name: the `d:<step>` fields of
--       meta name every step and compensation), else every unit.
-- Returns: {ops} when there is none; else {ops, meta, steps, errors}, meta HGETALL's
--          `[field, value, …]`, steps and errors the same form for the units read
--          (src/wire/workflow-calls.ts, decodeRecord).

--!include wf.lua

if not open() then return { ops() } end
local meta = redis.call('HGETALL', K_META)
if ARGV[3] ~= '0' then
  return { ops(), meta, redis.call('HGETALL', K_STEPS), redis.call('HGETALL', K_ERRORS) }
end
local names, n = {}, 0
for i = 1, #meta, 2 do
  local field = meta[i]
  if string.sub(field, 1, 2) == 'd:' then
    n = n + 1
    names[n] = string.sub(field, 3)
  end
end
local steps, errors = {}, {}
-- In runs of 1,000 names: unpack() is bounded by Lua's stack.
for first = 1, n, 1000 do
  local last = math.min(n, first + 999)
  local states = redis.call('HMGET', K_STEPS, unpack(names, first, last))
  local texts = redis.call('HMGET', K_ERRORS, unpack(names, first, last))
  for i = first, last do
    local state, text = states[i - first + 1], texts[i - first + 1]
    if state then
      steps[#steps + 1] = names[i]
      steps[#steps + 1] = state
    end
    if text then
      errors[#errors + 1] = names[i]
      errors[#errors + 1] = text
    end
  end
end
return { ops(), meta, steps, errors }
