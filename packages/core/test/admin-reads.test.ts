import { describe, expect, it } from 'vitest';
import { delayedJobIds, pausedQueuesAmong } from '../src/driver/index.js';
import { memoryTransport } from '../src/memory/index.js';
import { makeEnvelope } from '../src/testing/conformance/harness.js';

describe('delayedJobIds', () => {
  it('pages through the delayed jobs of one queue, up to the cap', async () => {
    const transport = memoryTransport();
    const delayed = Array.from({ length: 1_200 }, () => makeEnvelope('reads'));
    await transport.enqueue(delayed.map((envelope) => ({ envelope, delayMs: 60_000 })));
    await transport.enqueue([{ envelope: makeEnvelope('reads') }]);
    await transport.enqueue([{ envelope: makeEnvelope('elsewhere'), delayMs: 60_000 }]);
    const all = await delayedJobIds(transport.admin, 'reads', 10_000);
    expect(new Set(all)).toEqual(new Set(delayed.map((envelope) => envelope.id)));
    expect(all).toHaveLength(1_200);
    expect(await delayedJobIds(transport.admin, 'reads', 700)).toHaveLength(700);
    await transport.close();
  });
});

describe('pausedQueuesAmong', () => {
  it('names the paused ones, sorted, and nothing when the counts cannot be read', async () => {
    const transport = memoryTransport();
    await transport.admin.pauseQueue('b');
    await transport.admin.pauseQueue('a');
    expect(await pausedQueuesAmong(transport.admin, ['c', 'b', 'a', 'b'])).toEqual(['a', 'b']);
    expect(await pausedQueuesAmong(transport.admin, [])).toEqual([]);
    const failing = {
      ...transport.admin,
      queueCounts: () => Promise.reject(new Error('connection reset')),
    };
    expect(await pausedQueuesAmong(failing, ['a'])).toEqual([]);
    await transport.close();
  });
});
