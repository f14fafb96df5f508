-- enqueue-one.lua: adds one plain ready job to a queue, packed, as enqueue.lua would
-- [R3, R3a, R4, R7]: the path of a single `enqueue()` or `.delay()` call with no delay,
-- expiry, idempotency key, workflow or index entries (src/wire/enqueue-one.ts decides).
-- It runs without queue.lua's shared prelude and housekeeping, which were most of an
-- idle queue's enqueue time (docs/benchmarks/history.md, "Idle pickup").
--
-- KEYS: [1] the job key prefix, which is also the packed jobs' hash (queue.lua's K_JOB and
--       K_PACKED), [2] the ready list of the job's priority, [3] the delayed ZSET, [4] the
--       leases ZSET, [5] the marker LIST (all of one queue: queueKeys in src/keys.ts).
-- ARGV: [1] unique id, [2] the start of the job's `d`, `<version><priority>|<maxAttempts>`,
--       [3] the producer's enqueuedAt (ms, or '' for none), [4] the rest of the packed
--       value after `d`'s enqueuedAt and offset: `<task> <input>`, or `<task> #<schema>
--       <input>` with a schema fingerprint (packed-job.lua).
-- Returns: -1, having written nothing, when a delayed job has come due or a lease has run
--          out: enqueue.lua must run instead, whose housekeeping puts those jobs ahead of
--          this one [R7]; {0, unique id, ''} when the id is already stored (enqueue.lua's
--          reply for a duplicate id); an empty array when the job was added.

local K_PACKED = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local now_s = string.format('%d', now)

local id = ARGV[1]
-- One EXISTS answers all three questions on an idle queue (nothing delayed or leased, the id
-- new): after an idle gap each distinct command costs Redis several µs, and this script is
-- on the path of every idle pickup (docs/benchmarks/history.md, "Idle pickup").
if redis.call('EXISTS', KEYS[3], KEYS[4], K_PACKED .. id) > 0 then
  if redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now_s, 'LIMIT', 0, 1)[1]
    or redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now_s, 'LIMIT', 0, 1)[1] then
    return -1
  end
  if redis.call('EXISTS', K_PACKED .. id) == 1 then return { 0, id, '' } end
end
local offset = string.format('%d', now - (tonumber(ARGV[3]) or now))
if redis.call('HSETNX', K_PACKED, id, ARGV[2] .. '|' .. now_s .. '|' .. offset .. '|' .. ARGV[4]) == 0 then
  return { 0, id, '' }
end
redis.call('RPUSH', KEYS[2], id)
-- Wakes a blocked reserve (queue.lua's wake()).
if redis.call('LLEN', KEYS[5]) == 0 then
  redis.call('LPUSH', KEYS[5], '1')
end
return {}
