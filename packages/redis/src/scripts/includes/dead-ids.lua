-- dead-ids.lua: the dead jobs a retry-dead or purge-dead call acts on (inlined where a
-- script says `--!include dead-ids.lua`, after queue.lua, whose K_DEAD it uses).
--
-- ARGV: [3] 'all' or 'ids', [4] batch size (for 'all'), then the unique ids (for 'ids');
--       for 'all', [5] an offset into the dead set (default 0).

-- The unique ids to act on: the oldest batch of the dead set from the offset, or the ids
-- given.
local function dead_ids()
  if ARGV[3] == 'all' then
    local from = tonumber(ARGV[5] or '0')
    return redis.call('ZRANGE', K_DEAD, from, from + tonumber(ARGV[4]) - 1)
  end
  local ids = {}
  for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end
  return ids
end
