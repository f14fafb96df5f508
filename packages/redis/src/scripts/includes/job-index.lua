-- job-index.lua: the input-field index (admin.findByIndex). Included, after queue.lua (for
-- K_INDEX), by enqueue-jobs.lua, which writes it, and by find-by-index.lua, which reads it.

-- Bounds of the input-field index (INDEX_LIMITS in @conveyor/core): the newest jobs kept
-- per value, and an index's life after its last write.
local INDEX_PER_VALUE = 1000
local INDEX_TTL_MS = '604800000'

-- The index of jobs of `task` whose input field `field` is `value` (see KEYS[20]); the
-- lengths keep any task, field and value apart.
local function index_key(task, field, value)
  return K_INDEX .. #task .. ':' .. task .. ':' .. #field .. ':' .. field .. ':' .. value
end
