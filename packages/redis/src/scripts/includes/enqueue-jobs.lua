-- enqueue-jobs.lua: the body of enqueue.lua, shared with fire-schedule.lua, which enqueues
-- a slot's job exactly as enqueue.lua does. Inlined after queue.lua by a script that has
-- set `FIRST_GROUP`, the ARGV index of its first group (enqueue.lua's header describes
-- ARGV[3], ARGV[4] and the groups; an empty producer's enqueuedAt means TIME, as
-- fire-schedule.lua sends it). Leaves `out`, the jobs not added (enqueue.lua's return
-- value), for the script to return or read.

--!include job-index.lua

local HEADER = '^(%d+) (%d+) (%S*) (%S*) (%S*) (%S*) (%S*) (%S*) (%S*) (.*)$'
-- Header flags (`more`), a sum of: 1 extras follow the header, 2 each job sends index
-- entries, 4 no job of the group is packed, 8 each job sends its map child index last.
local function has_flag(more, flag)
  return math.floor(more / flag) % 2 == 1
end
-- Arguments per job: unique id, input, then index entries (flag 2) and child index (flag 8).
local function job_stride(more)
  return 2 + (has_flag(more, 2) and 1 or 0) + (has_flag(more, 8) and 1 or 0)
end

-- Jobs that came due before this enqueue go first [R7].
housekeep(500)
local default_window = tonumber(ARGV[3])
local version = ARGV[4]
local out = {}
local any_ready = false
-- Ready ids per priority, pushed with one RPUSH per list at the end (order kept).
local ready = {}
-- One EXISTS over the whole batch: when none of its ids is stored (the usual case),
-- no job needs its own EXISTS. Ids repeated inside the batch are caught by `added`.
-- Lengths are counted by hand: Lua's # searches for the end of a table.
local keys = {}
local ids = {}
local key_count = 0
local argc = #ARGV
local a = FIRST_GROUP
while a <= argc do
  local count, more = string.match(ARGV[a], '^(%d+) (%d+)')
  more = tonumber(more)
  a = a + 1 + (has_flag(more, 1) and 3 or 0)
  local stride = job_stride(more)
  for _ = 1, tonumber(count) do
    key_count = key_count + 1
    keys[key_count] = K_JOB .. ARGV[a]
    ids[key_count] = ARGV[a]
    a = a + stride
  end
end

-- (task, field) pairs indexed by this call, for one SADD at the end.
local indexed, indexed_count = {}, 0
-- Adds job `id` to the index of each of its entries (see the header).
local function add_index(id, task, entries)
  local pos, size = 1, #entries
  while pos <= size do
    local length = string.match(entries, '^(%d+):', pos)
    if not length then return end
    local start = pos + #length + 1
    pos = start + tonumber(length)
    local field = string.sub(entries, start, pos - 1)
    length = string.match(entries, '^(%d+):', pos)
    if not length then return end
    start = pos + #length + 1
    pos = start + tonumber(length)
    local key = index_key(task, field, string.sub(entries, start, pos - 1))
    redis.call('ZADD', key, now_s, id)
    redis.call('ZREMRANGEBYRANK', key, 0, -INDEX_PER_VALUE - 1)
    redis.call('PEXPIRE', key, INDEX_TTL_MS)
    local pair = #task .. ':' .. task .. ':' .. field
    if not indexed[pair] then
      indexed[pair] = true
      indexed_count = indexed_count + 1
      indexed[indexed_count] = pair
    end
  end
end
local any_stored = key_count > 0 and redis.call('EXISTS', unpack(keys)) > 0
-- Whether each id of the batch is a packed job (queue.lua), read with one HMGET the first
-- time a job that is not packed itself needs to know; a packed one finds out by HSETNX.
local packed_now = nil
local function is_packed(n)
  if not packed_now then
    packed_now = {}
    for start = 1, key_count, 1000 do
      local got = redis.call('HMGET', K_PACKED, unpack(ids, start, math.min(start + 999, key_count)))
      for k = 1, #got do packed_now[start + k - 1] = got[k] end
    end
  end
  return packed_now[n]
end
local added = {}
local n = 0
local out_count = 0
-- Ready counts per priority, next to `ready`.
local ready_count = {}
a = FIRST_GROUP
while a <= argc do
  local count, more, priority, max_attempts, enqueued_at, expires_at, delay, run_at, window, task =
    string.match(ARGV[a], HEADER)
  a = a + 1
  local extras, idem, claim_prefix = '', nil, ''
  more = tonumber(more)
  local with_index = has_flag(more, 2)
  -- Flag 4: every job of the group gets its own hash (packWaitingJobs: false).
  local own_hash = has_flag(more, 4)
  -- Flag 8: a map's children; the extras hold `"child":-1`, each job's index replaces it.
  local with_child = has_flag(more, 8)
  local stride = job_stride(more)
  if has_flag(more, 1) then
    extras = ARGV[a]
    if ARGV[a + 1] ~= '' then
      idem = K_IDEM .. #task .. ':' .. task .. ':' .. ARGV[a + 1]
      claim_prefix = ARGV[a + 2] .. ' '
    end
    a = a + 3
  end
  -- Everything but the id and input is the same for the whole group: built once.
  local fields = {
    's', 'w',
    'd', version .. priority .. '|' .. max_attempts .. '|' .. now_s .. '|'
      .. int(now - (tonumber(enqueued_at) or now)) .. '|' .. task,
    'i', '',
  }
  -- The extras around a map child's index (flag 8): `y` is y_head .. index .. y_tail.
  local y_head, y_tail
  if with_child then
    y_head, y_tail = string.match(extras, '^(.*"child":)%-1(.*)$')
    if not y_head then
      error('conveyor: enqueue group ' .. a .. ' has flag 8 but no "child":-1 in its extras')
    end
  end
  if extras ~= '' then
    fields[#fields + 1] = 'y'
    fields[#fields + 1] = extras
  end
  if expires_at ~= '' then
    fields[#fields + 1] = 'x'
    fields[#fields + 1] = expires_at
  end
  local plain = #fields == 6
  -- A `y` holding a schema fingerprint alone is packed too, as `#<schema>` (queue.lua).
  local packed_schema = expires_at == '' and string.match(extras, PACKED_SCHEMA)
  local d = fields[4]
  local due = nil
  if delay ~= '' then
    due = now + tonumber(delay)
  elseif run_at ~= '' then
    due = tonumber(run_at)
  end
  local delayed = due and due > now
  if delayed then fields[2] = 'd' end
  -- A ready job without `x`, and without `y` or with a fingerprint alone, is packed:
  -- `<d> <input>` or `<d> #<schema> <input>` in K_PACKED (see queue.lua), unless its task
  -- holds a space (only a raw transport.enqueue caller can send one) or the producer asked
  -- for own hashes.
  local packs = (plain or packed_schema) and not delayed and not own_hash
    and not string.find(task, ' ', 1, true)
  local packed_d = packed_schema and d .. ' #' .. packed_schema .. ' ' or d .. ' '
  priority = tonumber(priority)
  local list = ready[priority]
  if not delayed and not list then
    list = {}
    ready[priority] = list
    ready_count[priority] = 0
  end
  local listed = ready_count[priority]
  local idem_window = tonumber(window) or default_window
  for _ = 1, tonumber(count) do
    n = n + 1
    local id = ARGV[a]
    local input = ARGV[a + 1]
    local entries = with_index and ARGV[a + 2]
    if with_child then fields[8] = y_head .. ARGV[a + stride - 1] .. y_tail end
    a = a + stride
    local existing, fingerprint = false, ''
    if idem then
      local claim = redis.call('GET', idem)
      if claim then
        -- `<fingerprint> <unique id>`; a bare id is a claim without one.
        local f, claimed = string.match(claim, '^(%S*) (.*)$')
        if f then
          existing, fingerprint = claimed, f
        else
          existing = claim
        end
      end
    end
    local key = keys[n]
    if not existing and (added[id] or (any_stored and redis.call('EXISTS', key) == 1)) then
      existing = id
    end
    -- Input that is not JSON but starts with '#' would read as a fingerprint: own hash.
    local pack = packs and (packed_schema or string.byte(input, 1) ~= HASH_SIGN)
    if not existing then
      if pack then
        if redis.call('HSETNX', K_PACKED, id, packed_d .. input) == 0 then existing = id end
      elseif is_packed(n) then
        existing = id
      end
    end
    if existing then
      out[out_count + 1] = n - 1
      out[out_count + 2] = existing
      out[out_count + 3] = fingerprint
      out_count = out_count + 3
    else
      if pack then
        -- Written by the HSETNX above.
      elseif plain then
        redis.call('HSET', key, 's', fields[2], 'd', d, 'i', input)
      else
        fields[6] = input
        redis.call('HSET', key, unpack(fields))
      end
      if delayed then
        make_delayed(id, key, due)
      else
        listed = listed + 1
        list[listed] = id
        any_ready = true
      end
      if idem and idem_window > 0 then
        redis.call('SET', idem, claim_prefix .. id, 'PX', int(idem_window))
      end
      if entries then add_index(id, task, entries) end
      added[id] = true
    end
  end
  if listed then ready_count[priority] = listed end
end
for priority, ids in pairs(ready) do
  if #ids > 0 then
    redis.call('RPUSH', ready_key(priority), unpack(ids))
  end
end
if any_ready then
  wake()
end
if indexed_count > 0 then
  redis.call('SADD', K_INDEXED, unpack(indexed, 1, indexed_count))
  redis.call('PEXPIRE', K_INDEXED, INDEX_TTL_MS)
end
