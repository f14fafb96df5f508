import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import { idsOf, retry, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R7: delivery order: queue order, then priority, then FIFO by readiness. */
export function priorityRules(harness: ConformanceHarness): void {
  describe('delivery order', () => {
    const ctx = useSuiteContext(harness);

    it('[R7] drains queues in the order given', async () => {
      const transport = await ctx.transport();
      const [a, b, empty] = [uniqueQueue('order-a'), uniqueQueue('order-b'), uniqueQueue('empty')];
      const aJobs = await ctx.jobs(transport, a, 2);
      const bJobs = await ctx.jobs(transport, b, 2);
      const first = await ctx.reserve(transport, [empty, b, a], { max: 3 });
      expect(idsOf(first)).toEqual([bJobs[0]?.id, bJobs[1]?.id, aJobs[0]?.id]);
      expect(idsOf(await ctx.reserve(transport, [empty, b, a], { max: 3 }))).toEqual([
        aJobs[1]?.id,
      ]);
    });

    it('[R7] puts queue order before priority', async () => {
      const transport = await ctx.transport();
      const [a, b] = [uniqueQueue('qp-a'), uniqueQueue('qp-b')];
      const [low] = await ctx.jobs(transport, a, 1, { priority: 0 });
      const [high] = await ctx.jobs(transport, b, 1, { priority: 9 });
      expect(idsOf(await ctx.reserve(transport, [a, b], { max: 1 }))).toEqual([low?.id]);
      expect(idsOf(await ctx.reserve(transport, [a, b], { max: 1 }))).toEqual([high?.id]);
    });

    it('[R7] delivers the highest priority first, FIFO within a priority', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('priority');
      const priorities = [1, 9, 5, 0, 9, 3, 5, 1, 0, 9];
      const envelopes: JobEnvelope[] = [];
      for (const [index, priority] of priorities.entries()) {
        const envelope = makeEnvelope(queue, { priority, input: { index } });
        envelopes.push(envelope);
        // Half one by one, half in one batch: order must not depend on how they came in.
        if (index < 5) await ctx.enqueue(transport, envelope);
      }
      await ctx.enqueue(transport, envelopes.slice(5));
      const expected = envelopes
        .map((envelope, index) => ({ envelope, index }))
        .sort((x, y) => y.envelope.priority - x.envelope.priority || x.index - y.index)
        .map(({ envelope }) => envelope.id);
      const delivered = [
        ...idsOf(await ctx.reserve(transport, queue, { max: 1 })),
        ...idsOf(await ctx.reserve(transport, queue, { max: 1 })),
        ...idsOf(await ctx.reserve(transport, queue, { max: 3 })),
        ...idsOf(await ctx.reserve(transport, queue, { max: 10 })),
      ];
      expect(delivered).toEqual(expected);
    });

    it('[R7] keeps FIFO order across batches within one priority', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('fifo');
      const envelopes: JobEnvelope[] = [];
      for (let batch = 0; batch < 3; batch++) {
        envelopes.push(...(await ctx.jobs(transport, queue, 4)));
      }
      const delivered: string[] = [];
      for (let round = 0; round < 3; round++) {
        delivered.push(...idsOf(await ctx.reserve(transport, queue, { max: 5 })));
      }
      expect(delivered).toEqual(envelopes.map((envelope) => envelope.id));
    });

    it('[R7] orders delayed jobs by when they came due, not when they were enqueued', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('due-order');
      const dueLater = makeEnvelope(queue);
      const dueSooner = makeEnvelope(queue);
      await ctx.enqueue(transport, dueLater, { delayMs: ctx.ms(6) });
      await ctx.enqueue(transport, dueSooner, { delayMs: ctx.ms(3) });
      await ctx.advance(8);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        dueSooner.id,
        dueLater.id,
      ]);
    });

    it('[R7] puts a job that came due ahead of one enqueued after that', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('due-first');
      const delayed = makeEnvelope(queue);
      await ctx.enqueue(transport, delayed, { delayMs: ctx.ms(2) });
      await ctx.advance(4);
      const [waiting] = await ctx.jobs(transport, queue, 1);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        delayed.id,
        waiting?.id,
      ]);
    });

    it('[R7] queues a job retried without delay behind the jobs already waiting', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('retry-order');
      const [first, second, third] = await ctx.jobs(transport, queue, 3);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(first?.id);
      expect(await ctx.settle(transport, retry(reservation, 0))).toBe('ok');
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        second?.id,
        third?.id,
        first?.id,
      ]);
    });

    it('[R7] applies priority to jobs that come due and to retried jobs', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('priority-due');
      const [low] = await ctx.jobs(transport, queue, 1, { priority: 1 });
      const [retried] = await ctx.jobs(transport, queue, 1, { priority: 7 });
      const high = makeEnvelope(queue, { priority: 9 });
      await ctx.enqueue(transport, high, { delayMs: ctx.ms(2) });
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(retried?.id);
      expect(await ctx.settle(transport, retry(reservation, ctx.ms(1)))).toBe('ok');
      await ctx.advance(4);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        high.id,
        retried?.id,
        low?.id,
      ]);
    });
  });
}
