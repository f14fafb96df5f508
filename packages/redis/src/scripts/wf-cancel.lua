-- wf-cancel.lua: a running workflow becomes cancelled: steps not yet done are cancelled [W11].
--
-- KEYS: [1]–[7] the workflow's keys (includes/wf.lua): [1] meta, [2] steps, [3] errors,
--       [4] results, [5] items, [6] outbox, [7] outbox order.
-- ARGV: [1] result TTL (ms), [2] workflow id.
-- Returns: {ops, cancelled 1|0, job ids to cancel (ready and running steps')}.

--!include wf.lua

if not open() or wf.status ~= 'running' then return { ops(), 0, {} } end
end_open()
finish('cancelled')
touch()
return { ops(), 1, fx.cancel }
