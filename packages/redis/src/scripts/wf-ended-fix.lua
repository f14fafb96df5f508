-- wf-ended-fix.lua: drops entries of an ended set (wf-index.lua's KEYS[5]–[8]) that a reader
-- found wrong: the record gone (expired), running again, or ended at another time [W15b].
-- An entry is dropped only while its score is still the one read, so an end reported since
-- (a new finishedAt) stays.
--
-- KEYS: [1] the ended ZSET `<prefix>:{wf-index}:ended:<status>`; [2] versions HASH
--       `<prefix>:{wf-index}:v`; [3] idle ZSET; [4] outbox ZSET (for whether an id is still
--       listed, as wf-index.lua keeps its version).
-- ARGV: pairs: workflow id, the score read.
-- Returns: how many entries were dropped.

local dropped = 0
for a = 1, #ARGV, 2 do
  local id = ARGV[a]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) == tonumber(ARGV[a + 1]) then
    redis.call('ZREM', KEYS[1], id)
    if not redis.call('ZSCORE', KEYS[3], id) and not redis.call('ZSCORE', KEYS[4], id) then
      redis.call('HDEL', KEYS[2], id)
    end
    dropped = dropped + 1
  end
end
return dropped
