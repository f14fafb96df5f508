import { describe, expect, it } from 'vitest';
import type { Reservation } from '../../transport.js';
import { complete, idsOf, leaseOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** R10–R11: renewing leases, and what happens when they run out. */
export function leaseRules(harness: ConformanceHarness): void {
  describe('leases', () => {
    const ctx = useSuiteContext(harness);

    it('[R10] renew answers held while the lease is valid, moves the deadline and stores progress', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('renew');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 4 });
      await ctx.advance(2);
      const progress = { percent: 50, stage: 'resize' };
      expect(await transport.renew([leaseOf(reservation, progress)], ctx.ms(10))).toEqual(['held']);
      const renewed = await ctx.record(transport, id);
      expect(renewed.progress).toEqual(progress);
      // now + leaseMs, not the old deadline + leaseMs.
      expect(renewed.leaseExpiresAt).toBeGreaterThanOrEqual(reservation.leaseExpiresAt + ctx.ms(8));
      expect(renewed.leaseExpiresAt).toBeLessThanOrEqual(reservation.leaseExpiresAt + ctx.ms(9));
      await ctx.advance(4);
      expect((await ctx.record(transport, id)).state).toBe('active');
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect(await transport.renew([leaseOf(reservation, 'step 2')], ctx.ms(10))).toEqual(['held']);
      expect((await ctx.record(transport, id)).progress).toBe('step 2');
      expect(await ctx.settle(transport, complete(reservation))).toBe('ok');
    });

    it('[R10] renew answers per item, in order: a wrong token is lost and changes nothing, an unknown job is gone', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('renew-batch');
      await ctx.jobs(transport, queue, 3);
      const [a, b, c] = (await ctx.reserve(transport, queue, {
        max: 3,
        leaseUnits: 500,
      })) as Reservation[];
      if (!a || !b || !c) throw new Error('expected three reservations');
      await ctx.advance(1);
      const statuses = await transport.renew(
        [
          leaseOf(a),
          { id: c.envelope.id, token: `${c.token}x`, progress: 'forged' },
          { id: `${queue}:missing`, token: a.token },
          leaseOf(b),
        ],
        ctx.ms(500),
      );
      // A wrong token is lost; an id the broker has no record of is gone.
      expect(statuses).toEqual(['held', 'lost', 'gone', 'held']);
      const untouched = await ctx.record(transport, c.envelope.id);
      expect(untouched.leaseExpiresAt).toBe(c.leaseExpiresAt);
      expect(untouched.progress).toBeUndefined();
      expect(await transport.renew([], ctx.ms(500))).toEqual([]);
    });

    it('[R10] renew answers lost once the lease has expired, even if no one re-reserved', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('renew-late');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 3 });
      // Exactly at the deadline the lease is no longer valid (now < leaseExpiresAt fails).
      await ctx.advance(3);
      expect(await transport.renew([leaseOf(reservation, 'late')], ctx.ms(100))).toEqual(['lost']);
      const record = await ctx.record(transport, job?.id as string);
      expect(record.state).toBe('waiting');
      expect(record.progress).not.toBe('late');
      expect(idsOf(await ctx.reserve(transport, queue))).toEqual([job?.id]);
    });

    it('[R10] renew answers lost for an earlier delivery and for a finished job', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('renew-stale');
      await ctx.jobs(transport, queue, 1);
      const first = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      const second = await ctx.reserveOne(transport, queue);
      expect(await transport.renew([leaseOf(first), leaseOf(second)], ctx.ms(100))).toEqual([
        'lost',
        'held',
      ]);
      expect(await ctx.settle(transport, complete(second))).toBe('ok');
      expect(await transport.renew([leaseOf(second)], ctx.ms(100))).toEqual(['lost']);
    });

    it('[R11] an expired lease sends the job back to waiting and the attempt stays counted', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expire');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 3 });
      const id = job?.id as string;
      const first = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'waiting', attempts: 1 });
      const second = await ctx.reserveOne(transport, queue, { consumer: 'worker-2' });
      expect(second.envelope.attempt).toBe(2);
      expect(second.token).not.toBe(first.token);
      expect(await ctx.record(transport, id)).toMatchObject({
        state: 'active',
        attempts: 2,
        consumer: 'worker-2',
      });
    });

    it('[R11] returns an expired job to its own priority level', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expire-priority');
      const [high] = await ctx.jobs(transport, queue, 1, { priority: 9 });
      const lows = await ctx.jobs(transport, queue, 2, { priority: 5 });
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      expect(reservation.envelope.id).toBe(high?.id);
      await ctx.advance(3);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        high?.id,
        lows[0]?.id,
        lows[1]?.id,
      ]);
    });

    it('[R11] makes the job dead with LEASE_EXPIRED when the expired attempt was the last', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expire-dead');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 2 });
      const id = job?.id as string;
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      const record = await ctx.record(transport, id);
      expect(record).toMatchObject({ state: 'dead', attempts: 2 });
      expect(record.error?.code).toBe('LEASE_EXPIRED');
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.expectDeadLetters(transport, queue, [id]);
    });

    it('[R11] never lets waitFor observe an active job whose lease expired', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expire-wait');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      const waited = transport.waitFor(job?.id as string, { timeoutMs: ctx.ms(6) });
      const record = await ctx.within(waited, 8, 'waitFor on a job whose lease expires');
      expect(record?.state).toBe('dead');
      expect(record?.error?.code).toBe('LEASE_EXPIRED');
    });
  });
}
