-- enqueue.lua: adds a batch of jobs to one queue [R3, R4, R5].
--
-- KEYS: the 21 queue keys (includes/queue.lua).
-- ARGV: [1] default result TTL, [2] finished kept, [3] default dedupe window (ms), [4] job
--       format version (the start of every job's `d`), then groups of jobs that share
--       every field but id and input (src/wire/enqueue-calls.ts, enqueueArgs):
--       a header `<count> <more> <priority> <maxAttempts> <producer's enqueuedAt>
--       <expiresAt> <delayMs> <runAt> <dedupe window> <task>` (absent numbers empty, the
--       task the rest of the string); `more` is a sum of flags: with 1, the
--       `[idempotencyKey, schema, workflow?]` JSON, the idempotency key ('' when none) and
--       the input fingerprint ('' when none, never whitespace) follow; then `count` times
--       unique id, input JSON, with flag 2 the job's index entries, `<field bytes>:<field>
--       <value bytes>:<value>` repeated (add_index), and with flag 8 the job's map child
--       index, which replaces the `"child":-1` of the group's workflow JSON in the job's
--       `y` (a map's children share one group). Flag 4: no job of the group is packed.
-- Returns: `position, unique id, fingerprint` triples (position 0-based in the batch) for
--          the jobs not added: the id of the job each duplicates (an earlier job holding
--          its idempotency key for the same task [R5], or itself when the id is already
--          stored) and the fingerprint that key was claimed with ('' when none) [R5a].
--          Empty when all added.
--
-- A ready job with no expiry and no extras but a schema fingerprint is written packed, one
-- field of K_PACKED (queue.lua); a delayed job, one with an idempotency key, workflow or
-- expiry, and every job of a group with flag 4 get their own hash.
--
-- An idempotency claim is `K_IDEM .. <task length> .. ':' .. <task> .. ':' .. <key>` (the
-- length keeps any task and key apart) holding `<fingerprint> <unique id>`.
--
-- A job added with index entries joins one index per entry (index_key in job-index.lua): ZADD
-- by enqueue time, trimmed to the newest INDEX_PER_VALUE, PEXPIRE INDEX_TTL_MS; the (task,
-- field) pairs join K_INDEXED once per call. Jobs without entries cost nothing more.

--!include queue.lua

local FIRST_GROUP = 5
--!include enqueue-jobs.lua

return out
