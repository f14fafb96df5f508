-- pause-queue.lua: pauses or resumes a queue [A13].
--
-- A paused queue has the key `<prefix>:{q}:paused` (K_PAUSED in queue.lua), in its slot,
-- which reserve.lua reads once per call: while it exists, a reserve leases nothing from the
-- queue. Everything else runs as usual. Resuming deletes it and leaves the marker, so that
-- a reserve blocked on the queue wakes at once and looks again (and passes the wake-up on,
-- as reserve.lua does, while jobs remain).
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept (unused), [3] '1' to pause, '0' to resume.
-- Returns: 1 when the state changed, 0 when the queue was already paused (or not paused).

--!include queue.lua

if ARGV[3] == '1' then
  return redis.call('SET', K_PAUSED, '1', 'NX') and 1 or 0
end
if redis.call('DEL', K_PAUSED) == 0 then return 0 end
wake()
return 1
