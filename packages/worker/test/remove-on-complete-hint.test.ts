import { createTaskRegistry, defineTask } from '@conveyor/core';
import { partitionName } from '@conveyor/core/transport';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queuesRemovingOnComplete } from '../src/removing-queues.js';
import { QUEUE, useWorkerHarness } from './helpers.js';

// The worker tells the transport which queues' jobs it completes with removal
// (ReserveRequest.removeOnComplete), so that the Redis transport can leave them packed.

const input = z.object({ n: z.number() });
const task = (name: string, queue: string | undefined, removeOnComplete?: boolean) =>
  defineTask({
    name,
    input,
    run: () => null,
    ...(queue !== undefined && { queue }),
    ...(removeOnComplete !== undefined && { removeOnComplete }),
  });

describe('queues whose jobs the worker removes on completion', () => {
  it('takes a queue when every task that names it removes, else none that names it', () => {
    const registry = createTaskRegistry([
      task('mail.send', 'emails', true),
      task('mail.audit', 'emails', false),
      task('report.build', 'reports', true),
    ]);
    const partition = partitionName('reports', 1, 4);
    const queues = ['emails', 'reports', partition, 'other'];
    // `other`: no task names it, and not every task removes.
    expect(queuesRemovingOnComplete(registry, queues, false)).toEqual(['reports', partition]);
  });

  it("takes the worker's setting for tasks that leave it unset, and every queue when all remove", () => {
    const registry = createTaskRegistry([task('a', 'emails'), task('b', undefined, true)]);
    expect(queuesRemovingOnComplete(registry, ['emails', 'default', 'other'], true)).toEqual([
      'emails',
      'default',
      'other',
    ]);
    expect(queuesRemovingOnComplete(registry, ['emails', 'default', 'other'], false)).toEqual([
      'default',
    ]);
  });
});

describe('the reserve hint', () => {
  const workers = useWorkerHarness();

  it('names the queues of a worker whose tasks remove their jobs', async () => {
    const harness = await workers.start([task('t.gone', undefined, true)], { concurrency: 1 });
    await harness.enqueue('t.gone', { n: 1 });
    await harness.clock.advance(0);
    expect(harness.transport.calls.reserve[0]?.removeOnComplete).toEqual([QUEUE]);
  });

  it('is not sent when a task keeps its record', async () => {
    const harness = await workers.start([task('t.kept', undefined)], { concurrency: 1 });
    await harness.enqueue('t.kept', { n: 1 });
    await harness.clock.advance(0);
    expect(harness.transport.calls.reserve[0]).toBeDefined();
    expect(harness.transport.calls.reserve[0]?.removeOnComplete).toBeUndefined();
  });
});
