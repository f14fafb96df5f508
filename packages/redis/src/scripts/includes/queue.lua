-- queue.lua: shared by every script (inlined where a script says `--!include queue.lua`).
--
-- Every script takes the same 21 KEYS, all of one queue and so all with its hash tag
-- `{<queue>}` (see src/keys.ts):
--   KEYS[1]      job key prefix    `<prefix>:{q}:j:`; a job's hash is this plus the id's unique part,
--                                  and this key itself is the hash of packed jobs (K_PACKED, packed-job.lua)
--   KEYS[2..11]  ready lists       `<prefix>:{q}:w0` .. `w9`, one per priority, FIFO
--   KEYS[12]     delayed ZSET      member unique part, score due time (ms)
--   KEYS[13]     leases ZSET       member `<token> <unique part>` (lease_member), score lease deadline (ms)
--   KEYS[14]     marker LIST       holds one element while jobs may be ready (blocking pickup)
--   KEYS[15]     dead ZSET         member unique part, score dead-letter sequence number
--   KEYS[16]     finished LIST     `<expiry> <unique part>` of completed/failed/cancelled/expired jobs,
--                                  oldest first, for the count and age bounds (see finish())
--   KEYS[17]     watched SET       ids someone waits on; also the channel their finish is published on
--   KEYS[18]     idempotency claim prefix `<prefix>:{q}:i:`; a claim is this plus
--                `<task length>:<task>:<key>` holding `<input fingerprint> <unique part>`
--   KEYS[19]     sequence STRING   orders the dead-letter set
--   KEYS[20]     index key prefix  `<prefix>:{q}:x:`; an index is this plus
--                `<task length>:<task>:<field length>:<field>:<value>`, a ZSET of the unique
--                parts of the newest jobs with that input value, scored by enqueue time
--                (enqueue.lua writes it only for jobs sent with index entries)
--   KEYS[21]     indexed SET       `<task length>:<task>:<field>` of every (task, field) indexed
-- Derived from KEYS[1], in the same slot: `<prefix>:{q}:paused` (K_PAUSED below), and a
-- reserve call's hash `<prefix>:{q}:c:<token>` for its jobs leased packed, and their index
-- by id `<prefix>:{q}:leased` (packed-job.lua).
-- and starts ARGV with:
--   ARGV[1] default result TTL (ms), ARGV[2] finished jobs kept per queue (0: no count bound)
--
-- Job hash fields (src/wire/job-hash.ts reads and writes the same; the README's "Job hash"
-- table): s state (w waiting, d delayed, a active, c completed, f failed, x dead,
-- n cancelled, e expired), d the fixed part `<version><priority>|<maxAttempts>|<enqueuedAt>|
-- <offset of the producer's enqueuedAt back from enqueuedAt>|<task>` (one field instead
-- of five keeps a small job's listpack small; the version is the job format version, absent
-- on jobs stored before it was, and the priority the one digit before the first '|'),
-- i input (JSON), y [idempotencyKey, schema, workflow?] (JSON, when set), x expiresAt (when set),
-- n attempts, b the delivery `<startedAt>|<lease deadline>|<token>|<consumer>` (one field:
-- reserve writes the same string to every job of a call, whose jobs share one token; the
-- client tells them apart by a suffix it strips before sending a token back), u dueAt,
-- r cancel requested, g progress, o result, e error, f `<finishedAt> <expiry>` (finishedAt
-- alone on dead jobs, and on all of them without a count bound), h the attempts that ended
-- in an error, one JSON record `{"attempt":…,"startedAt":…,"endedAt":…,"error":…}` per
-- line, the newest HISTORY_LIMIT (written only on error paths: history_with in
-- attempt-history.lua), k '1' while the job is held unstarted by the worker that leased it
-- (reserve.lua writes it, renew.lua deletes it once the job starts; '0' or absent: started),
-- z how many times an expired lease of it was not counted because it had not started
-- (reclaim.lua) [R27].

local K_JOB = KEYS[1]
local K_DELAYED = KEYS[12]
local K_LEASES = KEYS[13]
local K_MARKER = KEYS[14]
local K_DEAD = KEYS[15]
local K_FINISHED = KEYS[16]
local K_WATCHED = KEYS[17]
local K_IDEM = KEYS[18]
local K_SEQ = KEYS[19]
local K_INDEX = KEYS[20]
local K_INDEXED = KEYS[21]
-- Exists while the queue is paused (pause-queue.lua) [A13]: `<prefix>:{q}:paused`, next to
-- the queue's keys and in their slot, derived from the job key prefix `<prefix>:{q}:j:`.
local K_PAUSED = string.sub(K_JOB, 1, -3) .. 'paused'

local default_ttl = tonumber(ARGV[1])
local keep_finished = tonumber(ARGV[2])
-- Retention is enforced in steps of this many, one LPOP and one DEL each.
local TRIM_STEP = 100
-- Whether anyone waits on a job of this queue: read at a call's first finish, once (a
-- call that finishes nothing, as most enqueues and reserves, does not ask); with nobody
-- waiting, finishes publish nothing.
local anyone_watching = nil
local function watching()
  if anyone_watching == nil then anyone_watching = redis.call('EXISTS', K_WATCHED) == 1 end
  return anyone_watching
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

-- A whole number as a string. Lua turns numbers passed to redis.call into strings with
-- "%.14g", whose floating-point digit loop was about a sixth of Redis' instructions per
-- job; "%d" is a plain integer conversion. Hot paths pass strings made here.
local function int(n)
  return string.format('%d', n)
end
local now_s = int(now)

local function ready_key(priority)
  return KEYS[2 + priority]
end

-- Leaves one element in the marker list so that a blocked reserve wakes up. Once per call:
-- nothing pops the marker while a script runs (blocked clients are served after it), so
-- a promotion or retry of many jobs checks it once, not once per job.
local woken = false
local function wake()
  if woken then return end
  woken = true
  if redis.call('LLEN', K_MARKER) == 0 then
    redis.call('LPUSH', K_MARKER, '1')
  end
end

--!include packed-job.lua

-- Priority and maxAttempts out of the `d` field, `<version><priority>|<maxAttempts>|…`
-- (`<priority>|…` on a job stored without a version).
local function job_priority(d)
  local bar = string.find(d or '', '|', 1, true)
  return bar and tonumber(string.sub(d, bar - 1, bar - 1)) or 0
end
local function job_max_attempts(d)
  return tonumber(string.match(d or '', '^%d+|([^|]*)|')) or 1
end

-- Puts a job's id on its ready list (at the head for a release) and wakes a reserve.
local function push_ready(id, d, head)
  if head then
    redis.call('LPUSH', ready_key(job_priority(d)), id)
  else
    redis.call('RPUSH', ready_key(job_priority(d)), id)
  end
  wake()
end

local function make_waiting(id, key, head)
  local d = redis.call('HGET', key, 'd')
  redis.call('HSET', key, 's', 'w')
  redis.call('HDEL', key, 'u')
  push_ready(id, d, head)
end

local function make_delayed(id, key, due)
  -- Rounded up: a fractional delay must never make the job due early [R4].
  local due_s = int(math.ceil(due))
  redis.call('HSET', key, 's', 'd', 'u', due_s)
  redis.call('ZADD', K_DELAYED, due_s, id)
  -- A new earliest due time shortens every blocked reserve's wait.
  local first = redis.call('ZRANGE', K_DELAYED, 0, 0)
  if first[1] == id then
    redis.call('LPUSH', K_MARKER, '1')
    redis.call('LTRIM', K_MARKER, 0, 0)
  end
end

-- Work deferred to flush(): ids whose lease ZSET entry goes, ids that join the finished
-- list. One ZREM and one RPUSH per script call instead of one per job.
local ended_leases = {}
local newly_finished = {}

-- The token out of the `b` field (nil when there is none).
local function delivery_token(delivery)
  return string.match(delivery or '', '^[^|]*|[^|]*|([^|]*)|')
end

-- A delivery's entry in the leases ZSET. It carries the token, so that a batch of
-- settlements checks token and deadline of every job with one ZREM (or one ZMSCORE; see
-- settle.lua): an entry exists exactly while its job is active under that token.
-- Tokens never contain a space.
local function lease_member(id, token)
  return token .. ' ' .. id
end

-- Forgets the current delivery of an active job. Its token, lease and consumer fields
-- stay (they only count while the state is active): one call fewer per settle. The
-- ZREM waits for flush(): nothing re-leases the same job before it in one script.
local function end_delivery(member)
  ended_leases[#ended_leases + 1] = member
end

-- The expiry of a finished-list entry; an entry without one (plain id) is due now.
local function entry_expiry(entry)
  return tonumber(string.match(entry, '^(%d+) ')) or 0
end

-- Deletes the oldest finished jobs, in list order, at most `budget` of them: while the list
-- is `slack` or more over the count bound, the oldest whatever their expiry; then the
-- leading entries whose expiry has come. `length` is the list's length (-1: unknown, the
-- count is not checked). Finished jobs never become unfinished, so their ids are safe to
-- delete. Returns how many it deleted.
local function trim_finished(length, budget, slack)
  local deleted = 0
  while deleted < budget do
    local step = math.min(TRIM_STEP, budget - deleted)
    local take
    if keep_finished > 0 and length - keep_finished >= slack then
      take = math.min(step, length - keep_finished)
    else
      local head = redis.call('LINDEX', K_FINISHED, 0)
      if not head or entry_expiry(head) > now then break end
      local oldest = redis.call('LRANGE', K_FINISHED, 0, step - 1)
      take = 1
      while take < #oldest and entry_expiry(oldest[take + 1]) <= now do
        take = take + 1
      end
    end
    local ids = redis.call('LPOP', K_FINISHED, take)
    if not ids then break end
    for n = 1, #ids do
      ids[n] = K_JOB .. string.sub(ids[n], (string.find(ids[n], ' ', 1, true) or 0) + 1)
    end
    redis.call('DEL', unpack(ids))
    deleted = deleted + #ids
    if length >= 0 then length = length - #ids end
  end
  return deleted
end

-- Applies the deferred ZREM and RPUSH, and enforces the bounds on finished jobs in a call
-- that finished some (trim_finished). housekeep() flushes on its own; a script that ends
-- deliveries or finishes jobs itself calls flush() before it returns. A call that finished
-- nothing trims nothing: the sweep (sweep.lua, every second on a worker's queues) deletes
-- what expires in between, and readers treat an expired job as gone (expired()).
local function flush()
  for start = 1, #ended_leases, 1000 do
    redis.call('ZREM', K_LEASES, unpack(ended_leases, start, math.min(start + 999, #ended_leases)))
  end
  ended_leases = {}
  local added = #newly_finished
  if added == 0 then return end
  local length = -1
  for start = 1, added, 1000 do
    length = redis.call('RPUSH', K_FINISHED, unpack(newly_finished, start, math.min(start + 999, added)))
  end
  newly_finished = {}
  -- At most one step more than this call added, and the count only once it is a step
  -- over, so that no call does work out of proportion to its batch. The sweep
  -- (sweep.lua) deletes the rest.
  trim_finished(length, (math.floor(added / TRIM_STEP) + 1) * TRIM_STEP, TRIM_STEP)
end

-- Moves a job to a final state. Dead jobs join the dead-letter set and stay until retried
-- or purged. The others expire `ttl` ms (a string from ARGV) after now, or the default
-- TTL: with a count bound, their finished-list entry `<expiry> <id>` carries the expiry
-- and flush() deletes them in list order (no key TTL: a PEXPIRE per job, and the expires
-- entry every later lookup of the key checks, were a tenth of Redis' work per job);
-- without one, through a key TTL. `f` is `<finishedAt>` or `<finishedAt> <expiry>`, and
-- readers treat a job past its expiry as gone (see expired()).
-- `result` (JSON) is stored with the state when given. Returns HSET's count of new fields.
local expiries, finished_fields = {}, {} -- per TTL: the expiry and `f` strings of this call
-- Publishes that job `id` ended, when someone waits on it (result(), waitFor): the message
-- is `id`, or `id C` for a job completed and deleted at once (removeOnComplete), whose
-- waiters can read no record. watching() inlined: this runs once per job of a settle.
local function tell_watchers(id, removed)
  if anyone_watching == nil then anyone_watching = redis.call('EXISTS', K_WATCHED) == 1 end
  if anyone_watching and redis.call('SREM', K_WATCHED, id) == 1 then
    redis.call('PUBLISH', K_WATCHED, removed and (id .. ' C') or id)
  end
end

local function finish(id, key, state, ttl, result)
  local f = now_s
  local expiry
  if state ~= 'x' and keep_finished > 0 then
    ttl = ttl or ARGV[1]
    expiry = expiries[ttl]
    if expiry then
      f = finished_fields[ttl]
    else
      expiry = int(now + tonumber(ttl))
      f = now_s .. ' ' .. expiry
      expiries[ttl], finished_fields[ttl] = expiry, f
    end
  end
  local added
  if result then
    added = redis.call('HSET', key, 's', state, 'f', f, 'o', result)
  else
    added = redis.call('HSET', key, 's', state, 'f', f)
  end
  if state == 'x' then
    redis.call('ZADD', K_DEAD, redis.call('INCR', K_SEQ), id)
  elseif expiry then
    newly_finished[#newly_finished + 1] = expiry .. ' ' .. id
  else
    redis.call('PEXPIRE', key, ttl or ARGV[1])
  end
  tell_watchers(id)
  return added
end

-- Whether a job whose `s` and `f` fields are given is past its expiry (see finish()): its
-- hash may outlive that until flush() reaches its finished-list entry, but it is gone.
local function expired(state, f)
  if state == 'w' or state == 'd' or state == 'a' or state == 'x' or not f then return false end
  local expiry = tonumber(string.match(f, ' (%d+)$'))
  return expiry ~= nil and expiry <= now
end

-- A job key that is not a hash (overwritten behind the scripts' back) can be neither read,
-- finished nor dead-lettered: its id is dropped, like the id of a job that is gone, with a
-- warning in the Redis log. Scripts read job keys taken from lists and sets with
-- redis.pcall: an error raised mid-script keeps the writes before it (ids popped) and
-- skips the rest of the call's work.
local function unreadable(key, err)
  redis.log(redis.LOG_WARNING, 'conveyor: dropped the id of ' .. key .. ', which is not a job hash: ' .. tostring(err))
end

-- For scripts that read one job asked for by id: an error reply when its key holds something
-- other than a job hash (written behind the scripts' back), nil otherwise. The CORRUPT code
-- becomes the client's failure 'CORRUPT' (src/errors.ts).
local function corrupt_job_key(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'hash' and kind ~= 'none' then
    return redis.error_reply('CORRUPT ' .. key .. ' holds a ' .. kind .. ', not a job hash')
  end
  return nil
end

--!include attempt-history.lua

--!include reclaim.lua

-- Promotes due delayed jobs and reclaims expired leases, up to `limit` of each, merged
-- by time so that jobs join their lists in the order they became ready [R7].
local function housekeep(limit)
  -- Nothing delayed and nothing leased (an idle queue): one EXISTS instead of two reads.
  if redis.call('EXISTS', K_DELAYED, K_LEASES) == 0 then return flush() end
  local due = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now_s, 'WITHSCORES', 'LIMIT', 0, limit)
  local expired = redis.call('ZRANGEBYSCORE', K_LEASES, '-inf', now_s, 'WITHSCORES', 'LIMIT', 0, limit)
  local i, j = 1, 1
  while i <= #due or j <= #expired do
    local take_due = j > #expired or (i <= #due and tonumber(due[i + 1]) <= tonumber(expired[j + 1]))
    if take_due then
      local id = due[i]
      i = i + 2
      redis.call('ZREM', K_DELAYED, id)
      local key = K_JOB .. id
      local state = redis.pcall('HGET', key, 's')
      if state == 'd' then
        make_waiting(id, key, false)
      elseif type(state) == 'table' then
        unreadable(key, state.err)
      end
    else
      local member = expired[j]
      j = j + 2
      local space = string.find(member, ' ', 1, true) or 0
      local id = string.sub(member, space + 1)
      local key = K_JOB .. id
      local f = redis.pcall('HMGET', key, 's', 'b')
      -- A job leased packed under this entry (packed-job.lua) gets its hash first.
      if not f[1] and not f.err and redis.call('HGET', K_LEASED, id) == string.sub(member, 1, space - 1)
        and unpack_job(id, key, member, tonumber(expired[j - 1])) then
        f = { 'a', redis.call('HGET', key, 'b') }
      end
      if f[1] == 'a' and delivery_token(f[2]) == string.sub(member, 1, space - 1) then
        reclaim(id, key, member)
      else
        -- A member left behind would stay first in the leases and fail every later call.
        if f.err then unreadable(key, f.err) end
        end_delivery(member)
      end
    end
  end
  flush()
end

-- The lease deadline out of the `b` field (nil when there is none).
local function lease_deadline(delivery)
  return tonumber(string.match(delivery or '', '^[^|]*|([^|]*)|'))
end

-- Reclaims one job's lease if it has run out, whatever the batch limit left behind.
local function settle_lease(id, key)
  local f = redis.call('HMGET', key, 's', 'b')
  if not f[1] then
    local member, deadline = packed_lease(id)
    if not (member and deadline <= now and unpack_job(id, key, member, deadline)) then return end
    f = redis.call('HMGET', key, 's', 'b')
  end
  local deadline = lease_deadline(f[2])
  if f[1] == 'a' and deadline and deadline <= now then
    reclaim(id, key, lease_member(id, delivery_token(f[2])))
  end
end

-- Earliest moment something may become ready: a due time or a lease deadline (-1: none).
local function next_wake()
  local at = -1
  local due = redis.call('ZRANGE', K_DELAYED, 0, 0, 'WITHSCORES')
  if due[2] then at = tonumber(due[2]) end
  local lease = redis.call('ZRANGE', K_LEASES, 0, 0, 'WITHSCORES')
  if lease[2] and (at < 0 or tonumber(lease[2]) < at) then at = tonumber(lease[2]) end
  return at
end
