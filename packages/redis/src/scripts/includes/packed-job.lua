-- packed-job.lua: waiting jobs stored as one field of the queue's hash (inlined by
-- queue.lua, where it says `--!include packed-job.lua`; uses K_JOB from there).

-- Packed jobs: a job that has only waited since it was enqueued, has no `x` field and no
-- `y` field but `[null,"<schema>"]` (a schema fingerprint alone, PACKED_SCHEMA), is one
-- field of this hash, unique id -> `<d> <input>`, or `<d> #<schema> <input>` with a
-- fingerprint (d and the fingerprint hold no space; JSON input never starts with '#'),
-- instead of a hash of its own: no key, object and listpack per job. The hash is the job
-- key prefix itself, which no job key equals (a unique id is never empty). A packed job is
-- waiting; its first move (reserve, cancel) writes it to its own hash, `s` `w` `d` `i`
-- (and `y`) as an unpacked job has them, and removes the field. A value with no space
-- (written behind the scripts' back) is a `d` without input, which the client refuses as
-- it would the hash.
local K_PACKED = K_JOB

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

-- The fields of packed job `id` as HGETALL gives a job's hash, or nil when it is not packed.
local function packed_fields(id)
  local packed = redis.call('HGET', K_PACKED, id)
  if not packed then return nil end
  local d, input, y = packed_parts(packed)
  local fields = { 's', 'w', 'd', d }
  if input then
    fields[5] = 'i'
    fields[6] = input
  end
  if y then
    fields[#fields + 1] = 'y'
    fields[#fields + 1] = y
  end
  return fields
end

-- Writes packed job `id` to its own hash `key`; false when it is not packed.
local function unpack_job(id, key)
  local fields = packed_fields(id)
  if not fields then return false end
  redis.call('HDEL', K_PACKED, id)
  redis.call('HSET', key, unpack(fields))
  return true
end
