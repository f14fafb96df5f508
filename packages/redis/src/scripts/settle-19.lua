-- settle-19.lua: ends deliveries of one queue's jobs [R12..R16, R18].
--
-- A settlement applies only while its token holds the job and the lease is valid.
-- A cancel requested during the run turns fail, retry and release into cancelled.
--
-- KEYS: the 19 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept,
--       then 2 per settlement: head, text. The head is `<type><number> <token> <unique id>`
--       (two arguments, not five: each argument costs the client and Redis more than
--       splitting here), where type is
--       'c' complete (text: result JSON or '' for none, number: TTL or ''),
--       'f' fail / 'F' fail to dead-letter (text: error JSON, number: TTL or ''),
--       'r' retry (text: error JSON, number: delay ms), 'l' release.
--       Tokens hold no space, so `<token> <unique id>` is the lease member (lease_member).
-- Returns: per settlement 1 ok, 0 stale.

--!include queue.lua

local kinds, numbers, members, ids = {}, {}, {}, {}
for n = 1, math.floor((#ARGV - 2) / 2) do
  local kind, number, member, id = string.match(ARGV[1 + 2 * n], '^(.)([^ ]*) ([^ ]* (.*))$')
  -- A head that does not parse names no lease: it is stale.
  kinds[n], numbers[n], members[n], ids[n] = kind or '', number or '', member or '', id or ''
end
-- One ZMSCORE checks token and lease of the whole batch: a lease entry exists exactly
-- while its job is active under that token (see lease_member).
local deadlines = {}
if #members > 0 then
  deadlines = redis.call('ZMSCORE', K_LEASES, unpack(members))
end

local out = {}
local settled = {}
for n = 1, #members do
  local kind = kinds[n]
  local id = ids[n]
  local key = K_JOB .. id
  local text = ARGV[2 + 2 * n]
  local number = tonumber(numbers[n])
  -- The TTL goes to PEXPIRE as the string it came as (see int() in queue.lua).
  local ttl = numbers[n]
  if ttl == '' then ttl = nil end
  local deadline = tonumber(deadlines[n])
  -- A delivery settled twice in one batch is stale the second time.
  local ok = deadline ~= nil and deadline > now and not settled[members[n]]
  if ok then
    settled[members[n]] = true
    end_delivery(members[n])
  end
  if ok and kind == 'c' then
    local result = nil
    if text ~= '' then result = text end
    -- Every stored job has `s`: all fields new means the hash was gone (evicted).
    if finish(id, key, 'c', ttl, result) == (result and 3 or 2) then
      redis.call('DEL', key)
      ok = false
    end
  elseif ok then
    local f = redis.call('HMGET', key, 's', 'r', 'n')
    if f[1] ~= 'a' then
      ok = false
    else
      local cancelled = f[2] == '1'
      if kind == 'f' or kind == 'F' then
        redis.call('HSET', key, 'e', text)
        local state = 'f'
        if cancelled then state = 'n' elseif kind == 'F' then state = 'x' end
        finish(id, key, state, ttl)
      elseif kind == 'r' then
        redis.call('HSET', key, 'e', text)
        if cancelled then
          finish(id, key, 'n')
        elseif number and number > 0 then
          make_delayed(id, key, now + number)
        else
          make_waiting(id, key, false)
        end
      else
        local attempts = (tonumber(f[3]) or 0) - 1
        if attempts < 0 then attempts = 0 end
        redis.call('HSET', key, 'n', attempts)
        if cancelled then
          finish(id, key, 'n')
        else
          make_waiting(id, key, true)
        end
      end
    end
  end
  if ok then out[n] = 1 else out[n] = 0 end
end
flush()
return out
