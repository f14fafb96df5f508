-- wf-dispatched.lua: clears outbox entries whose jobs are enqueued [W8].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id, [3].. the job ids.
-- Returns: {ops}.

--!include wf.lua

if not open() then return { ops() } end
local removed = 0
local CHUNK = 1000
for a = 3, #ARGV, CHUNK do
  local last = math.min(a + CHUNK - 1, #ARGV)
  removed = removed + redis.call('HDEL', K_OUTBOX, unpack(ARGV, a, last))
  redis.call('ZREM', K_ORDER, unpack(ARGV, a, last))
end
if removed > 0 then
  -- The outbox changed: a new version, so that the index hears of it in order.
  wf.version = wf.version + 1
  redis.call('HSET', K_META, 'v', int(wf.version))
  fx.removed = true
end
return { ops() }
