-- wf-key.lua: a workflow idempotency key's claim, `<prefix>:wf-key:{<hash>}`, named by the
-- SHA-256 of the key's scope `<name length>:<name>:<key>` (a key is scoped by its workflow,
-- [W1]), written before wf-start.lua runs (the key cannot be found from the workflow's own
-- slot).
-- Its value is `p <id>` while that workflow's start is under way (with a TTL, so a start that
-- died frees it), then `<id>`; once the workflow ends it expires with the workflow's keys,
-- and a retry commits it again (no TTL).
--
-- KEYS: [1] the claim.
-- ARGV: [1] op: `claim`, `commit` or `expire`; [2] workflow id; [3] ms (claim: how long a
--       start may take; expire: the result TTL); [4] claim only: a claim to replace (its
--       workflow is gone), or ''.
-- Returns: claim: {'claimed'} when the key is now this id's (or was already), else {'held',
--          value}; commit and expire: 1 when done, 0 when the claim is not this id's.

local K_CLAIM = KEYS[1]
local op, id = ARGV[1], ARGV[2]
local current = redis.call('GET', K_CLAIM)
if op == 'claim' then
  if current == id then return { 'claimed' } end
  if not current or current == 'p ' .. id or (ARGV[4] ~= '' and current == ARGV[4]) then
    redis.call('SET', K_CLAIM, 'p ' .. id, 'PX', ARGV[3])
    return { 'claimed' }
  end
  return { 'held', current }
end
if op == 'commit' then
  if current ~= 'p ' .. id and current ~= id then return 0 end
  redis.call('SET', K_CLAIM, id)
  return 1
end
if current ~= id then return 0 end
redis.call('PEXPIRE', K_CLAIM, ARGV[3])
return 1
