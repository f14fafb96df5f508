-- release-call.lua: gives back, unrun, the jobs one reserve call leased that its caller
-- never received.
--
-- A reserve whose reply was lost (the connection reset after Redis ran it) leased jobs
-- that no worker holds: they would wait out their leases and lose an attempt (with one
-- attempt, dead-lettered unrun). A reserve re-sent after a reconnect (ioredis resends
-- unanswered commands) runs twice under one call token, and the caller receives the
-- second run's jobs only. The caller sends this after either: every job still leased under
-- the call's token, but those it holds, goes back to the head of its ready list with its
-- attempt not counted, as a release does; one whose cancel was requested meanwhile ends
-- cancelled. Only on those failure paths: it looks through the queue's leases.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] the reserve call's token, then the
--       unique ids of the jobs the caller holds (kept leased).
-- Returns: how many jobs were given back.

--!include queue.lua

local token = ARGV[3]
local held = {}
for n = 4, #ARGV do held[ARGV[n]] = true end
-- Tokens hold no space and no glob character (src/reserve.ts: base64url, digits, dots).
local prefix = token .. ' '
local given = 0
local cursor = '0'
repeat
  local page = redis.call('ZSCAN', K_LEASES, cursor, 'MATCH', prefix .. '*', 'COUNT', 1000)
  cursor = page[1]
  for n = 1, #page[2], 2 do
    local member = page[2][n]
    local id = string.sub(member, #prefix + 1)
    local key = K_JOB .. id
    if not held[id] then
      held[id] = true
      local f = redis.pcall('HMGET', key, 's', 'b', 'n', 'r')
      local packed = not f[1] and not f.err and redis.call('HGET', K_PACKED, id)
      if packed then
        -- A leased packed job (packed-job.lua) waits again as it was: packed, never run.
        end_delivery(member)
        unindex_leased({ id }, 1, 1)
        leave_call(token, 1)
        push_ready(id, (packed_parts(packed)), true)
        given = given + 1
      elseif f[1] == 'a' and delivery_token(f[2]) == token then
        end_delivery(member)
        local attempts = (tonumber(f[3]) or 1) - 1
        if attempts < 0 then attempts = 0 end
        redis.call('HSET', key, 'n', int(attempts))
        if f[4] == '1' then
          finish(id, key, 'n')
        else
          make_waiting(id, key, true)
        end
        given = given + 1
      end
    end
  end
until cursor == '0'
flush()
return given
