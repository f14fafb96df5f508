-- fire-schedule.lua: claims a schedule's slot and enqueues its job, in one step [S1–S4, S13].
--
-- KEYS: [1]–[21] the queue's keys (includes/queue.lua), [22] the queue's schedule marks, a
--       HASH `<prefix>:{q}:sched`: schedule id -> `<slotAt> <jobSlotAt> <firedAt> <unique id>`
--       (the last slot claimed, fired or skipped; the slot and enqueue time of the last job
--       fired, and that job's unique id), or `<slotAt>` alone before any job fired;
--       [23] the queue's schedules, a HASH `<prefix>:{q}:specs` (upsert-schedules.lua),
--       [24] the queue's schedule fences `<prefix>:{q}:sched-fence` (fence-schedules.lua).
-- ARGV: [1]–[4] as for enqueue.lua, [5] schedule id, [6] slotAt (ms), [7] the revision the
--       job was built from, [8] the unique id of the slot's job, then from [9] one group of
--       one job, as enqueue.lua takes it, its producer's enqueuedAt empty: the job is
--       enqueued at TIME, the fire time (src/wire/enqueue-calls.ts, fireArgs).
-- Returns: `{1}` when the job was added; `{0, reason}` when not, checked in this order:
--          `unknown` (no such schedule), `changed` (its revision is not ARGV[7]), `paused`
--          (paused or not enabled, or a superseded copy: fenced by a higher token than it
--          was activated with, another copy of the id on its base queue fires),
--          `claimed-before` (slotAt at or before the mark's slot),
--          `early` (slotAt later than TIME), `overlap` (the spec says skip and the last job
--          fired is waiting, delayed or active: the mark moves to slotAt, nothing is added);
--          `{0, reason, unique id}` when enqueueing found the job a duplicate, reason
--          `claimed-before` (its id is stored) or `duplicate` (its idempotency key holds the
--          earlier job whose unique id follows); the mark moves then too.

--!include queue.lua

local K_MARKS = KEYS[22]
local K_SPECS = KEYS[23]
local K_FENCES = KEYS[24]
local schedule_id, slot_s, unique = ARGV[5], ARGV[6], ARGV[8]
local slot = tonumber(slot_s)

local stored = redis.call('HGET', K_SPECS, schedule_id)
if not stored then
  return {0, 'unknown'}
end
local revision, paused, enabled, overlap = string.match(stored, '^(%d+) %d+ (%d) (%d) (%S+) ')
if revision ~= ARGV[7] then
  return {0, 'changed'}
end
if paused == '1' or enabled == '0' then
  return {0, 'paused'}
end
local fence = redis.call('HGET', K_FENCES, schedule_id)
if fence then
  local active, superseded = string.match(fence, '^(%d+) (%d+)$')
  -- An entry that is not `<active> <superseded>` (written behind the scripts' back) fences nothing.
  if superseded and tonumber(superseded) > tonumber(active) then
    return {0, 'paused'}
  end
end

local mark = redis.call('HGET', K_MARKS, schedule_id)
local last_slot, job_slot, fired_at, last_unique
if mark then
  last_slot = string.match(mark, '^(%d+)')
  job_slot, fired_at, last_unique = string.match(mark, '^%d+ (%d+) (%d+) (.*)$')
end
if last_slot and slot <= tonumber(last_slot) then
  return {0, 'claimed-before'}
end
if slot > now then
  return {0, 'early'}
end

-- Promote and reclaim first, so that the last job's state is current.
housekeep(500)
if overlap == 'skip' and last_unique then
  local state = redis.pcall('HGET', K_JOB .. last_unique, 's')
  if not state and redis.call('HEXISTS', K_PACKED, last_unique) == 1 then state = 'w' end
  if state == 'w' or state == 'd' or state == 'a' then
    redis.call('HSET', K_MARKS, schedule_id,
      slot_s .. ' ' .. job_slot .. ' ' .. fired_at .. ' ' .. last_unique)
    return {0, 'overlap'}
  end
end

local FIRST_GROUP = 9
--!include enqueue-jobs.lua

local job_unique = out[2] or unique
redis.call('HSET', K_MARKS, schedule_id, slot_s .. ' ' .. slot_s .. ' ' .. now_s .. ' ' .. job_unique)
if out[2] then
  return {0, out[2] == unique and 'claimed-before' or 'duplicate', out[2]}
end
return {1}
