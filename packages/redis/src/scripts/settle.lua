-- settle.lua: ends deliveries of one queue's jobs [R12..R16, R18].
--
-- A settlement applies only while its token holds the job and the lease is valid.
-- A cancel requested during the run turns fail, retry and release into cancelled.
-- Jobs released in one call go back to the head of their levels in the call's order.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, then groups of consecutive settlements
--       that share type, number and token: a header `<type><number> <token> <count>`, then
--       one argument per settlement, `<unique id>` or `<unique id> <text>`
--       (src/wire/script-calls.ts, settleArgs), so that a job costs one plain find for a
--       space, not a pattern match. Type is
--       'c' complete (text: result JSON, none for no result, number: TTL or ''),
--       'C' complete and delete the job at once (removeOnComplete; no text or number),
--       'f' fail / 'F' fail to dead-letter (text: error JSON, number: TTL or ''),
--       'r' retry (text: error JSON, number: delay ms), 'l' release (no text). An error
--       text may go on with a newline and the error as the attempt history keeps it.
--       Tokens and ids hold no space, so `<token> <unique id>` is the lease member
--       (lease_member).
-- Fail and retry add the attempt to the job's history (`h`); complete does not touch it.
-- Returns: a string with one character per settlement: '1' ok, '0' stale (one reply
--          element, not one per settlement).

--!include queue.lua

local find, sub = string.find, string.sub
local kinds, numbers, members, ids, texts, tokens = {}, {}, {}, {}, {}, {}
-- Per token: whether its reserve call left jobs packed (packed-job.lua: its call hash
-- exists), read once per group header's new token.
local packed_calls = {}
-- Whether any of them did: without, no settlement looks for a packed value.
local any_packed = false
local n = 0
local at = 3
while at <= #ARGV do
  local kind, number, token, size = string.match(ARGV[at], '^(.)([^ ]*) ([^ ]*) (%d+)$')
  size = tonumber(size)
  if not size or at + size > #ARGV then
    error('conveyor: settle argument ' .. at .. ' is not a group header of the arguments after it')
  end
  local prefix = token .. ' '
  if packed_calls[token] == nil then
    packed_calls[token] = redis.call('EXISTS', call_key(token)) == 1
    any_packed = any_packed or packed_calls[token]
  end
  for a = at + 1, at + size do
    local arg = ARGV[a]
    local space = find(arg, ' ', 1, true)
    local id, text = arg, ''
    if space then id, text = sub(arg, 1, space - 1), sub(arg, space + 1) end
    n = n + 1
    kinds[n], numbers[n], members[n], ids[n], texts[n] = kind, number, prefix .. id, id, text
    tokens[n] = token
  end
  at = at + 1 + size
end
-- Which settlements hold a valid lease. A lease entry exists exactly while its job is
-- active under that token (see lease_member), so:
-- - with no expired entry in the set (one ZCOUNT), one ZREM of the batch's members ends
--   every delivery; when it removed as many as the batch has settlements, each was valid
--   (and none came twice). A ZMSCORE, whose reply formats each score as a double, and a
--   table of the members seen are the costs saved.
-- - when it removed fewer (a stale ack or a repeat in the batch), each job's own state
--   tells which were valid: active under the settlement's token (for a job leased packed,
--   its token in the queue's index of them, packed-job.lua), and first in the batch.
-- - when some lease has expired but is not yet reclaimed, one ZMSCORE checks token and
--   deadline of the whole batch, and the ZREM is deferred to flush().
-- A delivery settled twice in one batch is stale the second time.
local valid = {}
local count = #members
if count > 0 then
  local seen = {}
  if redis.call('ZCOUNT', K_LEASES, '-inf', now_s) == 0 then
    local removed = 0
    for start = 1, count, 1000 do
      removed = removed + redis.call('ZREM', K_LEASES, unpack(members, start, math.min(start + 999, count)))
    end
    for n = 1, count do
      if removed == count then
        valid[n] = true
      elseif members[n] == '' or seen[members[n]] then
        valid[n] = false
      else
        seen[members[n]] = true
        -- pcall: the leases are ended already; a key that is not a hash is stale.
        local f = redis.pcall('HMGET', K_JOB .. ids[n], 's', 'b')
        if f[1] or f.err then
          valid[n] = f[1] == 'a' and delivery_token(f[2]) == tokens[n]
        else
          -- A job leased packed under this token (packed-job.lua).
          valid[n] = packed_calls[tokens[n]] and redis.call('HGET', K_LEASED, ids[n]) == tokens[n]
        end
      end
    end
  else
    local deadlines = redis.call('ZMSCORE', K_LEASES, unpack(members))
    for n = 1, count do
      local deadline = tonumber(deadlines[n])
      valid[n] = deadline ~= nil and deadline > now and not seen[members[n]]
      if valid[n] then
        seen[members[n]] = true
        end_delivery(members[n])
      end
    end
  end
end

local out = {}
-- Released jobs, `<id>, <d field>` pairs in the call's order (see the end).
local released = {}
-- Leased packed jobs (packed-job.lua) this call ends. Completed with removeOnComplete
-- ('C'), by token, with their job keys: one HDEL per token says whether every one was
-- packed (a job with a hash of its own is deleted with its key). Ended otherwise: they get
-- their own hash here, and leave the packed hash (one HDEL) and their calls' counts at the
-- end.
local removed_tokens, removed_ids, removed_keys = {}, {}, {}
local left_ids, left_tokens, left_counts = {}, {}, {}
local function apply_removals()
  for _, token in ipairs(removed_tokens) do
    local group, keys = removed_ids[token], removed_keys[token]
    for start = 1, #group, 1000 do
      local last = math.min(start + 999, #group)
      local gone = 0
      if packed_calls[token] then
        gone = redis.call('HDEL', K_PACKED, unpack(group, start, last))
        unindex_leased(group, start, last)
      end
      if gone < last - start + 1 then redis.call('DEL', unpack(keys, start, last)) end
      if gone > 0 then leave_call(token, gone) end
    end
  end
  for start = 1, #left_ids, 1000 do
    local last = math.min(start + 999, #left_ids)
    redis.call('HDEL', K_PACKED, unpack(left_ids, start, last))
    unindex_leased(left_ids, start, last)
  end
  for _, token in ipairs(left_tokens) do leave_call(token, left_counts[token]) end
end
-- The packed values of the jobs this call ends other than by 'C', read in one HMGET:
-- by settlement number, false for a job with a hash of its own.
local packed_values = {}
if any_packed then
  local wanted, at = {}, {}
  for n = 1, count do
    if valid[n] and kinds[n] ~= 'C' and packed_calls[tokens[n]] then
      wanted[#wanted + 1] = ids[n]
      at[#at + 1] = n
    end
  end
  for start = 1, #wanted, 1000 do
    local last = math.min(start + 999, #wanted)
    local values = redis.call('HMGET', K_PACKED, unpack(wanted, start, last))
    for k = start, last do
      if values[k - start + 1] then packed_values[at[k]] = values[k - start + 1] end
    end
  end
end
-- Each call's delivery (`b`, packed-job.lua), read once per token.
local deliveries = {}
-- Writes leased packed job `n` (packed value `packed`) to its own hash, active, as reserve
-- would have (but `k`: what follows settles it); it leaves the packed hash at the end.
local function unpack_settled(n, key, packed)
  local token = tokens[n]
  local delivery = deliveries[token]
  if not delivery then
    delivery = redis.call('HGET', call_key(token), 'b') or ('||' .. token .. '|')
    deliveries[token] = delivery
    left_tokens[#left_tokens + 1] = token
  end
  left_counts[token] = (left_counts[token] or 0) + 1
  left_ids[#left_ids + 1] = ids[n]
  local d, input, y = packed_parts(packed)
  if y and input then
    redis.call('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d, 'i', input, 'y', y)
  elseif input then
    redis.call('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d, 'i', input)
  else
    -- Its value rewritten without input behind the scripts' back: what there is.
    redis.call('HSET', key, 's', 'a', 'n', '1', 'b', delivery, 'd', d)
  end
end
for n = 1, #members do
  local kind = kinds[n]
  local id = ids[n]
  local key = K_JOB .. id
  local text = texts[n]
  local number = tonumber(numbers[n])
  -- The TTL goes to PEXPIRE as the string it came as (see int() in queue.lua).
  local ttl = numbers[n]
  if ttl == '' then ttl = nil end
  local ok = valid[n]
  local packed = packed_values[n]
  if ok and kind == 'C' then
    -- removeOnComplete: no record, no finished-list entry; a waiter is told it completed.
    local token = tokens[n]
    local group = removed_ids[token]
    if not group then
      group = {}
      removed_ids[token], removed_keys[token] = group, {}
      removed_tokens[#removed_tokens + 1] = token
    end
    group[#group + 1] = id
    removed_keys[token][#group] = key
    tell_watchers(id, true)
  elseif ok and kind == 'c' then
    local result = nil
    if text ~= '' then result = text end
    if packed then unpack_settled(n, key, packed) end
    -- Every stored job has `s`: all fields new means the hash was gone (evicted).
    if finish(id, key, 'c', ttl, result) == (result and 3 or 2) then
      redis.call('DEL', key)
      ok = false
    end
  elseif ok then
    if packed then unpack_settled(n, key, packed) end
    local f = redis.call('HMGET', key, 's', 'r', 'n', 'd', 'b', 'h')
    if f[1] ~= 'a' then
      ok = false
    else
      local cancelled = f[2] == '1'
      -- An attempt that ended in an error joins the history (`h`, see queue.lua). Its text
      -- is `<error JSON>` or `<error JSON>\n<the error as the attempt record keeps it>`.
      local history = false
      if kind ~= 'l' then
        local nl = string.find(text, '\n', 1, true)
        if nl then
          history = history_with(f[6], f[3], f[5], string.sub(text, nl + 1))
          text = string.sub(text, 1, nl - 1)
        else
          history = history_with(f[6], f[3], f[5], text)
        end
      end
      if kind == 'f' or kind == 'F' then
        redis.call('HSET', key, 'e', text, 'h', history)
        local state = 'f'
        if cancelled then state = 'n' elseif kind == 'F' then state = 'x' end
        finish(id, key, state, ttl)
      elseif kind == 'r' then
        if cancelled then
          redis.call('HSET', key, 'e', text, 'h', history)
          finish(id, key, 'n')
        elseif number and number > 0 then
          redis.call('HSET', key, 'e', text, 'h', history)
          make_delayed(id, key, now + number)
        else
          -- make_waiting in one HSET: `d` is read above, and an active job has no `u` (its
          -- promotion deleted it).
          redis.call('HSET', key, 's', 'w', 'e', text, 'h', history)
          push_ready(id, f[4], false)
        end
      else
        local attempts = (tonumber(f[3]) or 0) - 1
        if attempts < 0 then attempts = 0 end
        if cancelled then
          redis.call('HSET', key, 'n', attempts)
          finish(id, key, 'n')
        else
          -- make_waiting, as for a retry above, but the push waits for the end of the call.
          redis.call('HSET', key, 'n', attempts, 's', 'w')
          released[#released + 1] = id
          released[#released + 1] = f[4]
        end
      end
    end
  end
  if ok then out[n] = '1' else out[n] = '0' end
end
-- Each release goes to the head of its level: pushed last to first, jobs released in one
-- call keep the call's order there (oldest first) instead of coming back reversed [R16].
for r = #released - 1, 1, -2 do
  push_ready(released[r], released[r + 1], true)
end
apply_removals()
flush()
return table.concat(out)
