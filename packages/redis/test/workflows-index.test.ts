import { newWorkflowId } from '@conveyor/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { workflowIndexKeys } from '../src/keys.js';
import { createWorkflowIndex, type WorkflowPeek } from '../src/workflows-index.js';

// The `running` listing's index on Redis (`started`, wf-index.lua): what it costs and how it
// follows the idle index. The conformance suite (W15a) covers its answers through the
// transport; here the index is driven directly, with a peek that counts its calls, under a
// prefix of its own on the run's shared redis-server.

const commands = new Redis(inject('sharedRedisUrl'));
afterAll(() => commands.disconnect());

function indexWith(states: Map<string, WorkflowPeek>) {
  const prefix = `conveyor-test-${newWorkflowId().slice(3, 13)}`;
  const peeked: string[] = [];
  const index = createWorkflowIndex({
    commands,
    prefix,
    peek: async (id) => {
      peeked.push(id);
      return (
        states.get(id) ?? { exists: false, status: '', version: '0', updatedAt: 0, oldest: -1 }
      );
    },
  });
  return { index, peeked, keys: workflowIndexKeys(prefix) };
}

const running = (updatedAt: number): WorkflowPeek => ({
  exists: true,
  status: 'running',
  version: '1',
  updatedAt,
  oldest: -1,
});

describe('the running index (started)', () => {
  it('answers a page after reading about a page of records, however many run', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, peeked, keys } = indexWith(states);
    const ids = Array.from({ length: 300 }, () => newWorkflowId());
    for (const [n, id] of ids.entries()) {
      states.set(id, running(1_000 + n));
      await index.report(id, { idle: `+${1_000 + n}`, outbox: '', version: '1' });
    }
    expect(await commands.zcard(keys[3] as string)).toBe(300);
    const page = await index.running(5);
    expect(page).toEqual(ids.slice(0, 5).map((id, n) => ({ id, at: 1_000 + n })));
    expect(peeked).toEqual(ids.slice(0, 5));
    peeked.length = 0;
    const next = await index.running(5, page[4]);
    expect(next.map((entry) => entry.id)).toEqual(ids.slice(5, 10));
    expect(peeked).toEqual(ids.slice(5, 10));
    await commands.del(...keys);
  });

  it('keeps the score a workflow began with while idle moves, and drops an ended one it meets', async () => {
    const states = new Map<string, WorkflowPeek>();
    const { index, peeked, keys } = indexWith(states);
    const [idleKey, , , startedKey] = keys as [string, string, string, string];
    const [a, b, c] = [newWorkflowId(), newWorkflowId(), newWorkflowId()];
    for (const [n, id] of [a, b, c].entries()) {
      states.set(id, running(10 + n));
      await index.report(id, { idle: `+${10 + n}`, outbox: '', version: '1' });
    }
    // A later update of `a` (a sweeper's correction, a retry while it runs) moves its idle
    // score, not where it began.
    await index.report(a as string, { idle: '+99', outbox: '', version: '2' });
    expect(Number(await commands.zscore(idleKey, a as string))).toBe(99);
    expect(Number(await commands.zscore(startedKey, a as string))).toBe(10);
    // `b` ended without the index hearing of it: the listing reads past it, answers the next
    // one, and removes it from both sets.
    states.set(b as string, { ...running(11), status: 'completed', version: '3' });
    const page = await index.running(2);
    expect(page.map((entry) => entry.id)).toEqual([a, c]);
    expect(peeked).toEqual([a, b, c]);
    expect(await commands.zscore(startedKey, b as string)).toBeNull();
    expect(await commands.zscore(idleKey, b as string)).toBeNull();
    // Ended, as reported by its own script: it leaves both sets.
    await index.report(c as string, { idle: '-', outbox: '', version: '2' });
    expect(await commands.zscore(startedKey, c as string)).toBeNull();
    await commands.del(...keys);
  });
});
