-- list-schedules.lua: a queue's schedules and their marks, and the clock (TransportSchedules.list) [S12].
--
-- KEYS: [1] the queue's schedules `<prefix>:{q}:specs` (upsert-schedules.lua),
--       [2] the queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua),
--       [3] the queue's schedule fences `<prefix>:{q}:sched-fence` (fence-schedules.lua).
-- ARGV: none.
-- Returns: `{now, schedules, marks, fences}`: TIME in ms, then each hash as HGETALL gives it.

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
return {string.format('%d', now), redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3])}
