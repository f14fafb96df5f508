-- wf-index.lua: updates the cross-workflow indexes `stale` and `idle` read (src/workflows-index.ts)
-- [W8, W15]. They cannot live in each workflow's slot, so they are hints, kept in order by the
-- version of the record each update was read from: an update older than the one applied is
-- ignored.
--
-- KEYS: [1] idle ZSET `<prefix>:{wf-index}:idle`: running workflow ids, scored by their
--       updatedAt as last reported (never later than the record's); [2] outbox ZSET
--       `<prefix>:{wf-index}:outbox`: ids of workflows that may have outbox entries, scored
--       by the oldest entry's at as last reported; [3] versions HASH
--       `<prefix>:{wf-index}:v`: id -> the version of the last update applied.
-- ARGV: groups of four: workflow id, version, idle op, outbox op; an op is `+<score>` (add or
--       move), `-` (remove) or '' (leave).
-- Returns: how many groups were applied.

local K_IDLE, K_OUTBOX, K_VERSIONS = KEYS[1], KEYS[2], KEYS[3]

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
    apply(K_IDLE, id, ARGV[a + 2])
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
