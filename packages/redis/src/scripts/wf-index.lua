-- wf-index.lua: updates the cross-workflow indexes `stale`, `idle`, `running` and `ended`
-- read (src/workflows-index.ts) [W8, W15, W15a, W15b]. They cannot live in each workflow's
-- slot, so they are hints, kept in order by the version of the record each update was read
-- from: an update older than the one applied is ignored.
--
-- KEYS: [1] idle ZSET `<prefix>:{wf-index}:idle`: running workflow ids, scored by their
--       updatedAt as last reported (never later than the record's); [2] outbox ZSET
--       `<prefix>:{wf-index}:outbox`: ids of workflows that may have outbox entries, scored
--       by the oldest entry's at as last reported; [3] versions HASH
--       `<prefix>:{wf-index}:v`: id -> the version of the last update applied, kept while
--       the id is in any of these sets; [4] started ZSET `<prefix>:{wf-index}:started`: the
--       ids in the idle ZSET, each scored by the score it entered that set with (the
--       workflow's start, or the retry that made it run again; for a workflow already
--       running when this set came, the first update since); [5]–[8] ended ZSETs
--       `<prefix>:{wf-index}:ended:<status>` for failed, compensated, cancelled and completed:
--       ids of workflows that ended so, scored by their finishedAt.
-- ARGV: [1] the result TTL (ms): an ended entry that old before the newest one added is of an
--       expired record, and is dropped; then groups of five: workflow id, version, idle op,
--       outbox op, ended op. An idle or outbox op is `+<score>` (add or move), `-` (remove) or
--       '' (leave); an ended op `<status> <finishedAt>` (add), `-` (remove from every ended
--       set: the workflow runs again) or '' (leave).
-- Returns: how many groups were applied.

local K_IDLE, K_OUTBOX, K_VERSIONS, K_STARTED = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ENDED = { failed = KEYS[5], compensated = KEYS[6], cancelled = KEYS[7], completed = KEYS[8] }
local ttl = tonumber(ARGV[1])

local function apply(key, id, op)
  if op == '-' then
    redis.call('ZREM', key, id)
  elseif op ~= '' then
    redis.call('ZADD', key, string.sub(op, 2), id)
  end
end

local function ended_op(id, op)
  if op == '-' then
    for _, key in pairs(ENDED) do redis.call('ZREM', key, id) end
    return
  end
  local status, at = string.match(op, '^(%a+) (%d+)$')
  local key = status and ENDED[status]
  if not key then return end
  redis.call('ZADD', key, at, id)
  -- Entries of records expired by now (older than the TTL before this end) go, with their versions.
  local cutoff = '(' .. string.format('%d', tonumber(at) - ttl)
  for _, old in ipairs(redis.call('ZRANGEBYSCORE', key, '-inf', cutoff)) do
    if not redis.call('ZSCORE', K_IDLE, old) then redis.call('HDEL', K_VERSIONS, old) end
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff)
end

local function listed(id)
  if redis.call('ZSCORE', K_IDLE, id) or redis.call('ZSCORE', K_OUTBOX, id) then return true end
  for _, key in pairs(ENDED) do
    if redis.call('ZSCORE', key, id) then return true end
  end
  return false
end

local applied = 0
for a = 2, #ARGV, 5 do
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
    if ARGV[a + 4] ~= '' then ended_op(id, ARGV[a + 4]) end
    if listed(id) then
      redis.call('HSET', K_VERSIONS, id, ARGV[a + 1])
    else
      redis.call('HDEL', K_VERSIONS, id)
    end
    applied = applied + 1
  end
end
return applied
