import { describe, expect, it } from 'vitest';
import { adminOf } from './admin.js';
import { AT_ONCE_UNITS, complete, idsOf, retry, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Long enough that a test passing only by running out a wait is caught. */
const WAIT_UNITS = 50;

/**
 * A13: pausing and resuming a queue (`conveyor pause`, the dashboard's pause button).
 * Skipped for transports without `admin`.
 */
export function pauseRules(harness: ConformanceHarness): void {
  describe('pause', () => {
    const ctx = useSuiteContext(harness);

    it('[A13] a paused queue leases nothing; other queues are untouched; counts say paused', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const [queue, other] = [uniqueQueue('pause'), uniqueQueue('pause-other')];
      await ctx.jobs(transport, queue, 2);
      const [elsewhere] = await ctx.jobs(transport, other, 1);
      expect(await admin.pauseQueue(queue)).toBe(true);
      expect(await admin.pauseQueue(queue)).toBe(false);
      expect(await ctx.reserve(transport, queue, { max: 5 })).toEqual([]);
      // A reserve over both queues takes the other queue's job only.
      expect(idsOf(await ctx.reserve(transport, [queue, other], { max: 5 }))).toEqual([
        elsewhere?.id,
      ]);
      const [counts, otherCounts] = await admin.queueCounts([queue, other]);
      expect(counts).toMatchObject({ queue, waiting: 2, paused: true });
      expect(otherCounts?.paused).toBeUndefined();
    });

    it('[A13] jobs keep arriving while paused: enqueues, due delayed jobs and retries wait', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('pause-arrivals');
      const [running] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      await admin.pauseQueue(queue);
      // A job leased before the pause still settles.
      expect(await ctx.settle(transport, retry(reservation, 0))).toBe('ok');
      const delayed = makeEnvelope(queue);
      await ctx.enqueue(transport, delayed, { delayMs: ctx.ms(2) });
      const [fresh] = await ctx.jobs(transport, queue, 1);
      await ctx.advance(3);
      expect(await ctx.reserve(transport, queue, { max: 5 })).toEqual([]);
      const [counts] = await admin.queueCounts([queue]);
      expect(counts).toMatchObject({ waiting: 3, delayed: 0, active: 0, paused: true });
      expect(await admin.resumeQueue(queue)).toBe(true);
      const taken = await ctx.reserve(transport, queue, { max: 5 });
      expect(idsOf(taken).sort()).toEqual([running?.id, delayed.id, fresh?.id].sort());
    });

    it('[A13] resuming wakes a reserve blocked on the queue at once', async ({ skip }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('pause-wake');
      await admin.pauseQueue(queue);
      const reserved = ctx.reserve(transport, queue, {
        max: 5,
        waitUnits: WAIT_UNITS,
        consumer: 'waiter',
      });
      const [job] = await ctx.jobs(transport, queue, 1);
      await ctx.expectPending(reserved, 2, 'a blocked reserve on a paused queue after an enqueue');
      expect(await admin.resumeQueue(queue)).toBe(true);
      expect(await admin.resumeQueue(queue)).toBe(false);
      const delivered = await ctx.within(reserved, AT_ONCE_UNITS, 'the reserve after resume');
      expect(idsOf(delivered)).toEqual([job?.id]);
      const [reservation] = delivered;
      if (reservation) expect(await ctx.settle(transport, complete(reservation))).toBe('ok');
      const [counts] = await admin.queueCounts([queue]);
      expect(counts?.paused).toBeUndefined();
    });

    it('[A13] pausing a queue that never held a job lists it from then on, and is seen by a second instance', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('pause-unused');
      expect(await admin.pauseQueue(queue)).toBe(true);
      expect(await admin.listQueues()).toContain(queue);
      // Listed from then on, as a queue that held a job is.
      expect(await admin.resumeQueue(queue)).toBe(true);
      expect(await admin.listQueues()).toContain(queue);
      expect(await admin.pauseQueue(queue)).toBe(true);
      if (!ctx.hasPeer) return;
      const peer = await ctx.peer(transport);
      await ctx.jobs(peer, queue, 1);
      expect(await ctx.reserve(peer, queue, { max: 5 })).toEqual([]);
      const [counts] = (await peer.admin?.queueCounts([queue])) ?? [];
      expect(counts).toMatchObject({ waiting: 1, paused: true });
    });
  });
}
