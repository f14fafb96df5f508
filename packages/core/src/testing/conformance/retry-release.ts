import { describe, expect, it } from 'vitest';
import type { Reservation } from '../../transport.js';
import { idsOf, jobError, release, retry, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** R15–R16: giving a delivery back, as a retry or unrun. */
export function retryReleaseRules(harness: ConformanceHarness): void {
  describe('retry and release', () => {
    const ctx = useSuiteContext(harness);

    it('[R15] retry with delayMs makes the job delayed, keeps the error and the attempt', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('retry-delay');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const reservation = await ctx.reserveOne(transport, queue);
      const error = jobError('smtp timeout', 'ETIMEDOUT');
      expect(await ctx.settle(transport, retry(reservation, ctx.ms(4), error))).toBe('ok');
      const record = await ctx.record(transport, id);
      expect(record).toMatchObject({ state: 'delayed', attempts: 1, error });
      expect(record.dueAt).toBeGreaterThanOrEqual((record.startedAt as number) + ctx.ms(4));
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(1);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(4);
      const again = await ctx.reserveOne(transport, queue);
      expect(again.envelope.attempt).toBe(2);
      expect((await ctx.record(transport, id)).attempts).toBe(2);
    });

    it('[R15] retry with delayMs 0 makes the job waiting and deliverable at once', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('retry-now');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const reservation = await ctx.reserveOne(transport, queue);
      const error = jobError('flaky');
      expect(await ctx.settle(transport, retry(reservation, 0, error))).toBe('ok');
      expect(await ctx.record(transport, id)).toMatchObject({
        state: 'waiting',
        attempts: 1,
        error,
      });
      const again = await ctx.reserveOne(transport, queue);
      expect(again.envelope.attempt).toBe(2);
      expect(again.token).not.toBe(reservation.token);
    });

    it('[R15] retry re-queues even when no attempts remain: the runner decides, not the transport', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('retry-last');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, retry(reservation, 0))).toBe('ok');
      expect((await ctx.record(transport, job?.id as string)).state).toBe('waiting');
      expect((await ctx.reserveOne(transport, queue)).envelope.attempt).toBe(2);
    });

    it('[R16] release puts the job back at the head of its level and does not count the delivery', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('release');
      const jobs = await ctx.jobs(transport, queue, 3);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(jobs[0]?.id);
      expect(await ctx.settle(transport, release(reservation))).toBe('ok');
      expect(await ctx.record(transport, jobs[0]?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(delivered)).toEqual(jobs.map((job) => job.id));
      expect(delivered[0]?.envelope.attempt).toBe(1);
    });

    it('[R16] release goes to the head of its own priority level, not above higher ones', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('release-priority');
      const [first, second] = await ctx.jobs(transport, queue, 2, { priority: 5 });
      const reservation = await ctx.reserveOne(transport, queue);
      const [high] = await ctx.jobs(transport, queue, 1, { priority: 9 });
      const [low] = await ctx.jobs(transport, queue, 1, { priority: 1 });
      expect(await ctx.settle(transport, release(reservation))).toBe('ok');
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        high?.id,
        first?.id,
        second?.id,
        low?.id,
      ]);
    });

    it('[R16] jobs released in one call go back to the head in the order of the call', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('release-several');
      const ids = (await ctx.jobs(transport, queue, 4)).map((job) => job.id);
      // A worker stopping twice releases its held jobs twice: the order must hold both times.
      for (const round of [1, 2]) {
        const held = await ctx.reserve(transport, queue, { max: 3 });
        expect(idsOf(held), `held in round ${round}`).toEqual(ids.slice(0, 3));
        expect(await transport.settle(held.map(release))).toEqual(['ok', 'ok', 'ok']);
      }
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual(ids);
    });

    it('[R16] releases keep their order within each level beside other settlements', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('release-mixed');
      const [lowA, lowB, retried] = await ctx.jobs(transport, queue, 3, { priority: 1 });
      const [highA, highB] = await ctx.jobs(transport, queue, 2, { priority: 9 });
      const held = await ctx.reserve(transport, queue, { max: 5 });
      const order = [highA, highB, lowA, lowB, retried].map((job) => job?.id);
      expect(idsOf(held)).toEqual(order);
      const [highHeld, highNext, lowHeld, lowNext, again] = held as [
        Reservation,
        Reservation,
        Reservation,
        Reservation,
        Reservation,
      ];
      // Levels interleaved, and a retry (to the tail) between the releases.
      const batch = [
        release(lowHeld),
        release(highHeld),
        retry(again, 0),
        release(lowNext),
        release(highNext),
      ];
      expect(await transport.settle(batch)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual(order);
    });

    it('[R16] release uncounts only the released delivery, not earlier expired ones', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('release-count');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 3 });
      const id = job?.id as string;
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      const second = await ctx.reserveOne(transport, queue);
      expect(second.envelope.attempt).toBe(2);
      expect(await ctx.settle(transport, release(second))).toBe('ok');
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'waiting', attempts: 1 });
      expect((await ctx.reserveOne(transport, queue)).envelope.attempt).toBe(2);
    });
  });
}
