-- upsert-schedules.lua: stores schedules of one queue, each atomically (TransportSchedules.upsert) [S7–S9].
--
-- KEYS: [1] the queue's schedules, a HASH `<prefix>:{q}:specs`: schedule id ->
--       `<revision> <updatedAt> <paused 0|1> <enabled 0|1> <overlap> <spec JSON>` (the JSON
--       last, so it may hold spaces; enabled and overlap copied out of it for fire-schedule.lua),
--       [2] the queue's schedule marks `<prefix>:{q}:sched` (fire-schedule.lua),
--       [3] the queue's schedule fences `<prefix>:{q}:sched-fence` (fence-schedules.lua).
-- ARGV: n pairs of schedule id and spec JSON, as core's gate makes it (equal specs, equal
--       text), then n carries, one per pair, in order: what the other stored copies of the id
--       on the same base queue (other partition counts) know, as core's `scheduleCarry` picks
--       it: `` when there is none, else `<paused 0|1>` and, when that copy has a mark, ` <slotAt>`;
--       then n takeover tokens, in order: `` for none, else the token the other copies were
--       fenced with (fence-schedules.lua, before their carry was read): the copy is activated
--       with it (its active token set) unless a higher token fenced it meanwhile.
-- Returns: one string, a character per pair: `c` created (revision 1; not paused and no mark,
--          or the carry's flag and mark), `m` changed (revision + 1; when the timing changed,
--          `every`, `cron` or `tz`, or the spec was enabled again, the mark's slot moved up to
--          TIME, or a mark of TIME alone made: core's `restartsSlots`; any other change keeps
--          the mark), `u` unchanged (the spec not written; also when it differs from the
--          stored one only by lacking its schema fingerprint: core's `keepsStoredSchema`). A
--          stored copy whose mark is earlier than the carry's takes the carry's slot, and its
--          pause when it is paused, whatever the letter: the schedule fired (or was resumed)
--          in the other copy since. The letter is upper case (`C`, `M`, `U`) when the copy is
--          superseded after the call (fenced by a higher token than it was activated with):
--          it fires no slot until an upsert with a higher token takes it over.

-- Whether `json`, a spec without a schema fingerprint, differs from the stored `old` only by
-- old's fingerprint (core's keepsStoredSchema): the stored one, knowing more, stays. The gate
-- writes `schema`, a JSON string, right after `priority` (the last member but `index`), so
-- old must be json with `,"schema":"…"` put in after that member.
local function keeps_schema(old, json, spec)
  if spec.schema ~= nil then
    return false
  end
  local head, tail = string.match(json, '^(.*,"priority":%d+)(.*)$')
  if not head then
    return false
  end
  local before = head .. ',"schema":"'
  if #old <= #before + #tail or string.sub(old, 1, #before) ~= before
    or string.sub(old, #old - #tail + 1) ~= tail then
    return false
  end
  -- Between them, the rest of one JSON string: its closing quote, and none unescaped before.
  local inner = string.sub(old, #before + 1, #old - #tail)
  if string.sub(inner, -1) ~= '"' then
    return false
  end
  local unescaped = string.gsub(string.sub(inner, 1, -2), '\\.', '')
  return not string.find(unescaped, '["\\]')
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local now_s = string.format('%d', now)
local count = #ARGV / 4
local out = {}
for i = 1, count do
  local id, json = ARGV[2 * i - 1], ARGV[2 * i]
  local carry_paused, carry_slot_s = string.match(ARGV[2 * count + i], '^([01]) ?(%d*)$')
  local carry_slot = tonumber(carry_slot_s or '')
  local token = tonumber(ARGV[3 * count + i])
  local spec = cjson.decode(json)
  local flags = (spec.enabled == true and '1' or '0') .. ' ' .. spec.overlap .. ' '
  local stored = redis.call('HGET', KEYS[1], id)
  if not stored then
    -- A copy under a new partition count goes on from the others: no slot twice, the pause kept.
    redis.call('HSET', KEYS[1], id, '1 ' .. now_s .. ' ' .. (carry_paused or '0') .. ' ' .. flags .. json)
    if carry_slot then
      redis.call('HSET', KEYS[2], id, carry_slot_s)
    end
    out[#out + 1] = 'c'
  else
    local revision, updated, paused, enabled, old =
      string.match(stored, '^(%d+) (%d+) (%d) (%d) %S+ (.*)$')
    local mark = redis.call('HGET', KEYS[2], id)
    local slot, rest
    if mark then
      slot, rest = string.match(mark, '^(%d+)(.*)$')
      slot = tonumber(slot)
    end
    local mark_slot = slot
    -- Behind another copy: a slot it fired never fires here, and its pause holds here too.
    -- An upsert never resumes a copy: only a resume does.
    if carry_slot and (not slot or carry_slot > slot) then
      mark_slot = carry_slot
      if carry_paused == '1' then
        paused = '1'
      end
    end
    if old == json or keeps_schema(old, json, spec) then
      out[#out + 1] = 'u'
      if mark_slot ~= slot then
        redis.call('HSET', KEYS[1], id, revision .. ' ' .. updated .. ' ' .. paused .. ' ' .. flags .. old)
      end
    else
      local next_revision = string.format('%d', tonumber(revision) + 1)
      redis.call('HSET', KEYS[1], id,
        next_revision .. ' ' .. now_s .. ' ' .. paused .. ' ' .. flags .. json)
      -- A new timing starts after the change: no slot up to it fires. Any other change keeps
      -- the mark, so the slots missed before it still fire by the misfire policy.
      local was = cjson.decode(old)
      local restarts = was.every ~= spec.every or was.cron ~= spec.cron or was.tz ~= spec.tz
        or (enabled == '0' and spec.enabled == true)
      if restarts and (not mark_slot or mark_slot < now) then
        mark_slot = now
      end
      out[#out + 1] = 'm'
    end
    if mark_slot ~= slot then
      redis.call('HSET', KEYS[2], id, string.format('%d', mark_slot) .. (rest or ''))
    end
  end
  local active, superseded = 0, 0
  local fence = redis.call('HGET', KEYS[3], id)
  if fence then
    local a_s, s_s = string.match(fence, '^(%d+) (%d+)$')
    active, superseded = tonumber(a_s), tonumber(s_s)
  end
  -- A takeover activates the copy unless a later takeover fenced it meanwhile.
  if token and token > superseded and token > active then
    active = token
    redis.call('HSET', KEYS[3], id, string.format('%d %d', active, superseded))
  end
  if superseded > active then
    out[#out] = string.upper(out[#out])
  end
end
return table.concat(out)
