-- reclaim.lua: what an expired lease does to its job [R11, R27]. Included by queue.lua, after
-- finish(), make_waiting() and history_with(), which it uses.

-- The caller, when a script knows it: renew.lua sets `renewing` (unique id -> token) before
-- it reclaims expired leases. A lease that ran out while its holder was still renewing it
-- was not lost to a dead worker, and the stored reason says so.
local caller = { renewing = nil }

-- Expired leases of a held job (`k` '1': reserved ahead or waiting at its task's limits, never
-- started) not counted as attempts, per job; the next one counts, as a run's would [R27].
-- Bounds a poison job that starts from a worker's buffer and kills it before a renewal
-- says that it started.
local REFUND_CAP = 3

-- An expired lease: back to waiting, or dead on the last attempt, or cancelled [R11]. The
-- attempt joins the job's history (`h`) either way; `e` is set only when it dies. A job the
-- worker held without starting it goes back to the head of its priority instead, its
-- attempt not counted, up to REFUND_CAP times [R27].
--
-- Its first write is the ZREM of the lease entry `member`, at once rather than deferred to
-- flush() as end_delivery() would: with Redis over maxmemory (noeviction), a script's first
-- write may not be a command that can grow memory (HSET, RPUSH: "denyoom"), while one that
-- frees (ZREM) is allowed and lets the writes after it run. Every caller (housekeep(),
-- settle_lease()) reclaims an entry it just read, and reads the leases again only after
-- flush(), so the entry going earlier changes nothing else; with HSET first, an expired
-- lease failed every call that housekeeps its queue with OOM, purges and reads included.
local function reclaim(id, key, member)
  redis.call('ZREM', K_LEASES, member)
  local f = redis.call('HMGET', key, 'n', 'd', 'r', 'b', 'h', 'k', 'z')
  local attempts = tonumber(f[1]) or 0
  local max_attempts = job_max_attempts(f[2])
  local refunds = tonumber(f[7]) or 0
  local unstarted = f[6] == '1'
  local refund = unstarted and refunds < REFUND_CAP and f[3] ~= '1'
  local why
  local renewing = caller.renewing and caller.renewing[id]
  if unstarted then
    why = ' before the broker heard that the worker holding it had started it (reserved ahead with prefetch, waiting at its task\'s limits, or started while its event loop was blocked): no renewal reached the broker before it ran out. The worker died, its event loop was blocked, or its leaseMs is too short.'
    if refund then
      why = why .. ' The attempt is not counted."}'
    elseif refunds >= REFUND_CAP then
      why = why .. ' The attempt counts: its lease had run out unstarted ' .. REFUND_CAP .. ' times already."}'
    else
      why = why .. '"}'
    end
  elseif renewing and renewing == delivery_token(f[4]) then
    why = ' while the worker holding it was still running it: its renewal came after the lease had run out. The leaseMs is too short for this worker (heartbeats are late or too far apart): raise leaseMs, or lower heartbeatMs."}'
  else
    why = ': no renewal reached the broker before it ran out. The worker holding it died, its event loop was blocked, or its leaseMs is too short; a worker still running the job logs the lease it lost."}'
  end
  local error_json = '{"name":"LeaseExpiredError","code":"LEASE_EXPIRED","message":"Lease expired on attempt '
    .. attempts .. ' of ' .. max_attempts .. why
  local history = history_with(f[5], attempts, f[4], error_json, refund)
  if f[3] == '1' then
    redis.call('HSET', key, 'h', history)
    finish(id, key, 'n')
  elseif refund then
    redis.call('HSET', key, 'h', history, 'n', int(math.max(0, attempts - 1)), 'z', int(refunds + 1))
    redis.call('HDEL', key, 'k')
    make_waiting(id, key, true)
  elseif attempts >= max_attempts then
    redis.call('HSET', key, 'e', error_json, 'h', history)
    finish(id, key, 'x')
  else
    redis.call('HSET', key, 'h', history)
    make_waiting(id, key, false)
  end
end
