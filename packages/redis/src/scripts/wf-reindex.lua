-- wf-reindex.lua: a workflow's index entries again, as they stand [W15]. Sent after a call
-- on the workflow was answered across a reconnect: ioredis re-sent it after a reset lost its
-- reply, and the second run found its work done (a retry: running; a cancel: cancelled)
-- and reported nothing, so the first run's report to the indexes (and the key claim) never
-- happened. Running: in the idle index, and in the outbox index while it has entries;
-- ended: in its status's ended index at its finish time.
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops, status ('' when there is no such workflow)}.

--!include wf.lua

if not open() then return { ops(), '' } end
if wf.status == 'running' then
  fx.begun = true
  fx.added = redis.call('EXISTS', K_ORDER) == 1
  return { ops(), wf.status }
end
fx.ended = true
local out = ops()
-- At the time it ended, not now.
out[6] = wf.status .. ' ' .. (redis.call('HGET', K_META, 'fa') or now_s)
return { out, wf.status }
