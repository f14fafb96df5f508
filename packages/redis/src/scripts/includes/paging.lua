-- paging.lua: pages of jobs, newest first, for list-jobs.lua and find-by-index.lua (after
-- queue.lua, whose K_JOB, now and expired() it uses).
--
-- A page examines at most `budget` candidates (ids in a list or ZSET), whether they are
-- taken or skipped, so a call never does unbounded work; it ends with a cursor from which
-- the next call continues: the last candidate examined and its place.
-- - ZSETs go by score descending, the members of one score in descending byte order
--   (ZREVRANGE's order), and a cursor is (score, member): a page starts right after it
--   wherever that now is, so pages neither repeat nor skip while members come and go.
-- - Lists go from the tail, and a cursor is (offset from the tail, last element): when
--   pushes moved that element, LPOS finds it again within PAGE_REPAIR of its old place;
--   past that (or when it left the list) the page starts at the old offset, and a job may
--   show twice or be passed over.

-- Candidates read per ZREVRANGE or LRANGE.
local PAGE_STEP = 100
-- How far beyond its old offset a list cursor's element is looked for.
local PAGE_REPAIR = 10000

local page = {
  limit = 0,
  budget = 0,
  taken = 0,
  -- { unique, HGETALL fields, ... } of the jobs taken.
  jobs = {},
}

-- Byte-wise a < b. (Lua's own `<` on strings follows the server's collation locale, and
-- ZREVRANGE orders members by their bytes.)
local function bytes_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The task out of a `d` field: what follows its fourth '|' (see queue.lua).
local function task_of(d)
  return d and string.match(d, '^[^|]*|[^|]*|[^|]*|[^|]*|(.*)$')
end

-- Reads job `id` and takes it into the page when its state is one of `states` (a set of
-- state codes), it is not past its expiry, and (when `task` is given) it is of that task.
-- Returns true when taken, false when skipped, nil when the job is gone (no hash, or past
-- its expiry).
local function take(id, states, task, member)
  local key = K_JOB .. id
  if task then
    local f = redis.pcall('HMGET', key, 's', 'd', 'f')
    if f.err then return false end
    if not f[1] then
      local packed = packed_fields(id, member)
      if not packed then return nil end
      -- `d` follows `s` (waiting) or `s`, `n` and `b` (active).
      f = { packed[2], packed[member and 8 or 4] }
    end
    if expired(f[1], f[3]) then return nil end
    if not states[f[1]] or task_of(f[2]) ~= task then return false end
  end
  local fields = redis.pcall('HGETALL', key)
  if fields.err then return false end
  if #fields == 0 and member then
    fields = packed_fields(id, member, tonumber(redis.call('ZSCORE', K_LEASES, member))) or fields
  elseif #fields == 0 then
    fields = packed_fields(id) or fields
  end
  local state, finished
  for n = 1, #fields, 2 do
    if fields[n] == 's' then state = fields[n + 1] elseif fields[n] == 'f' then finished = fields[n + 1] end
  end
  if not state or expired(state, finished) then return nil end
  if not states[state] then return false end
  local jobs = page.jobs
  jobs[#jobs + 1] = id
  jobs[#jobs + 1] = fields
  page.taken = page.taken + 1
  return true
end

-- Whether the page may examine another candidate.
local function page_open()
  return page.taken < page.limit and page.budget > 0
end

-- The rank, in ZREVRANGE order, right after the cursor (score, member).
local function zset_rank_after(key, score, member)
  local current = redis.call('ZSCORE', key, member)
  if current and tonumber(current) == tonumber(score) then
    return redis.call('ZREVRANK', key, member) + 1
  end
  -- The member left: the first of its score that sorts below it, by binary search over
  -- the ranks of that score (O(log n) probes however many members share it).
  local low = redis.call('ZCOUNT', key, '(' .. score, '+inf')
  local high = low + redis.call('ZCOUNT', key, score, score)
  while low < high do
    local middle = math.floor((low + high) / 2)
    if bytes_less(redis.call('ZREVRANGE', key, middle, middle)[1], member) then
      high = middle
    else
      low = middle + 1
    end
  end
  return low
end

-- Pages a ZSET from the cursor (score, member; nil for the start). `candidate(member)`
-- examines one (see take()). Returns the cursor to continue from, (score, member), or nil
-- when the ZSET has no member after the last one examined.
local function zset_page(key, score, member, candidate)
  local rank = 0
  if member then rank = zset_rank_after(key, score, member) end
  while page_open() do
    local step = math.min(PAGE_STEP, page.budget)
    local items = redis.call('ZREVRANGE', key, rank, rank + step - 1, 'WITHSCORES')
    if #items == 0 then return nil end
    for i = 1, #items, 2 do
      page.budget = page.budget - 1
      rank = rank + 1
      candidate(items[i])
      score, member = items[i + 1], items[i]
      if not page_open() then break end
    end
  end
  if rank >= redis.call('ZCARD', key) then return nil end
  return score, member
end

-- Where a list page starts, counted from the tail: after `last`, which was `offset` from
-- the tail (see the header). 0 without a cursor.
local function list_offset_after(key, offset, last)
  if not last then return 0 end
  if offset > 0 and redis.call('LINDEX', key, -offset) == last then return offset end
  local at = redis.call('LPOS', key, last, 'RANK', -1, 'MAXLEN', offset + PAGE_REPAIR)
  if at then return redis.call('LLEN', key) - at end
  return offset
end

-- Pages a list from its tail, from the cursor (offset, last element; nil for the start).
-- `candidate(element)` examines one. Returns the cursor to continue from, or nil when the
-- list has nothing before the last element examined.
local function list_page(key, offset, last, candidate)
  offset = list_offset_after(key, offset, last)
  while page_open() do
    local step = math.min(PAGE_STEP, page.budget)
    local items = redis.call('LRANGE', key, -offset - step, -offset - 1)
    if #items == 0 then return nil end
    for i = #items, 1, -1 do
      page.budget = page.budget - 1
      offset = offset + 1
      candidate(items[i])
      last = items[i]
      if not page_open() then break end
    end
  end
  if offset >= redis.call('LLEN', key) then return nil end
  return offset, last
end
