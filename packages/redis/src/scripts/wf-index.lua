-- wf-index.lua: updates the cross-workflow indexes `stale`, `idle` and `running` read
-- (src/workflows-index.ts) [W8, W15, W15a]. They cannot live in each workflow's slot, so
-- they are hints, kept in order by the version of the record each update was read from: an
-- update older than the one applied is ignored.
--
-- KEYS: [1] idle ZSET `<prefix>:{wf-index}:idle`: running workflow ids, scored by their
--       updatedAt as last reported (never later than the record's); [2] outbox ZSET
--       `<prefix>:{wf-index}:outbox`: ids of workflows that may have outbox entries, scored
--       by the oldest entry's at as last reported; [3] versions HASH
--       `<prefix>:{wf-index}:v`: id -> the version of the last update applied; [4] started
--       ZSET `<prefix>:{wf-index}:started`: the ids in the idle ZSET, each scored by the
--       score it entered that set with (the workflow's start, or the retry that made it run
--       again; for a workflow already running when this set came, the first update since).
-- ARGV: groups of four: workflow id, version, idle op, outbox op; an op is `+<score>` (add or
--       move), `-` (remove) or '' (leave).
-- Returns: how many groups were applied.

local K_IDLE, K_OUTBOX, K_VERSIONS, K_STARTED = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local function apply(key, id, op)
  if op == '-' then
    redis.call('ZREM', key, id)
  elseif op ~= '' then
    redis.call('ZADD', key, string.sub(op, 2), id)
  end
end

local applied = 0
for a = 1, #ARGV, 4 do
  local id, version = ARGV[a], tonumber(ARGV[a + 1])
  local stored = tonumber(redis.call('HGET', K_VERSIONS, id))
  if not stored or stored <= version then
    local idle_op = ARGV[a + 2]
    apply(K_IDLE, id, idle_op)
    -- The started set follows the idle set's members, keeping the score each came in with.
    if idle_op == '-' then
      redis.call('ZREM', K_STARTED, id)
    elseif idle_op ~= '' then
      redis.call('ZADD', K_STARTED, 'NX', string.sub(idle_op, 2), id)
    end
    apply(K_OUTBOX, id, ARGV[a + 3])
    if redis.call('ZSCORE', K_IDLE, id) or redis.call('ZSCORE', K_OUTBOX, id) then
      redis.call('HSET', K_VERSIONS, id, ARGV[a + 1])
    else
      redis.call('HDEL', K_VERSIONS, id)
    end
    applied = applied + 1
  end
end
return applied
