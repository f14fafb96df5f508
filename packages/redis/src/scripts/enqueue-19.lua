-- enqueue-19.lua: adds a batch of jobs to one queue [R3, R4, R5].
--
-- KEYS: the 19 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] default dedupe window (ms),
--       then 12 per job: unique id, task, input JSON, producer's enqueuedAt,
--       [idempotencyKey, schema] JSON or '', priority, maxAttempts, expiresAt or '',
--       delayMs or '', runAt or '', idempotency key or '', dedupe window or ''.
-- Returns: one string per job: '' when added, else the unique id of the job it
--          duplicates (an earlier job holding its idempotency key, or itself when the
--          id is already stored).

--!include queue.lua

-- Jobs that came due before this enqueue go first [R7].
housekeep(500)
local default_window = tonumber(ARGV[3])
local out = {}
local any_ready = false
-- Ready ids per priority, pushed with one RPUSH per list at the end (order kept).
local ready = {}
-- One EXISTS over the whole batch: when none of its ids is stored (the usual case),
-- no job needs its own EXISTS. Ids repeated inside the batch are caught by `added`.
local keys = {}
for base = 4, #ARGV, 12 do
  keys[#keys + 1] = K_JOB .. ARGV[base]
end
local any_stored = #keys > 0 and redis.call('EXISTS', unpack(keys)) > 0
local added = {}
local n = 0
for base = 4, #ARGV, 12 do
  n = n + 1
  local id = ARGV[base]
  local idem = ARGV[base + 10]
  local existing = false
  if idem ~= '' then
    existing = redis.call('GET', K_IDEM .. idem)
  end
  local key = keys[n]
  if not existing and (added[id] or (any_stored and redis.call('EXISTS', key) == 1)) then
    existing = id
  end
  if existing then
    out[n] = existing
  else
    local priority = tonumber(ARGV[base + 5])
    -- `s` first: it is the field scripts look up most (listpack lookups are linear).
    local fields = {
      's', 'w',
      'd', ARGV[base + 5] .. '|' .. ARGV[base + 6] .. '|' .. now_s .. '|'
        .. int(now - tonumber(ARGV[base + 3])) .. '|' .. ARGV[base + 1],
      'i', ARGV[base + 2],
    }
    if ARGV[base + 4] ~= '' then
      fields[#fields + 1] = 'y'
      fields[#fields + 1] = ARGV[base + 4]
    end
    if ARGV[base + 7] ~= '' then
      fields[#fields + 1] = 'x'
      fields[#fields + 1] = ARGV[base + 7]
    end
    local due = nil
    if ARGV[base + 8] ~= '' then
      due = now + tonumber(ARGV[base + 8])
    elseif ARGV[base + 9] ~= '' then
      due = tonumber(ARGV[base + 9])
    end
    if due and due > now then
      fields[2] = 'd'
      redis.call('HSET', key, unpack(fields))
      make_delayed(id, key, due)
    else
      redis.call('HSET', key, unpack(fields))
      local list = ready[priority]
      if not list then
        list = {}
        ready[priority] = list
      end
      list[#list + 1] = id
      any_ready = true
    end
    if idem ~= '' then
      local window = tonumber(ARGV[base + 11]) or default_window
      if window > 0 then
        redis.call('SET', K_IDEM .. idem, id, 'PX', int(window))
      end
    end
    added[id] = true
    out[n] = ''
  end
end
for priority, ids in pairs(ready) do
  redis.call('RPUSH', ready_key(priority), unpack(ids))
end
if any_ready then
  wake()
end
return out
