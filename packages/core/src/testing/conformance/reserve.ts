import { describe, expect, it } from 'vitest';
import type { Reservation, Transport } from '../../transport.js';
import { idsOf, release, retry, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R6: reserve, leases as handed out, tokens, attempts, exclusive delivery. */
export function reserveRules(harness: ConformanceHarness): void {
  describe('reserve', () => {
    const ctx = useSuiteContext(harness);

    it('[R6] returns up to max jobs and marks them active with consumer, startedAt and lease', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('reserve');
      const jobs = await ctx.jobs(transport, queue, 5);
      const first = await ctx.reserve(transport, queue, {
        max: 2,
        leaseUnits: 500,
        consumer: 'worker-a',
      });
      expect(idsOf(first)).toEqual([jobs[0]?.id, jobs[1]?.id]);
      for (const reservation of first) {
        const record = await ctx.record(transport, reservation.envelope.id);
        expect(record).toMatchObject({ state: 'active', consumer: 'worker-a', attempts: 1 });
        expect(record.startedAt).toBeGreaterThanOrEqual(record.enqueuedAt);
        expect(record.leaseExpiresAt).toBe((record.startedAt as number) + ctx.ms(500));
        expect(reservation.leaseExpiresAt).toBe(record.leaseExpiresAt);
      }
      expect(await ctx.reserve(transport, queue, { max: 2 })).toHaveLength(2);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 2 }))).toEqual([jobs[4]?.id]);
      expect(await ctx.reserve(transport, queue, { max: 2 })).toEqual([]);
      expect((await ctx.record(transport, jobs[4]?.id as string)).state).toBe('active');
    });

    it('[R6] gives every reservation its own fresh token, also on re-delivery', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('tokens');
      await ctx.jobs(transport, queue, 4);
      const reservations = await ctx.reserve(transport, queue, { max: 4 });
      const tokens = reservations.map((reservation) => reservation.token);
      for (const token of tokens) expect(token).toMatch(/\S{8,}/);
      expect(new Set(tokens).size).toBe(4);
      const released = reservations[0] as Reservation;
      expect(await ctx.settle(transport, release(released))).toBe('ok');
      const again = await ctx.reserveOne(transport, queue);
      expect(again.envelope.id).toBe(released.envelope.id);
      expect(again.token).not.toBe(released.token);
    });

    it('[R6] sets envelope.attempt to the 1-based delivery number and counts deliveries', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('attempts');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 5 });
      const id = job?.id as string;
      const first = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      expect(first.envelope.attempt).toBe(1);
      expect((await ctx.record(transport, id)).attempts).toBe(1);
      await ctx.advance(3);
      const second = await ctx.reserveOne(transport, queue);
      expect(second.envelope.attempt).toBe(2);
      expect((await ctx.record(transport, id)).attempts).toBe(2);
      expect(await ctx.settle(transport, retry(second, 0))).toBe('ok');
      const third = await ctx.reserveOne(transport, queue);
      expect(third.envelope.attempt).toBe(3);
      expect((await ctx.record(transport, id)).attempts).toBe(3);
    });

    it('[R6] never delivers a job to two concurrent reservers', async () => {
      const transport = await ctx.transport();
      await expectExclusive(transport, transport);
    });

    it.skipIf(!ctx.hasPeer)(
      '[R6] never delivers a job twice across instances of the same broker',
      async () => {
        const transport = await ctx.transport();
        const peer = await ctx.peer(transport);
        await expectExclusive(transport, peer);
      },
    );

    /** 20 jobs, 8 reservers alternating between two transports, 4 jobs each at most. */
    async function expectExclusive(transport: Transport, other: Transport): Promise<void> {
      const queue = uniqueQueue('exclusive');
      const envelopes = await ctx.jobs(transport, queue, 20);
      const consumers = Array.from({ length: 8 }, (_, index) => `racer-${index}`);
      const batches = await Promise.all(
        consumers.map((consumer, index) =>
          ctx.reserve(index % 2 === 0 ? transport : other, queue, { max: 4, consumer }),
        ),
      );
      const delivered = batches.flatMap(idsOf);
      expect(new Set(delivered).size, 'no job delivered twice').toBe(delivered.length);
      expect(delivered.sort()).toEqual(envelopes.map((envelope) => envelope.id).sort());
      for (const [index, batch] of batches.entries()) {
        for (const reservation of batch) {
          const record = await ctx.record(transport, reservation.envelope.id);
          expect(record.consumer).toBe(consumers[index]);
          expect(reservation.envelope.attempt).toBe(1);
        }
      }
      expect(await ctx.reserve(other, queue, { max: 10 })).toEqual([]);
    }

    it('[R6] hands a job to exactly one of several reservers racing on one job', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('one-job');
      const envelope = makeEnvelope(queue);
      await ctx.enqueue(transport, envelope);
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          ctx.reserve(transport, queue, { max: 3, consumer: `racer-${index}` }),
        ),
      );
      expect(batches.flatMap(idsOf)).toEqual([envelope.id]);
      expect((await ctx.record(transport, envelope.id)).attempts).toBe(1);
    });
  });
}
