import { describe, expect, it } from 'vitest';
import type { Transport } from '../../transport.js';
import {
  AT_ONCE_UNITS,
  capabilityOf,
  fail,
  idsOf,
  release,
  retry,
  useSuiteContext,
} from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Long enough that a test passing only by running out the wait is caught. */
const WAIT_UNITS = 50;

/** R8: blocking reserve. */
export function waitingRules(harness: ConformanceHarness): void {
  describe('blocking reserve', () => {
    const ctx = useSuiteContext(harness);

    /** A reserve that waits up to WAIT_UNITS, started without awaiting it. */
    function waiter(transport: Transport, queues: string | string[], signal?: AbortSignal) {
      return ctx.reserve(transport, queues, {
        max: 5,
        waitUnits: WAIT_UNITS,
        consumer: 'waiter',
        signal,
      });
    }

    it('[R8] returns [] at once when nothing is ready and waitMs is 0', async () => {
      const transport = await ctx.transport();
      const reserved = ctx.reserve(transport, uniqueQueue('no-wait'), { max: 5 });
      // A reserve that waited would still be pending far longer (WAIT_UNITS).
      expect(await ctx.within(reserved, AT_ONCE_UNITS, 'reserve without waitMs')).toEqual([]);
    });

    it('[R8] returns [] once waitMs has passed, and not before', async () => {
      const transport = await ctx.transport();
      const reserved = ctx.reserve(transport, uniqueQueue('timeout'), { waitUnits: 10 });
      await ctx.expectPending(reserved, 8, 'reserve({ waitMs: 10 units })');
      expect(await ctx.within(reserved, 4, 'reserve({ waitMs: 10 units })')).toEqual([]);
    });

    it('[R8] returns a newly enqueued job at once, without waiting to fill max', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wake-enqueue');
      const reserved = waiter(transport, queue);
      await ctx.expectPending(reserved, 1, 'reserve on an empty queue');
      const [job] = await ctx.jobs(transport, queue, 1);
      const delivered = await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after an enqueue');
      expect(idsOf(delivered)).toEqual([job?.id]);
      expect(await ctx.record(transport, job?.id as string)).toMatchObject({
        state: 'active',
        consumer: 'waiter',
      });
    });

    it('[R8] wakes when a delayed job comes due', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wake-due');
      const envelope = makeEnvelope(queue);
      await ctx.enqueue(transport, envelope, { delayMs: ctx.ms(3) });
      const reserved = waiter(transport, queue);
      await ctx.expectPending(reserved, 1, 'reserve before the job is due');
      expect(idsOf(await ctx.within(reserved, 4, 'reserve as the job comes due'))).toEqual([
        envelope.id,
      ]);
    });

    it('[R8] wakes when a retry makes a job ready, at once or when its delay ends', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wake-retry');
      const [first, second] = await ctx.jobs(transport, queue, 2);
      const [r1, r2] = await ctx.reserve(transport, queue, { max: 2 });
      if (!r1 || !r2) throw new Error('expected two reservations');

      const immediate = waiter(transport, queue);
      await ctx.expectPending(immediate, 1, 'reserve while both jobs run');
      expect(await ctx.settle(transport, retry(r1, 0))).toBe('ok');
      const again = await ctx.within(
        immediate,
        AT_ONCE_UNITS,
        'reserve after a retry without delay',
      );
      expect(idsOf(again)).toEqual([first?.id]);
      expect(again[0]?.envelope.attempt).toBe(2);

      const delayed = waiter(transport, queue);
      expect(await ctx.settle(transport, retry(r2, ctx.ms(3)))).toBe('ok');
      await ctx.expectPending(delayed, 1, 'reserve before the retry delay ends');
      expect(idsOf(await ctx.within(delayed, 4, 'reserve after a retry delay'))).toEqual([
        second?.id,
      ]);
    });

    it('[R8] wakes when a lease expires', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wake-lease');
      const [job] = await ctx.jobs(transport, queue, 1);
      await ctx.reserveOne(transport, queue, { leaseUnits: 3 });
      const reserved = waiter(transport, queue);
      await ctx.expectPending(reserved, 1, 'reserve while the lease holds');
      const again = await ctx.within(reserved, 5, 'reserve after the lease expired');
      expect(idsOf(again)).toEqual([job?.id]);
      expect(again[0]?.envelope.attempt).toBe(2);
    });

    it('[R8] wakes when a job is released', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wake-release');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      const reserved = waiter(transport, queue);
      await ctx.expectPending(reserved, 1, 'reserve while the job runs');
      expect(await ctx.settle(transport, release(reservation))).toBe('ok');
      expect(idsOf(await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after a release'))).toEqual([
        job?.id,
      ]);
    });

    it('[R8] wakes when dead jobs are retried', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('wake-dead');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, fail(reservation, true))).toBe('ok');
      const reserved = waiter(transport, queue);
      await ctx.expectPending(reserved, 1, 'reserve while the job is dead');
      expect(await admin.retryDead(queue)).toBe(1);
      expect(idsOf(await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after retryDead'))).toEqual([
        job?.id,
      ]);
    });

    it('[R8] wakes for a job in any of its queues, and only for those', async () => {
      const transport = await ctx.transport();
      const [a, b, other] = [uniqueQueue('any-a'), uniqueQueue('any-b'), uniqueQueue('other')];
      const reserved = waiter(transport, [a, b]);
      await ctx.jobs(transport, other, 1);
      await ctx.expectPending(reserved, 2, 'reserve after a job in another queue');
      const [job] = await ctx.jobs(transport, b, 1);
      expect(idsOf(await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after a job in b'))).toEqual([
        job?.id,
      ]);
      expect(await ctx.reserve(transport, other, { max: 5 })).toHaveLength(1);
    });

    it('[R8] shares one batch among several waiters without delivering a job twice', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('waiters');
      const waiters = Array.from({ length: 4 }, (_, index) =>
        ctx.reserve(transport, queue, { max: 2, waitUnits: 10, consumer: `waiter-${index}` }),
      );
      await ctx.expectPending(Promise.race(waiters), 1, 'every waiter');
      const envelopes = await ctx.jobs(transport, queue, 3);
      const batches = await ctx.within(Promise.all(waiters), 12, 'all waiters');
      const delivered = batches.flatMap(idsOf);
      expect(new Set(delivered).size).toBe(delivered.length);
      expect(delivered.sort()).toEqual(envelopes.map((envelope) => envelope.id).sort());
    });

    it('[R8] returns [] at once when its signal aborts, and takes nothing afterwards', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('abort');
      const controller = new AbortController();
      const reserved = waiter(transport, queue, controller.signal);
      await ctx.expectPending(reserved, 1, 'reserve before abort');
      controller.abort();
      expect(await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after abort')).toEqual([]);
      const [job] = await ctx.jobs(transport, queue, 1);
      await ctx.advance(1);
      expect((await ctx.record(transport, job?.id as string)).state).toBe('waiting');
      const aborted = waiter(transport, uniqueQueue('aborted'), AbortSignal.abort());
      expect(await ctx.within(aborted, AT_ONCE_UNITS, 'reserve with an aborted signal')).toEqual(
        [],
      );
    });

    it('[R8] returns [] at once when the transport closes; close is idempotent', async () => {
      const transport = await ctx.transport();
      const reserved = waiter(transport, uniqueQueue('close'));
      await ctx.expectPending(reserved, 1, 'reserve before close');
      await transport.close();
      expect(await ctx.within(reserved, 1, 'reserve after close')).toEqual([]);
      await transport.close();
    });

    it.skipIf(!ctx.hasPeer)('[R8] wakes on an enqueue made through another instance', async () => {
      const transport = await ctx.transport();
      const peer = await ctx.peer(transport);
      const queue = uniqueQueue('wake-peer');
      const reserved = waiter(peer, queue);
      await ctx.expectPending(reserved, 1, 'reserve on the peer');
      const [job] = await ctx.jobs(transport, queue, 1);
      expect(
        idsOf(await ctx.within(reserved, AT_ONCE_UNITS, 'peer reserve after enqueue')),
      ).toEqual([job?.id]);
    });
  });
}
