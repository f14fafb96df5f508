-- upsert-schedules.lua: stores schedules of one queue, each atomically (TransportSchedules.upsert) [S7–S9].
--
-- KEYS: [1] the queue's schedules, a HASH `<prefix>:{q}:specs`: schedule id ->
--       `<revision> <updatedAt> <paused 0|1> <enabled 0|1> <overlap> <spec JSON>` (the JSON
--       last, so it may hold spaces; enabled and overlap copied out of it for fire-schedule.lua),
--       [2] the queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua).
-- ARGV: pairs of schedule id and spec JSON, as core's gate makes it (equal specs, equal text).
-- Returns: one string, a character per pair: `c` created (revision 1, no mark), `m` changed
--          (revision + 1, the mark's slot moved up to TIME, or a mark of TIME alone made),
--          `u` unchanged (nothing written).

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local now_s = string.format('%d', now)
local out = {}
for a = 1, #ARGV, 2 do
  local id, json = ARGV[a], ARGV[a + 1]
  local spec = cjson.decode(json)
  local flags = (spec.enabled == true and '1' or '0') .. ' ' .. spec.overlap .. ' '
  local stored = redis.call('HGET', KEYS[1], id)
  if not stored then
    redis.call('HSET', KEYS[1], id, '1 ' .. now_s .. ' 0 ' .. flags .. json)
    out[#out + 1] = 'c'
  else
    local revision, paused, old = string.match(stored, '^(%d+) %d+ (%d) %d %S+ (.*)$')
    if old == json then
      out[#out + 1] = 'u'
    else
      local next_revision = string.format('%d', tonumber(revision) + 1)
      redis.call('HSET', KEYS[1], id,
        next_revision .. ' ' .. now_s .. ' ' .. paused .. ' ' .. flags .. json)
      -- The new timing starts after the change: no slot up to it fires.
      local mark = redis.call('HGET', KEYS[2], id)
      if not mark then
        redis.call('HSET', KEYS[2], id, now_s)
      else
        local slot, rest = string.match(mark, '^(%d+)(.*)$')
        if tonumber(slot) < now then
          redis.call('HSET', KEYS[2], id, now_s .. rest)
        end
      end
      out[#out + 1] = 'm'
    end
  end
end
return table.concat(out)
