-- remove-schedule.lua: deletes a schedule, its mark and its fence (TransportSchedules.remove) [S10].
--
-- KEYS: [1] the queue's schedules `<prefix>:{q}:specs` (upsert-schedules.lua),
--       [2] the queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua),
--       [3] the queue's schedule fences `<prefix>:{q}:sched-fence` (fence-schedules.lua).
-- ARGV: [1] schedule id.
-- Returns: 1 when the schedule was stored, 0 when not.

local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return removed
