-- packed-job.lua: waiting jobs stored as one field of the queue's hash (inlined by
-- queue.lua, where it says `--!include packed-job.lua`; uses K_JOB from there).

-- Packed jobs: a job that has only waited since it was enqueued, has no `x` field and no
-- `y` field but `[null,"<schema>"]` (a schema fingerprint alone, PACKED_SCHEMA), is one
-- field of this hash, unique id -> `<d> <input>`, or `<d> #<schema> <input>` with a
-- fingerprint (d and the fingerprint hold no space; JSON input never starts with '#'),
-- instead of a hash of its own: no key, object and listpack per job. The hash is the job
-- key prefix itself, which no job key equals (a unique id is never empty). A value with no
-- space (written behind the scripts' back) is a `d` without input, which the client refuses
-- as it would the hash.
--
-- A packed job stays packed through its first attempt: reserve leaves its field and adds
-- only its lease entry `<token> <unique id>` (creating, filling and deleting a hash per job
-- was about a quarter of Redis' work per job at concurrency 50; docs/benchmarks/history.md,
-- 7 Dec). So a packed job is waiting, or active while a lease entry names it ("leased
-- packed"). What reserve would have written to each job's hash is kept once per reserve
-- call, in the call's hash `<prefix>:{q}:c:<token>` (call_key): `b` the delivery string the
-- call's jobs share (`<startedAt>|<lease deadline at reserve>|<token>|<consumer>`), `n` how
-- many of its jobs are still leased packed (the hash goes at 0: leave_call), and a field per
-- job the worker holds unstarted, its unique id -> '1' (the `k` mark [R27]; renew deletes
-- it once the job starts). A job's lease entry is what says it is leased, and under which
-- token, as for any job. Any move but completing with removeOnComplete or a release first writes
-- the job to its own hash as an active job (unpack_job), and the rules go on from there as
-- for any job. A packed job's other first move, a cancel while it waits, writes it to its
-- own hash as waiting. The queue's hash `<prefix>:{q}:leased` (K_LEASED) maps each job
-- leased packed to its token, so that a read or move by id finds its lease at once. Its
-- field LEASED_ENCODING (a space: no unique id has one) holds a value longer than
-- hash-max-listpack-value (64 by default), so that Redis keeps the hash a hashtable: as a
-- listpack of a hundred entries, every insert and delete scanned and moved it, which cost
-- more than the job hashes it replaces. The hash goes when that field is all it holds.
local K_PACKED = K_JOB
local K_LEASED = string.sub(K_JOB, 1, -3) .. 'leased'
local LEASED_ENCODING = ' encoding'
local LEASED_ENCODING_VALUE = 'a value over 64 bytes keeps this hash in its hashtable encoding (packed-job.lua)'

-- Takes `ids[first..last]` out of the queue's index of jobs leased packed.
local function unindex_leased(ids, first, last)
  redis.call('HDEL', K_LEASED, unpack(ids, first, last))
  if redis.call('HLEN', K_LEASED) <= 1 then redis.call('DEL', K_LEASED) end
end

-- The `y` field a packed job may have: a schema fingerprint alone, with no character JSON
-- escapes and no space, so that `[null,"<schema>"]` is exactly what the client writes.
local PACKED_SCHEMA = '^%[null,"([^"\\%s%c]+)"%]$'
local HASH_SIGN = 35 -- '#'

-- A packed value's parts: d, then the input and the `y` field, each nil when absent.
local function packed_parts(packed)
  local space = string.find(packed, ' ', 1, true)
  if not space then return packed end
  local d = string.sub(packed, 1, space - 1)
  if string.byte(packed, space + 1) ~= HASH_SIGN then return d, string.sub(packed, space + 1) end
  local after = string.find(packed, ' ', space + 2, true)
  local y = '[null,"' .. string.sub(packed, space + 2, (after or 0) - 1) .. '"]'
  return d, after and string.sub(packed, after + 1), y
end

-- The hash of reserve call `token` (see above).
local function call_key(token)
  return string.sub(K_JOB, 1, -3) .. 'c:' .. token
end

-- Takes `count` jobs off call `token`'s count of leased packed jobs; its hash goes at 0.
local function leave_call(token, count)
  local key = call_key(token)
  if redis.call('HINCRBY', key, 'n', -count) <= 0 then redis.call('DEL', key) end
end

-- The lease entry and deadline of packed job `id` while it is leased, nil otherwise.
local function packed_lease(id)
  local token = redis.call('HGET', K_LEASED, id)
  if not token then return nil end
  local member = token .. ' ' .. id
  local deadline = redis.call('ZSCORE', K_LEASES, member)
  if not deadline then return nil end
  return member, tonumber(deadline)
end

-- The fields of packed job `id` as HGETALL gives a job's hash, or nil when it is not
-- packed: waiting, or active when `member` (its lease entry) is given, with the lease
-- `deadline` (nil: the one its reserve gave).
local function packed_fields(id, member, deadline)
  local packed = redis.call('HGET', K_PACKED, id)
  if not packed then return nil end
  local d, input, y = packed_parts(packed)
  local fields
  if member then
    local token = string.sub(member, 1, #member - #id - 1)
    local call = redis.call('HMGET', call_key(token), 'b', id)
    local started, reserved, consumer = string.match(call[1] or '', '^([^|]*)|([^|]*)|[^|]*|(.*)$')
    local delivery = (started or '') .. '|' .. (deadline and int(deadline) or reserved or '') .. '|'
      .. token .. '|' .. (consumer or '')
    fields = { 's', 'a', 'n', '1', 'b', delivery, 'd', d }
    if call[2] == '1' then
      fields[9] = 'k'
      fields[10] = '1'
    end
  else
    fields = { 's', 'w', 'd', d }
  end
  if input then
    fields[#fields + 1] = 'i'
    fields[#fields + 1] = input
  end
  if y then
    fields[#fields + 1] = 'y'
    fields[#fields + 1] = y
  end
  return fields
end

-- Writes packed job `id` to its own hash `key`: waiting, or active when `member` names its
-- lease (see packed_fields; its call's count goes down). False when it is not packed.
local function unpack_job(id, key, member, deadline)
  local fields = packed_fields(id, member, deadline)
  if not fields then return false end
  redis.call('HDEL', K_PACKED, id)
  redis.call('HSET', key, unpack(fields))
  if member then
    unindex_leased({ id }, 1, 1)
    leave_call(string.sub(member, 1, #member - #id - 1), 1)
  end
  return true
end
