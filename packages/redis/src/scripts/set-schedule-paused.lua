-- set-schedule-paused.lua: sets a schedule's paused flag (TransportSchedules.setPaused) [S11].
--
-- KEYS: [1] the queue's schedules `<prefix>:{q}:specs` (upsert-schedules.lua).
-- ARGV: [1] schedule id, [2] `1` paused or `0` not.
-- Returns: 1 when the schedule is stored, 0 when not (nothing written).

local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then
  return 0
end
local head, rest = string.match(stored, '^(%d+ %d+ )%d( .*)$')
redis.call('HSET', KEYS[1], ARGV[1], head .. ARGV[2] .. rest)
return 1
