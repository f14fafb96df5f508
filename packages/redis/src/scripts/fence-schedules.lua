-- fence-schedules.lua: fences a queue's copies of schedules another copy takes over, and reads
-- them back (a takeover, docs/partitions.md "Schedules": one copy of an id per base queue fires).
--
-- KEYS: [1] the queue's schedules `<prefix>:{q}:specs` (upsert-schedules.lua), [2] the
--       queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua), [3] the queue's
--       schedule fences `<prefix>:{q}:sched-fence`: schedule id -> `<active> <superseded>`,
--       the token the copy was last activated with and the highest token that fenced it
--       (`0 0` when absent); fire-schedule.lua fires a copy only while superseded <= active.
-- ARGV: [1] the takeover's token (INCR of `<prefix>:schedule-fence`), then the schedule ids.
-- Returns: `{now, schedules, marks, fences}` as list-schedules.lua, read after the fence, so
--          the marks are final: a fenced copy claims no slot after this script.
--          The fence is written for an id the queue does not hold too, so a copy stored
--          here afterwards by an upsert that saw no other copy starts superseded (and that
--          upsert takes over): two copies first stored at once never both fire.

local token = tonumber(ARGV[1])
for a = 2, #ARGV do
  local id = ARGV[a]
  local active, superseded = 0, 0
  local fence = redis.call('HGET', KEYS[3], id)
  if fence then
    local a_s, s_s = string.match(fence, '^(%d+) (%d+)$')
    active, superseded = tonumber(a_s), tonumber(s_s)
  end
  if token > superseded then
    redis.call('HSET', KEYS[3], id, string.format('%d %d', active, token))
  end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
return {string.format('%d', now), redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3])}
