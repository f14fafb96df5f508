-- list-jobs.lua: a page of a queue's jobs in one state, newest first [A10]. Read-only.
--
-- waiting: the ready lists from w9 down to w0, each from its tail (last pushed first);
-- delayed: the delayed ZSET by due time, latest first; active: the leases ZSET by lease
-- deadline, latest first (expired leases not yet reclaimed included, as queue-counts
-- counts them); dead: the dead-letter ZSET by sequence, last dead-lettered first;
-- finished: the finished list from its tail (last finished first), which exists only with
-- a count bound: without one nothing lists finished jobs; completed, failed, cancelled,
-- expired: the same list, keeping the jobs that ended in that state. Ids whose job left the state
-- (cancelled while waiting, gone, past its expiry) are skipped. Cursors and the scan
-- budget: includes/paging.lua.
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] state code: 'w' waiting,
--       'd' delayed, 'a' active, 'x' dead, 'f' finished, 'C' completed, 'F' failed,
--       'N' cancelled, 'E' expired, [4] most jobs, [5] most
--       candidates examined, [6] task ('' for every task), then the cursor ('' for the
--       first page): [7] waiting: priority, finished: offset from the tail, ZSETs: score,
--       [8] waiting: offset from the tail, else '', [9] the last member or element examined.
-- Returns: { cursor [7], [8], [9] of the next page ([7] '' on the last page), then per
--            job: unique id, { HGETALL fields } }

--!include queue.lua
--!include paging.lua

local STATES = {
  w = { w = true },
  d = { d = true },
  a = { a = true },
  x = { x = true },
  f = { c = true, f = true, n = true, e = true },
  C = { c = true },
  F = { f = true },
  N = { n = true },
  E = { e = true },
}
-- The codes that page through the finished list.
local FINISHED_LIST = { f = true, C = true, F = true, N = true, E = true }

local code = ARGV[3]
local states = STATES[code]
if not states then return redis.error_reply('ERR conveyor: no job state ' .. tostring(code)) end
page.limit = tonumber(ARGV[4])
page.budget = tonumber(ARGV[5])
local task = ARGV[6] ~= '' and ARGV[6] or nil
local first = ARGV[7] == ''
local next_a, next_b, next_member = '', '', ''

local function by_id(id)
  take(id, states, task)
end
-- `<expiry> <unique>`: an entry past its expiry is passed over without reading its job.
local function by_finished_entry(entry)
  local space = string.find(entry, ' ', 1, true)
  if entry_expiry(entry) > now then take(string.sub(entry, space + 1), states, task) end
end
-- `<token> <unique>`.
local function by_lease(member)
  take(string.sub(member, (string.find(member, ' ', 1, true) or 0) + 1), states, task, member)
end

if code == 'w' then
  local priority, offset, last = 9, nil, nil
  if not first then
    priority, offset = tonumber(ARGV[7]), tonumber(ARGV[8])
    if ARGV[9] ~= '' then last = ARGV[9] end
  end
  while priority >= 0 and page_open() do
    local at, element = list_page(ready_key(priority), offset, last, by_id)
    if at then
      next_a, next_b, next_member = int(priority), int(at), element
      break
    end
    priority, offset, last = priority - 1, nil, nil
  end
  -- Out of budget or full at the end of a list: go on with the next non-empty one.
  if next_a == '' and priority >= 0 then
    for lower = priority, 0, -1 do
      if redis.call('LLEN', ready_key(lower)) > 0 then
        next_a, next_b, next_member = int(lower), '0', ''
        break
      end
    end
  end
elseif FINISHED_LIST[code] then
  local offset, last = nil, nil
  if not first then offset, last = tonumber(ARGV[7]), ARGV[9] end
  local at, element = list_page(K_FINISHED, offset, last, by_finished_entry)
  if at then next_a, next_member = int(at), element end
else
  local key = K_DELAYED
  local candidate = by_id
  if code == 'a' then
    key, candidate = K_LEASES, by_lease
  elseif code == 'x' then
    key = K_DEAD
  end
  local score, member = nil, nil
  if not first then score, member = ARGV[7], ARGV[9] end
  local at, element = zset_page(key, score, member, candidate)
  if at then next_a, next_member = at, element end
end

local out = { next_a, next_b, next_member }
for n = 1, #page.jobs do out[n + 3] = page.jobs[n] end
return out
