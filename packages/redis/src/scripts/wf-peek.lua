-- wf-peek.lua: what the cross-workflow indexes say of a workflow, read from its record, for
-- `stale`, `idle`, `running` and `ended` to check a candidate (src/workflows-index.ts)
-- [W8, W15, W15a, W15b].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops, exists 1|0, status, version, updatedAt, the oldest outbox entry's at or -1,
--          finishedAt or ''}.

--!include wf.lua

if not open() then return { ops(), 0, '', '0', '0', -1, '' } end
local first = redis.call('ZRANGE', K_ORDER, 0, 0)
local entry = first[1] and redis.call('HGET', K_OUTBOX, first[1])
local oldest = entry and string.match(entry, '"at":(%d+)}$') or -1
return { ops(), 1, wf.status, int(wf.version), wf.ua, oldest, redis.call('HGET', K_META, 'fa') or '' }
