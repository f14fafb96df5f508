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

local out = {}
for base = 3, #ARGV, 5 do
  local kind = ARGV[base]
  local id = ARGV[base + 1]
  local key = K_JOB .. id
  local text = ARGV[base + 3]
  local number = tonumber(ARGV[base + 4])
  local f = redis.call('HMGET', key, 's', 't', 'l', 'r', 'n')
  if f[1] == 'a' and f[2] == ARGV[base + 2] and tonumber(f[3]) > now then
    local cancelled = f[4] == '1'
    end_delivery(id)
    if kind == 'c' then
      local result = nil
      if text ~= '' then result = text end
      finish(id, key, 'c', number, result)
    elseif kind == 'f' or kind == 'F' then
      redis.call('HSET', key, 'e', text)
      local state = 'f'
      if cancelled then state = 'n' elseif kind == 'F' then state = 'x' end
      finish(id, key, state, number)
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
      local attempts = (tonumber(f[5]) or 0) - 1
      if attempts < 0 then attempts = 0 end
      redis.call('HSET', key, 'n', attempts)
      if cancelled then
        finish(id, key, 'n')
      else
        make_waiting(id, key, true)
      end
    end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
flush()
return out
