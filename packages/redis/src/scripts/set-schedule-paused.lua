-- set-schedule-paused.lua: sets a schedule's paused flag (TransportSchedules.setPaused) [S11].
--
-- KEYS: [1] the queue's schedules `<prefix>:{q}:specs` (upsert-schedules.lua), [2] the
--       queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua).
-- ARGV: [1] schedule id, [2] `1` paused or `0` not.
-- Returns: 1 when the schedule is stored, 0 when not (nothing written). A resume (paused
--          before, `0` now) moves the mark's slot up to TIME, or makes a mark of TIME alone,
--          so that the slots of the pause are not fired as missed.

local id = ARGV[1]
local stored = redis.call('HGET', KEYS[1], id)
if not stored then
  return 0
end
local head, was, rest = string.match(stored, '^(%d+ %d+ )(%d)( .*)$')
redis.call('HSET', KEYS[1], id, head .. ARGV[2] .. rest)
if was == '1' and ARGV[2] == '0' then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  local now_s = string.format('%d', now)
  local mark = redis.call('HGET', KEYS[2], id)
  if not mark then
    redis.call('HSET', KEYS[2], id, now_s)
  else
    local slot, tail = string.match(mark, '^(%d+)(.*)$')
    if tonumber(slot) < now then
      redis.call('HSET', KEYS[2], id, now_s .. tail)
    end
  end
end
return 1
