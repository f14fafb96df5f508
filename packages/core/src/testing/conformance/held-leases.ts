import { describe, expect, it } from 'vitest';
import { type Reservation, UNSTARTED_REFUND_LIMIT } from '../../transport.js';
import { complete, idsOf, leaseOf, release, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** Words of the `LEASE_EXPIRED` message of a job whose worker held it unstarted. */
const UNSTARTED = 'before the broker heard that the worker holding it had started it';

/** R27: the expired lease of a job its worker held unstarted (past the reserve's `startNow`). */
export function heldLeaseRules(harness: ConformanceHarness): void {
  describe('held leases', () => {
    const ctx = useSuiteContext(harness);

    it('[R27] a held job whose lease expires is back waiting at the head, its attempt not counted', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-expire');
      const [started, held] = await ctx.jobs(transport, queue, 2, { maxAttempts: 3 });
      const reserved = await ctx.reserve(transport, queue, { max: 2, startNow: 1, leaseUnits: 2 });
      expect(idsOf(reserved)).toEqual([started?.id, held?.id]);
      await ctx.advance(3);
      expect(await ctx.record(transport, started?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 1,
      });
      const record = await ctx.record(transport, held?.id as string);
      expect(record).toMatchObject({ state: 'waiting', attempts: 0 });
      expect(record.history).toHaveLength(1);
      expect(record.history?.[0]).toMatchObject({
        attempt: 1,
        counted: false,
        error: { code: 'LEASE_EXPIRED' },
      });
      expect(record.history?.[0]?.error.message).toContain(UNSTARTED);
      // The counted expiry of the job that started carries no mark.
      const counted = await ctx.record(transport, started?.id as string);
      expect(counted.history?.[0]).toMatchObject({ attempt: 1 });
      expect(counted.history?.[0]).not.toHaveProperty('counted');
      // Given back as a release is: ahead of the job whose run the expiry counted.
      const again = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(again)).toEqual([held?.id, started?.id]);
      expect(again.map((reservation) => reservation.envelope.attempt)).toEqual([1, 2]);
    });

    it('[R27] never dead-letters a held job on its last attempt: it runs on the next reserve', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-last');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      const id = job?.id as string;
      await ctx.reserve(transport, queue, { max: 1, startNow: 0, leaseUnits: 2 });
      await ctx.advance(3);
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'waiting', attempts: 0 });
      await ctx.expectDeadLetters(transport, queue, []);
      const next = await ctx.reserveOne(transport, queue);
      expect(next.envelope.attempt).toBe(1);
      expect(await ctx.settle(transport, complete(next, 'ran'))).toBe('ok');
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'completed', attempts: 1 });
    });

    it('[R27] counts the attempt of a job started at once, or held then renewed as started', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-started');
      const [startedNow, reported, unreported] = await ctx.jobs(transport, queue, 3, {
        maxAttempts: 1,
      });
      const reserved = await ctx.reserve(transport, queue, { max: 3, startNow: 1, leaseUnits: 2 });
      expect(idsOf(reserved)).toEqual([startedNow?.id, reported?.id, unreported?.id]);
      const [, heldOne, stillHeld] = reserved as [Reservation, Reservation, Reservation];
      expect(
        await transport.renew(
          [{ ...leaseOf(heldOne), started: true }, leaseOf(stillHeld)],
          ctx.ms(2),
        ),
      ).toEqual(['held', 'held']);
      await ctx.advance(3);
      for (const id of [startedNow?.id, reported?.id] as string[]) {
        const record = await ctx.record(transport, id);
        expect(record).toMatchObject({ state: 'dead', attempts: 1 });
        expect(record.error?.code).toBe('LEASE_EXPIRED');
        expect(record.error?.message).not.toContain(UNSTARTED);
      }
      // Renewed without `started`: still held.
      expect(await ctx.record(transport, unreported?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
    });

    it('[R27] counts the expiry of a job held, given back, then started at once', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-again');
      const [job, other] = await ctx.jobs(transport, queue, 2, { maxAttempts: 1 });
      const held = await ctx.reserve(transport, queue, { max: 2, startNow: 0 });
      expect(idsOf(held)).toEqual([job?.id, other?.id]);
      for (const reservation of held) {
        expect(await ctx.settle(transport, release(reservation))).toBe('ok');
      }
      // Released one call at a time, each to the head: `other` first. It starts at once now
      // (its old mark cleared), `job` is held again.
      const again = await ctx.reserve(transport, queue, { max: 2, startNow: 1, leaseUnits: 2 });
      expect(idsOf(again)).toEqual([other?.id, job?.id]);
      await ctx.advance(3);
      expect(await ctx.record(transport, other?.id as string)).toMatchObject({
        state: 'dead',
        attempts: 1,
      });
      expect(await ctx.record(transport, job?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
    });

    it(`[R27] counts the expiry once ${UNSTARTED_REFUND_LIMIT} unstarted ones were not`, async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-cap');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      const id = job?.id as string;
      for (let round = 0; round < UNSTARTED_REFUND_LIMIT; round++) {
        await ctx.reserve(transport, queue, { max: 1, startNow: 0, leaseUnits: 2 });
        await ctx.advance(3);
        expect(await ctx.record(transport, id)).toMatchObject({ state: 'waiting', attempts: 0 });
      }
      await ctx.reserve(transport, queue, { max: 1, startNow: 0, leaseUnits: 2 });
      await ctx.advance(3);
      const record = await ctx.record(transport, id);
      expect(record).toMatchObject({ state: 'dead', attempts: 1 });
      expect(record.error?.code).toBe('LEASE_EXPIRED');
      expect(record.history).toHaveLength(UNSTARTED_REFUND_LIMIT + 1);
      // Each given-back expiry is marked as such; the one that counted is not.
      expect(record.history?.map((attempt) => attempt.counted)).toEqual([
        ...Array.from({ length: UNSTARTED_REFUND_LIMIT }, () => false),
        undefined,
      ]);
      await ctx.expectDeadLetters(transport, queue, [id]);
    });

    it('[R27] without startNow every job starts at once: expiries count as before', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-none');
      const jobs = await ctx.jobs(transport, queue, 2, { maxAttempts: 1 });
      const [late] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      expect(await ctx.reserve(transport, queue, { max: 2, leaseUnits: 2 })).toHaveLength(2);
      // Beside them, a job reserved held: only its expiry is not counted.
      await ctx.reserve(transport, queue, { max: 1, startNow: 0, leaseUnits: 2 });
      await ctx.advance(3);
      for (const job of jobs) {
        expect(await ctx.record(transport, job.id)).toMatchObject({ state: 'dead', attempts: 1 });
      }
      expect(await ctx.record(transport, late?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
    });

    it('[R27] startNow counts across the queues of one reserve', async () => {
      const transport = await ctx.transport();
      const first = uniqueQueue('held-first');
      const second = uniqueQueue('held-second');
      const [a] = await ctx.jobs(transport, first, 1, { maxAttempts: 1 });
      const [b] = await ctx.jobs(transport, second, 1, { maxAttempts: 1 });
      const reserved = await ctx.reserve(transport, [first, second], {
        max: 2,
        startNow: 1,
        leaseUnits: 2,
      });
      expect(idsOf(reserved)).toEqual([a?.id, b?.id]);
      await ctx.advance(3);
      expect(await ctx.record(transport, a?.id as string)).toMatchObject({ state: 'dead' });
      expect(await ctx.record(transport, b?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
    });

    it('[R27] a held job cancelled while leased still ends cancelled when its lease expires', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('held-cancel');
      const [job, other] = await ctx.jobs(transport, queue, 2, { maxAttempts: 1 });
      const id = job?.id as string;
      await ctx.reserve(transport, queue, { max: 2, startNow: 0, leaseUnits: 2 });
      expect(await transport.cancel(id)).toBe('signalled');
      await ctx.advance(3);
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'cancelled' });
      // The one not cancelled waits again, unrun.
      expect(await ctx.record(transport, other?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 0,
      });
    });
  });
}
