-- renew.lua: extends leases of one queue's jobs [R10].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] lease ms,
--       then 3 per renewal: unique id, token, progress ('' for none, else '=' .. JSON), the
--       progress led by '+' when the job, held unstarted, has started since (its `k` mark
--       goes: an expired lease then counts its attempt) [R27].
-- Returns: { now, lease deadline, then per renewal 0 lost, 1 held, 2 cancel-requested,
--          3 gone (no record of the job) }

--!include queue.lua

-- Leads the progress argument of a renewal whose held job started ('+').
local STARTED = 43

-- A lease of this call that already ran out is reclaimed by housekeep: its reason then says
-- that its holder was alive (see reclaim in queue.lua).
caller.renewing = {}
for base = 4, #ARGV, 3 do
  caller.renewing[ARGV[base]] = ARGV[base + 1]
end
housekeep(500)
local deadline = now + tonumber(ARGV[3])
local deadline_s = int(deadline)
local out = { now, deadline }
local leases = {}
for base = 4, #ARGV, 3 do
  local id, token, progress = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local key = K_JOB .. id
  local started_now = string.byte(progress, 1) == STARTED
  if started_now then progress = string.sub(progress, 2) end
  local f = redis.call('HMGET', key, 's', 'b', 'r')
  local status = f[1] and 0 or 3
  if not f[1] and redis.call('HEXISTS', K_PACKED, id) == 1 then
    -- A leased packed job (packed-job.lua) stays packed while its lease holds and only its
    -- start is reported; progress needs a hash of its own. Packed, it is not gone.
    status = 0
    local member = lease_member(id, token)
    local lease = tonumber(redis.call('ZSCORE', K_LEASES, member))
    if lease and lease > now then
      if progress == '' then
        if started_now then redis.call('HDEL', call_key(token), id) end
        leases[#leases + 1] = deadline_s
        leases[#leases + 1] = member
        status = 1
      else
        unpack_job(id, key, member, lease)
        f = redis.call('HMGET', key, 's', 'b', 'r')
      end
    end
  end
  local started, lease, held_by = string.match(f[2] or '', '^([^|]*)|([^|]*)|(.*)$')
  if f[1] == 'a' and delivery_token(f[2]) == token and (tonumber(lease) or 0) > now then
    -- held_by: `<token>|<consumer>`, kept as it is.
    redis.call('HSET', key, 'b', started .. '|' .. deadline_s .. '|' .. held_by)
    leases[#leases + 1] = deadline_s
    leases[#leases + 1] = lease_member(id, token)
    if started_now then redis.call('HDEL', key, 'k') end
    if progress ~= '' then
      redis.call('HSET', key, 'g', string.sub(progress, 2))
    end
    status = 1
    if f[3] == '1' then status = 2 end
  end
  out[#out + 1] = status
end
if #leases > 0 then
  redis.call('ZADD', K_LEASES, unpack(leases))
end
return out
