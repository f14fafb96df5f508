-- attempt-history.lua: the `h` field of a job, its attempts that ended in an error
-- (JobRecord.history). Included by queue.lua, after int() and now_s, which it uses; written
-- by settle.lua's fail and retry and by reclaim() only, never on a completion.

-- Attempt records kept per job (ATTEMPT_HISTORY_LIMIT in @conveyor/core).
local HISTORY_LIMIT = 20

-- The `h` field with one more attempt that ended in an error: `history` the field as it is
-- (false when absent), `attempts` the `n` field, `delivery` the `b` field (its startedAt),
-- `error_json` the error, `given_back` true for an attempt not counted [R27] (`"counted":false`).
-- One record per line (JSON text holds no raw newline), so the
-- oldest line goes without parsing any JSON once HISTORY_LIMIT are kept.
local function history_with(history, attempts, delivery, error_json, given_back)
  local started = string.match(delivery or '', '^(%d+)|')
  local record = '{"attempt":' .. int(tonumber(attempts) or 0)
    .. (started and (',"startedAt":' .. started) or '')
    .. ',"endedAt":' .. now_s .. ',"error":' .. error_json
    .. (given_back and ',"counted":false}' or '}')
  if not history or history == '' then return record end
  local breaks, at = {}, string.find(history, '\n', 1, true)
  while at do
    breaks[#breaks + 1] = at
    at = string.find(history, '\n', at + 1, true)
  end
  local drop = #breaks + 2 - HISTORY_LIMIT
  if drop > 0 then history = string.sub(history, breaks[drop] + 1) end
  return history .. '\n' .. record
end
