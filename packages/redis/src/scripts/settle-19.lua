-- settle-19.lua: ends deliveries of one queue's jobs [R12..R16, R18].
--
-- A settlement applies only while its token holds the job and the lease is valid.
-- A cancel requested during the run turns fail, retry and release into cancelled.
--
-- KEYS: the 19 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept,
--       then 5 per settlement: type, unique id, token, text, number, where type is
--       'c' complete (text: result JSON or '' for none, number: TTL or ''),
--       'f' fail / 'F' fail to dead-letter (text: error JSON, number: TTL or ''),
--       'r' retry (text: error JSON, number: delay ms), 'l' release.
-- Returns: per settlement 1 ok, 0 stale.

--!include queue.lua

-- One ZMSCORE checks token and lease of the whole batch: a lease entry exists exactly
-- while its job is active under that token (see lease_member).
local members = {}
for base = 3, #ARGV, 5 do
  members[#members + 1] = lease_member(ARGV[base + 1], ARGV[base + 2])
end
local deadlines = {}
if #members > 0 then
  deadlines = redis.call('ZMSCORE', K_LEASES, unpack(members))
end

local out = {}
local settled = {}
for n = 1, #members do
  local base = 3 + (n - 1) * 5
  local kind = ARGV[base]
  local id = ARGV[base + 1]
  local key = K_JOB .. id
  local text = ARGV[base + 3]
  local number = tonumber(ARGV[base + 4])
  -- The TTL goes to PEXPIRE as the string it came as (see int() in queue.lua).
  local ttl = ARGV[base + 4]
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
