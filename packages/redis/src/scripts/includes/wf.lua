-- wf.lua: shared by every workflow script (inlined where a script says `--!include wf.lua`):
-- one workflow's record and the moves on it, as packages/core/src/memory/workflow-run.ts
-- makes them [W1–W14]. src/wire/workflow-calls.ts reads and writes the same layout.
--
-- Every workflow script takes the same 7 KEYS, all with the workflow's hash tag
-- `{wf:<id>}` (see src/keys.ts, workflowKeys):
--   KEYS[1] meta HASH    `<prefix>:{wf:<id>}:m`
--             plan  the plan JSON (read by `get` only)      in   the input JSON
--             st    status: running, completed, failed, compensated, cancelled
--             sg    the stage running now (0-based; the stage count once done)
--             ca    createdAt   ua updatedAt   fa finishedAt   dl deadline (ms, Redis TIME)
--             fl    the failure JSON `{"step":…,"child":…,"error":…}`
--             ik    the idempotency key's scope `<name length>:<name>:<key>` (its claim's
--                   name; a bare key on a run started before keys were scoped), when
--                   started with one
--             if    the input fingerprint, when started with a key and one
--             is    the input schema's fingerprint, when started with one (read by `get` only)
--             v     version: one more at every call that changes the record (src/workflows-index.ts)
--             oq    the outbox's sequence number    ns  the number of stages
--             g<n>  stage n: `<kind> <step> <step> …`, kind s (step), p (parallel) or m (map)
--             d:<step> the step's plan: `<stage>|<policy>|<queue>|<entry JSON fragment>`,
--                   stage -1 for a compensation; policy f (fail), k (continue) or
--                   `=<compensation>`; the fragment `"task":…,"queue":…,"maxAttempts":…,"priority":…`
--             r<n>  stage n's units not done yet, once it started
--             n:<step> a map step's child count, once expanded
--   KEYS[2] steps HASH   unit -> `<state><job><retries>`: unit `<step>` or `<step>#<child>`;
--             state p pending, r ready, a running, c completed, f failed, k skipped,
--             x cancelled; job 1 when the unit has a job id (its retry's), else 0. A child
--             of an expanded map step with no field is `r10`: ready, retry 0 (expand
--             writes no field per child; an outcome, a claim, a cancel or a retry does)
--   KEYS[3] errors HASH  unit -> the error JSON of a failed or skipped unit
--   KEYS[4] results HASH unit -> result JSON, written once (HSETNX)
--   KEYS[5] items HASH   not written (items are never stored: the expand job computes them);
--             kept so that every script takes the same KEYS
--   KEYS[6] outbox HASH  job id -> the dispatch entry JSON; a map step's children entry
--             (`"children":<count>`: its children not all enqueued) under `<job id>#children`
--   KEYS[7] outbox order ZSET job id, scored by the outbox sequence number (oldest first)
-- and starts ARGV with:
--   ARGV[1] the result TTL (ms) a finished workflow's keys get, ARGV[2] the workflow id
--
-- Every script answers `{ops, …}`, ops = `{idle, outbox, version, key, timed out, ended}`:
-- what the cross-workflow indexes need (src/workflows-index.ts): idle `+<updatedAt>`
-- (started or retried), `-` (ended) or ''; outbox `+<oldest entry's at>` (entries added), `-`
-- (emptied) or ''; the record's version; the idempotency key's scope (`ik`) when the call
-- started, retried or ended the workflow (idle `+` or `-`): its claim is then committed (no
-- TTL) or set to expire; the job ids a deadline this call applied cancelled, for the
-- transport; and `<status> <finishedAt>` when the call ended the workflow, else ''.

--!include wf-job-id.lua

local K_META, K_STEPS, K_ERRORS, K_RESULTS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_ITEMS, K_OUTBOX, K_ORDER = KEYS[5], KEYS[6], KEYS[7]
local ttl, wf_id = ARGV[1], ARGV[2]

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function int(n) return string.format('%d', n) end
local now_s = int(now)

-- The record's scalar fields, loaded by load().
local wf = nil
local fx = { dispatch = {}, dispatch_ids = {}, cancel = {}, ended = false, begun = false,
  added = false, removed = false, timed_out = {} }

-- Loads the record's scalars; false when there is no such workflow.
local function load()
  local f = redis.call('HMGET', K_META, 'st', 'sg', 'ua', 'dl', 'v', 'oq', 'ns', 'ik')
  if not f[1] then return false end
  wf = { status = f[1], stage = tonumber(f[2]), ua = f[3], deadline = tonumber(f[4]),
    version = tonumber(f[5]) or 0, seq = tonumber(f[6]) or 0, stages = tonumber(f[7]), key = f[8] }
  return true
end

local function unit_key(step, child)
  if child then return step .. '#' .. child end
  return step
end

-- A unit's state, job flag and retries; nil when it has no record. A map child without a
-- field (its map step expanded, callers check the index) is ready, retry 0.
local function unit_parse(key, v)
  if not v then
    if string.find(key, '#', 1, true) then return 'r', '1', 0 end
    return nil
  end
  return string.sub(v, 1, 1), string.sub(v, 2, 2), tonumber(string.sub(v, 3))
end

local function unit_get(key)
  return unit_parse(key, redis.call('HGET', K_STEPS, key))
end

local function unit_set(key, state, job, retries)
  redis.call('HSET', K_STEPS, key, state .. job .. int(retries))
end

-- A step's plan (d:<step>), cached: stage, policy, queue, entry fragment, kind.
local defs = {}
local function step_def(name)
  local def = defs[name]
  if def ~= nil then return def or nil end
  local v = redis.call('HGET', K_META, 'd:' .. name)
  if not v then
    defs[name] = false
    return nil
  end
  local stage, policy, queue, frag = string.match(v, '^(-?%d+)|([^|]*)|([^|]*)|(.*)$')
  def = { name = name, stage = tonumber(stage), policy = policy, queue = queue, frag = frag }
  if def.stage < 0 then
    def.kind = 'c'
  else
    def.kind = string.sub(redis.call('HGET', K_META, 'g' .. stage), 1, 1)
  end
  defs[name] = def
  return def
end

-- A stage's kind and step names.
local function stage_of(index)
  local v = redis.call('HGET', K_META, 'g' .. int(index))
  local names = {}
  for name in string.gmatch(string.sub(v, 3), '%S+') do names[#names + 1] = name end
  return string.sub(v, 1, 1), names
end

-- A map step's child count once expanded (then it never changes: cached), else nil.
local counts = {}
local function map_count(name)
  local count = counts[name]
  if count then return count end
  count = tonumber(redis.call('HGET', K_META, 'n:' .. name))
  counts[name] = count
  return count
end

local function touch()
  wf.version = wf.version + 1
  wf.ua = now_s
  redis.call('HSET', K_META, 'ua', now_s, 'v', int(wf.version))
end

--!include wf-map.lua

-- Puts a unit's job in the outbox: `ready`, with the job id of its retry. `count`: a map
-- step's children entry (its child count); `quiet`: not in the answer (a fresh expand).
local function ready(def, child, kind, count, quiet)
  local key = unit_key(def.name, child)
  local _, _, retries = unit_get(key)
  retries = retries or 0
  local job_id = workflow_job_id(def.queue, wf_id, def.name, child, retries)
  local entry = '{"step":"' .. def.name .. '",'
  if child then entry = entry .. '"child":' .. child .. ',' end
  entry = entry .. '"kind":"' .. kind .. '","jobId":"' .. job_id .. '",' .. def.frag
  local field = job_id
  if count then
    entry = entry .. ',"children":' .. int(count)
    field = job_id .. '#children'
  end
  entry = entry .. ',"at":' .. now_s .. '}'
  wf.seq = wf.seq + 1
  unit_set(key, 'r', '1', retries)
  redis.call('HSET', K_OUTBOX, field, entry)
  redis.call('ZADD', K_ORDER, wf.seq, field)
  fx.added = true
  if quiet then return end
  fx.dispatch[#fx.dispatch + 1] = entry
  fx.dispatch_ids[#fx.dispatch_ids + 1] = job_id
end

-- The workflow's keys, for PEXPIRE at its end and PERSIST at a retry.
local ALL_KEYS = { K_META, K_STEPS, K_ERRORS, K_RESULTS, K_ITEMS, K_OUTBOX, K_ORDER }

-- The workflow ends: no outbox, its finish time set, its keys expire after the result TTL [W9].
local function finish(status)
  wf.status = status
  redis.call('HSET', K_META, 'st', status, 'fa', now_s)
  redis.call('DEL', K_OUTBOX, K_ORDER)
  for _, key in ipairs(ALL_KEYS) do redis.call('PEXPIRE', key, ttl) end
  fx.ended = true
  fx.removed = true
end

local activate

-- A map stage with its count: its open children ready, done at once when none is open, else
-- its children entry in the outbox [W7]. `fresh`: a first expand, run by the step's own
-- (running) expand job: every child is new and implicitly ready (no field written), and the
-- entry is not in the answer, whose caller enqueues the children; else a retry: pending
-- children become ready and the step's new expand job is dispatched with the entry.
local function start_children(def, count, fresh)
  local remaining = count
  if not fresh then
    remaining = 0
    for child = 0, count - 1 do
      local key = def.name .. '#' .. int(child)
      local state, _, retries = unit_get(key)
      if state ~= 'c' and state ~= 'k' then
        remaining = remaining + 1
        if state == 'p' then unit_set(key, 'r', '1', retries) end
      end
    end
  end
  redis.call('HSET', K_META, 'r' .. def.stage, int(remaining))
  if remaining == 0 then
    local _, job, retries = unit_get(def.name)
    unit_set(def.name, 'c', job, retries)
    activate(def.stage + 1)
    return
  end
  ready(def, nil, 'expand', count, fresh)
  if fresh then
    local _, job, retries = unit_get(def.name)
    unit_set(def.name, 'a', job, retries)
  end
end

-- Starts stage `index` (or finishes the workflow after its last): its open units become ready.
activate = function(index)
  wf.stage = index
  redis.call('HSET', K_META, 'sg', int(index))
  if index >= wf.stages then
    finish('completed')
    return
  end
  local kind, names = stage_of(index)
  if kind == 'm' then
    local def = step_def(names[1])
    local count = map_count(def.name)
    if count then start_children(def, count, false) else ready(def, nil, 'expand') end
    return
  end
  local remaining = 0
  for _, name in ipairs(names) do
    local state = unit_get(name)
    if state ~= 'c' and state ~= 'k' then
      remaining = remaining + 1
      if state == 'p' then ready(step_def(name), nil, 'run') end
    end
  end
  redis.call('HSET', K_META, 'r' .. int(index), int(remaining))
  if remaining == 0 then activate(index + 1) end
end

-- The unit `key` names: its def and child (a string), or nil.
local function unit_at(step, child)
  local def = step_def(step)
  if not def then return nil end
  if child then
    if def.kind ~= 'm' then return nil end
    local count = map_count(step)
    if not count or tonumber(child) >= count then return nil end
  end
  return def
end

-- `n` units of a stage became `completed` or `skipped` (children of map step `child_of`):
-- its counter moves, and the next stage starts once none is left [W3].
local function units_done(def, n, child_of)
  local left = redis.call('HINCRBY', K_META, 'r' .. def.stage, -n)
  if left > 0 then return end
  if child_of then
    local _, job, retries = unit_get(def.name)
    unit_set(def.name, 'c', job, retries)
    clear_children(def)
  end
  activate(def.stage + 1)
end

-- A unit became `completed` or `skipped`: its stage's counter moves [W3].
local function unit_done(def, child)
  if def.kind == 'c' then
    finish('compensated')
    return
  end
  if def.kind == 'm' and not child then
    activate(def.stage + 1)
    return
  end
  units_done(def, 1, child)
end

-- Cancels every open unit (not an untriggered compensation); the jobs of ready and running
-- ones go to fx.cancel (not an expanded map step's: its job is done), and leave the outbox.
local function end_open()
  local all = redis.call('HGETALL', K_STEPS)
  local cancelled = {}
  -- The children of expanded, open map steps that have no field (implicitly ready).
  local seen, maps = {}, {}
  for i = 1, #all, 2 do
    local key, state = all[i], string.sub(all[i + 1], 1, 1)
    seen[key] = true
    if (state == 'r' or state == 'a') and not string.find(key, '#', 1, true) then
      local def = step_def(key)
      if def.kind == 'm' and map_count(key) then maps[#maps + 1] = def end
    end
  end
  for _, def in ipairs(maps) do
    for child = 0, map_count(def.name) - 1 do
      local key = def.name .. '#' .. int(child)
      if not seen[key] then all[#all + 1], all[#all + 2] = key, 'r10' end
    end
  end
  for i = 1, #all, 2 do
    local key, v = all[i], all[i + 1]
    local state, job, retries = string.sub(v, 1, 1), string.sub(v, 2, 2), tonumber(string.sub(v, 3))
    if state == 'p' or state == 'r' or state == 'a' then
      local hash = string.find(key, '#', 1, true)
      local step = hash and string.sub(key, 1, hash - 1) or key
      local child = hash and string.sub(key, hash + 1) or nil
      local def = step_def(step)
      if not (def.kind == 'c' and state == 'p') then
        local expanded = def.kind == 'm' and not child and map_count(step) ~= nil
        if state ~= 'p' and job == '1' and not expanded then
          local job_id = workflow_job_id(def.queue, wf_id, step, child, retries)
          fx.cancel[#fx.cancel + 1] = job_id
          cancelled[job_id] = true
        end
        unit_set(key, 'x', job, retries)
      end
    end
  end
  local kept, kept_ids = {}, {}
  for i, job_id in ipairs(fx.dispatch_ids) do
    if not cancelled[job_id] then
      kept[#kept + 1] = fx.dispatch[i]
      kept_ids[#kept_ids + 1] = job_id
    end
  end
  fx.dispatch, fx.dispatch_ids = kept, kept_ids
  redis.call('DEL', K_OUTBOX, K_ORDER)
  fx.removed = true
end

local function failure_json(step, child, error_json)
  local out = '{"step":"' .. step .. '",'
  if child then out = out .. '"child":' .. child .. ',' end
  return out .. '"error":' .. error_json .. '}'
end

-- A unit's final failure: its step's policy applies [W4–W6].
local function unit_failed(def, child, error_json)
  local key = unit_key(def.name, child)
  if def.kind == 'm' and not child and map_count(def.name) then cancel_children(def) end
  local _, job, retries = unit_get(key)
  unit_set(key, 'f', job, retries)
  redis.call('HSET', K_ERRORS, key, error_json)
  if def.kind == 'c' then
    end_open()
    finish('failed')
    return
  end
  if def.policy == 'k' then
    unit_set(key, 'k', job, retries)
    unit_done(def, child)
    return
  end
  redis.call('HSET', K_META, 'fl', failure_json(def.name, child, error_json))
  end_open()
  -- A child's failure is its map step's: failed, not cancelled as the steps after it are
  -- (after end_open, which finds the map's implicitly ready children through its open state).
  if child then
    local _, map_job, map_retries = unit_get(def.name)
    unit_set(def.name, 'f', map_job, map_retries)
  end
  if def.policy == 'f' then
    finish('failed')
    return
  end
  ready(step_def(string.sub(def.policy, 2)), nil, 'run')
end

--!include wf-deadline.lua

-- The ops part of every answer (see the header).
local function ops()
  local idle, outbox = '', ''
  if fx.ended then
    idle = '-'
  elseif fx.begun then
    idle = '+' .. wf.ua
  end
  if fx.added and wf.status == 'running' then
    local first = redis.call('ZRANGE', K_ORDER, 0, 0)
    local entry = first[1] and redis.call('HGET', K_OUTBOX, first[1])
    outbox = entry and ('+' .. string.match(entry, '"at":(%d+)}$')) or '-'
  elseif fx.removed and redis.call('EXISTS', K_ORDER) == 0 then
    outbox = '-'
  end
  -- The next call numbers its entries after this one's (wf.seq is read from oq).
  if fx.added then redis.call('HSET', K_META, 'oq', int(wf.seq)) end
  return { idle, outbox, wf and int(wf.version) or '0', idle ~= '' and wf.key or false, fx.timed_out,
    fx.ended and (wf.status .. ' ' .. now_s) or '' }
end

-- Opens a call on an existing workflow: loads it and applies its deadline. False when none.
local function open()
  if not load() then return false end
  due()
  return true
end
