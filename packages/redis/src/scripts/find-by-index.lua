-- find-by-index.lua: a page of the jobs of one task whose indexed input field has a value,
-- newest first [A11].
--
-- Pages the index ZSET (index_key in job-index.lua) by enqueue time, latest first, with a
-- (score, member) cursor and a scan budget (includes/paging.lua). Members whose job is
-- gone (deleted, past its expiry, or its id now another task's job) are skipped and
-- removed from the index, after the page is read so that ranks hold while paging.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] task, [4] field, [5] value,
--       [6] most jobs, [7] most candidates examined, then the cursor ('' for the first
--       page): [8] score, [9] member.
-- Returns: { cursor score of the next page ('' on the last page), cursor member, then per
--            job: unique id, { HGETALL fields } }

--!include queue.lua
--!include paging.lua
--!include job-index.lua

local ANY_STATE = { w = true, d = true, a = true, c = true, f = true, x = true, n = true, e = true }

local key = index_key(ARGV[3], ARGV[4], ARGV[5])
local task = ARGV[3]
page.limit = tonumber(ARGV[6])
page.budget = tonumber(ARGV[7])
local score, member = nil, nil
if ARGV[8] ~= '' then score, member = ARGV[8], ARGV[9] end

local gone, gone_count = {}, 0
local function by_id(id)
  local taken = take(id, ANY_STATE, task, packed_lease(id))
  if not taken and (taken == nil or redis.call('TYPE', K_JOB .. id)['ok'] == 'hash'
      or redis.call('HEXISTS', K_PACKED, id) == 1) then
    gone_count = gone_count + 1
    gone[gone_count] = id
  end
end

local next_score, next_member = zset_page(key, score, member, by_id)
for start = 1, gone_count, 1000 do
  redis.call('ZREM', key, unpack(gone, start, math.min(start + 999, gone_count)))
end
-- A cursor whose member was just removed still finds its place (zset_rank_after).
local out = { next_score or '', next_member or '' }
for n = 1, #page.jobs do out[n + 2] = page.jobs[n] end
return out
