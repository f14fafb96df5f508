-- reserve.lua: leases up to `max` ready jobs of one queue [R6, R7, R9, R11].
--
-- Promotes due delayed jobs and reclaims expired leases first (in batches), then pops
-- from the ready lists, highest priority first. Ids whose job is no longer waiting
-- (cancelled while queued) are dropped (stale-ids.lua), and so are ids whose job key is not a hash
-- (logged; the others of the call are still leased); jobs past expiresAt become expired.
-- A packed job (packed-job.lua) gets its own hash as it is leased, or, for a caller that
-- removes jobs on completion (ARGV[8]), stays packed through this attempt: its lease entry
-- and its call's hash say it is active.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] max, [4] lease ms, [5] consumer,
--       [6] token (random, fresh per call, shared by the call's jobs; see queue.lua),
--       [7] how many of the jobs leased (the first ones) the worker starts at once ('': all);
--       the others it holds unstarted, and get the `k` mark that an expired lease reads [R27],
--       [8] the fewest jobs of one pop to leave packed while leased (the caller removes
--       them on completion), '' for none.
-- Returns: { now, next wake (ms or -1; only computed when no job was leased: the client
--            uses it only then), lease deadline,
--            then 2 per job: `<unique id> <d> <input>` (d: see queue.lua; ids and d hold
--            no space; just the unique id when d or input is missing), and the attempt,
--            or { attempt, extras (y) or false, expiresAt or false } when the job has
--            either, or { …, 's' } when its hash has no state field (the client
--            dead-letters it). A packed job whose `y` is a schema fingerprint alone (the
--            usual job of a generated stub) is `<unique id> <d> #<schema> <input>` and its attempt
--            (1): when the attempt is a number, a '#' after d starts the fingerprint (a job
--            whose input starts with '#' is sent with the table instead). Every reply
--            element costs Redis and the client's parser more than this concatenation and
--            the split. }

--!include queue.lua
--!include stale-ids.lua

local max = tonumber(ARGV[3])
local deadline = now + tonumber(ARGV[4])
local deadline_s = int(deadline)
local consumer = ARGV[5]
local token = ARGV[6]
local start_now = tonumber(ARGV[7]) or math.huge
-- Packed jobs stay packed while leased (packed-job.lua) when the caller completes them with
-- removeOnComplete: nothing of them is written until then, and then only the field goes.
-- Otherwise each gets its hash here, which its completion writes to anyway.
-- ARGV[8] is the fewest jobs of one pop worth it: the call's hash and the index cost about
-- what one job's hash does, so a pop of a job or two (an idle queue's pickup) writes their
-- hashes instead, and keeps the idle path as short as it was.
local pack_from = tonumber(ARGV[8])
-- Whether this pop's jobs stay packed (set per pop, below).
local pack_pop = false
-- The pair a job's lease HSET ends with [R27]: `k` '1' for a job held unstarted, `k` '0'
-- over an old mark of a job started now, nothing otherwise (a job never held has no `k`).
local HELD, CLEARED, UNMARKED = { 'k', '1' }, { 'k', '0' }, {}
-- The `b` field of every job this call leases (see queue.lua).
local delivery = now_s .. '|' .. deadline_s .. '|' .. token .. '|' .. consumer

-- Redis 7+ (REDIS_VERSION_NUM is new in 7.0, like LMPOP) pops from the highest non-empty
-- ready list in one command; 6.2 tries the lists one LPOP at a time. Either way, a
-- list above the current priority is empty: nothing in this script pushes to one.
local multi_pop = redis.REDIS_VERSION_NUM ~= nil

-- Nothing delayed, leased or paused (an idle queue): one EXISTS instead of three reads,
-- on the path of every idle pickup (docs/benchmarks/history.md, "Idle pickup").
if redis.call('EXISTS', K_DELAYED, K_LEASES, K_PAUSED) > 0 then
  housekeep(500)
  -- Paused [A13]: nothing is leased. Housekeeping above still ran, so due and reclaimed jobs
  -- wait in the ready lists; no wake time either: resuming leaves the marker.
  if redis.call('EXISTS', K_PAUSED) == 1 then
    return { now, -1, deadline }
  end
end
-- A first lease is a new deadline that blocked reserves must wake for, unless it is at
-- least MAX_BLOCK_MS long: no reserve blocks longer (src/reserve.ts), so every blocked one
-- wakes and looks again before it ends: an idle worker is not woken by its own lease.
local MAX_BLOCK_MS = 5000
local wake_for_lease = tonumber(ARGV[4]) < MAX_BLOCK_MS and redis.call('ZCARD', K_LEASES) == 0
local out = { now, -1, deadline }
local leases = {}
-- Lengths kept by hand: `#t` is a binary search on every append.
local out_n, leases_n = 3, 0
local taken = 0
-- Ids popped whose job was no longer waiting (cancelled), for the stale count.
local dropped = 0
-- Leases packed job `id` (packed-job.lua): waiting, attempt 1, no expiry, no extras but
-- maybe a schema fingerprint; without one, `<d> <input>` is already the reply's form.
-- Returns an empty table for the loop below.
local LEASED = {}
-- The packed jobs this call leases and leaves packed, and its call hash's fields: the
-- delivery, then the unique id of each one held unstarted -> '1' [R27].
local kept, kept_n = {}, 0
local call_fields = { 'b', delivery }
-- `<unique id>, <token>` of each, for the queue's index of jobs leased packed, after the
-- field that keeps it a hashtable (packed-job.lua).
local leased_fields = { LEASED_ENCODING, LEASED_ENCODING_VALUE }
local find, byte = string.find, string.byte
local function lease_packed(id, key, packed)
  -- Whether it has input (see packed_parts), without taking the value apart.
  local input = false
  if pack_pop then
    local space = find(packed, ' ', 1, true)
    input = space and (byte(packed, space + 1) ~= HASH_SIGN or find(packed, ' ', space + 2, true))
  end
  -- Never leased before: no old mark to clear.
  local held = taken >= start_now
  local written
  if input then
    kept[id] = true
    kept_n = kept_n + 1
    leased_fields[kept_n * 2 + 1], leased_fields[kept_n * 2 + 2] = id, token
    if held then
      local m = #call_fields
      call_fields[m + 1], call_fields[m + 2] = id, '1'
    end
  else
    local d, body, y = packed_parts(packed)
    input = body
    local mark = held and HELD or UNMARKED
    if y and body then
      written = redis.pcall('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d, 'i', body,
        'y', y, unpack(mark))
    elseif body then
      written = redis.pcall('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d, 'i', body,
        unpack(mark))
    else
      -- No input (see queue.lua): leased with what there is, and the client dead-letters it.
      written = redis.pcall('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d, unpack(mark))
    end
  end
  if type(written) == 'table' then
    unreadable(key, written.err)
    return LEASED
  end
  taken = taken + 1
  leases[leases_n + 1] = deadline_s
  leases[leases_n + 2] = lease_member(id, token)
  leases_n = leases_n + 2
  -- With a fingerprint, `packed` is `<d> #<schema> <input>`: the reply's compact form.
  if input then
    out[out_n + 1] = id .. ' ' .. packed
  else
    out[out_n + 1] = id
  end
  out[out_n + 2] = 1
  out_n = out_n + 2
  return LEASED
end
-- Ids of this call's batch that took the packed path (see the loop).
local seen_packed = {}
local priority = 9
while priority >= 0 and taken < max do
  local ids
  if multi_pop then
    local popped = redis.call('LMPOP', 10, KEYS[11], KEYS[10], KEYS[9], KEYS[8], KEYS[7], KEYS[6],
      KEYS[5], KEYS[4], KEYS[3], KEYS[2], 'LEFT', 'COUNT', max - taken)
    if popped then
      while priority > 0 and ready_key(priority) ~= popped[1] do priority = priority - 1 end
      ids = popped[2]
    else
      priority = -1
    end
  else
    ids = redis.call('LPOP', ready_key(priority), max - taken)
    if not ids then priority = priority - 1 end
  end
  if ids then
    -- pcall: the ids are popped already, and an error would lose the whole batch.
    local packed = redis.pcall('HMGET', K_PACKED, unpack(ids))
    if packed.err then
      unreadable(K_PACKED, packed.err)
      packed = {}
    end
    pack_pop = pack_from ~= nil and #ids >= pack_from
    for n, id in ipairs(ids) do
      local key = K_JOB .. id
      -- `packed` was read before the loop: an id popped twice in one batch (pushed again
      -- behind the transport's back) takes the per-key path the second time, which finds
      -- it leased and drops it.
      local first = packed[n] and not seen_packed[id]
      if first then seen_packed[id] = true end
      local f = first and lease_packed(id, key, packed[n])
        or redis.pcall('HMGET', key, 's', 'x', 'n', 'd', 'i', 'y', 'k')
      -- A job hash with no state (written behind the scripts' back) is leased as if waiting,
      -- and flagged, so that the client dead-letters it naming the field.
      -- (`not f[1]` first: a waiting job, the usual one, costs one test here.)
      local stateless = not f[1] and f ~= LEASED and not f.err
        and (f[2] or f[3] or f[4] or f[5] or f[6]) and true or false
      if f[1] == 'w' or stateless then
        -- An expiry that is no finite number (written behind the scripts' back: 'soon',
        -- '-inf') is leased: the client dead-letters it naming the field. Comparing 'soon'
        -- would fail the script with the ids already popped, and they would be lost.
        local expires = f[2] and tonumber(f[2])
        if expires and expires > -math.huge and expires <= now and not stateless then
          finish(id, key, 'e')
        else
          local mark = taken >= start_now and HELD or (f[7] == '1' and CLEARED or UNMARKED)
          taken = taken + 1
          local attempt = (tonumber(f[3]) or 0) + 1
          redis.call('HSET', key, 's', 'a', 'n', attempt == 1 and '1' or int(attempt), 'b', delivery,
            unpack(mark))
          leases[leases_n + 1] = deadline_s
          leases[leases_n + 2] = lease_member(id, token)
          leases_n = leases_n + 2
          if f[4] and f[5] then
            out[out_n + 1] = id .. ' ' .. f[4] .. ' ' .. f[5]
          else
            out[out_n + 1] = id
          end
          -- Input starting with '#' (never JSON) must not read as the compact form.
          if stateless then
            out[out_n + 2] = { attempt, f[6] or false, f[2] or false, 's' }
          elseif f[6] or f[2] or (f[5] and string.byte(f[5], 1) == HASH_SIGN) then
            out[out_n + 2] = { attempt, f[6] or false, f[2] or false }
          else
            out[out_n + 2] = attempt
          end
          out_n = out_n + 2
        end
      elseif f.err then
        unreadable(key, f.err)
      elseif f ~= LEASED then
        dropped = dropped + 1
      end
    end
    -- The packed jobs among them that got hashes of their own (or were dropped).
    local unpacked, unpacked_n = {}, 0
    for n = 1, #ids do
      if packed[n] and not (kept_n > 0 and kept[ids[n]]) then
        unpacked_n = unpacked_n + 1
        unpacked[unpacked_n] = ids[n]
      end
    end
    if unpacked_n > 0 then
      redis.call('HDEL', K_PACKED, unpack(unpacked, 1, unpacked_n))
    end
  end
end
if leases_n > 0 then
  redis.call('ZADD', K_LEASES, unpack(leases))
end
if kept_n > 0 then
  -- HINCRBY: a reserve run twice under one token (re-sent after a reconnect, see
  -- release-call.lua) counts the jobs of both runs.
  local key = call_key(token)
  redis.call('HSET', key, unpack(call_fields))
  redis.call('HINCRBY', key, 'n', kept_n)
  redis.call('HSET', K_LEASED, unpack(leased_fields))
end
drop_stale(dropped)
if taken == max then
  -- Jobs may remain: pass the wake-up on to the next blocked reserve.
  while priority >= 0 do
    if redis.call('LLEN', ready_key(priority)) > 0 then
      wake()
      break
    end
    priority = priority - 1
  end
end
if taken > 0 and wake_for_lease then
  wake()
end
flush()
if taken == 0 then out[2] = next_wake() end
return out
