import { describe, expect, it } from 'vitest';
import type { JobError } from '../../job-error.js';
import type { JsonValue } from '../../json.js';
import type { Reservation, Settlement } from '../../transport.js';
import {
  AT_ONCE_UNITS,
  complete,
  completeAndRemove,
  fail,
  jobError,
  release,
  retry,
  useSuiteContext,
} from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** R12–R14: settling deliveries, completing and failing. */
export function settleRules(harness: ConformanceHarness): void {
  describe('settle', () => {
    const ctx = useSuiteContext(harness);

    it('[R12] answers ok or stale per item, in order', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('settle-batch');
      await ctx.jobs(transport, queue, 2);
      const [a, b] = (await ctx.reserve(transport, queue, { max: 2 })) as Reservation[];
      if (!a || !b) throw new Error('expected two reservations');
      const statuses = await transport.settle([
        complete(a, 'a'),
        { ...complete(b, 'forged'), token: `${b.token}x` },
        { ...complete(a, 'ghost'), id: `${queue}:missing` },
        fail(b, false),
      ]);
      expect(statuses).toEqual(['ok', 'stale', 'stale', 'ok']);
      expect(await ctx.record(transport, a.envelope.id)).toMatchObject({
        state: 'completed',
        result: 'a',
      });
      const failed = await ctx.record(transport, b.envelope.id);
      expect(failed.state).toBe('failed');
      expect(failed.result).toBeUndefined();
      expect(await transport.settle([])).toEqual([]);
    });

    it('[R12] rejects an ack after the lease expired, even if no one re-reserved', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('late-ack');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 3 });
      // Exactly at the deadline the lease is no longer valid (now < leaseExpiresAt fails).
      await ctx.advance(3);
      expect(await ctx.settle(transport, complete(reservation, 'late'))).toBe('stale');
      const record = await ctx.record(transport, job?.id as string);
      expect(record).toMatchObject({ state: 'waiting', attempts: 1 });
      expect(record.result).toBeUndefined();
      expect((await ctx.reserveOne(transport, queue)).envelope.attempt).toBe(2);
    });

    it('[R12] changes nothing on a stale fail, retry or release after the lease expired', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('late-settle');
      await ctx.jobs(transport, queue, 4);
      const reservations = await ctx.reserve(transport, queue, { max: 4, leaseUnits: 2 });
      expect(reservations).toHaveLength(4);
      await ctx.advance(3);
      const [dead, failed, retried, released] = reservations as Reservation[];
      const late: Settlement[] = [
        fail(dead as Reservation, true),
        fail(failed as Reservation, false),
        retry(retried as Reservation, ctx.ms(100)),
        release(released as Reservation),
      ];
      expect(await transport.settle(late)).toEqual(['stale', 'stale', 'stale', 'stale']);
      for (const reservation of reservations) {
        const record = await ctx.record(transport, reservation.envelope.id);
        expect(record, `after a stale settlement`).toMatchObject({ state: 'waiting', attempts: 1 });
        expect(record.error).toBeUndefined();
      }
      await ctx.expectDeadLetters(transport, queue, []);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toHaveLength(4);
    });

    it('[R12] rejects an earlier delivery once the job was re-delivered', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('old-token');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const first = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      const second = await ctx.reserveOne(transport, queue, { consumer: 'worker-2' });
      expect(await transport.settle([complete(first, 'old'), fail(first, true)])).toEqual([
        'stale',
        'stale',
      ]);
      expect(await ctx.record(transport, id)).toMatchObject({
        state: 'active',
        consumer: 'worker-2',
      });
      expect(await ctx.settle(transport, complete(second, 'new'))).toBe('ok');
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'completed', result: 'new' });
    });

    it('[R12] rejects a second settlement of the same delivery', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('twice');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, complete(reservation, 1))).toBe('ok');
      const again = await transport.settle([
        complete(reservation, 2),
        fail(reservation, true),
        retry(reservation, 0),
        release(reservation),
      ]);
      expect(again).toEqual(['stale', 'stale', 'stale', 'stale']);
      expect(await ctx.record(transport, job?.id as string)).toMatchObject({
        state: 'completed',
        result: 1,
        attempts: 1,
      });
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
    });

    it('[R13] complete stores the result exactly, with finishedAt', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('results');
      const results: Array<JsonValue | undefined> = [
        0,
        false,
        '',
        null,
        'text ✓',
        [1, 'two', null, { three: 3 }],
        { nested: { list: [], empty: {}, zero: 0 } },
        undefined,
      ];
      await ctx.jobs(transport, queue, results.length);
      const reservations = await ctx.reserve(transport, queue, { max: results.length });
      expect(reservations).toHaveLength(results.length);
      const statuses = await transport.settle(
        reservations.map((reservation, index) => complete(reservation, results[index])),
      );
      expect(statuses).toEqual(results.map(() => 'ok'));
      for (const [index, reservation] of reservations.entries()) {
        const record = await ctx.record(transport, reservation.envelope.id);
        expect(record.state).toBe('completed');
        expect(record.result, `result #${index}`).toStrictEqual(results[index]);
        expect(record.finishedAt).toBeGreaterThanOrEqual(record.startedAt as number);
      }
    });

    it('[R13] keeps a completed record for resultTtlMs, then forgets it', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('ttl');
      const [short, long] = await ctx.jobs(transport, queue, 2);
      const [first, second] = (await ctx.reserve(transport, queue, { max: 2 })) as Reservation[];
      if (!first || !second) throw new Error('expected two reservations');
      expect(first.envelope.id).toBe(short?.id);
      await transport.settle([complete(first, 'short', ctx.ms(3)), complete(second, 'long')]);
      await ctx.advance(1);
      expect((await ctx.record(transport, first.envelope.id)).result).toBe('short');
      await ctx.advance(4);
      expect(await transport.getJob(first.envelope.id)).toBeNull();
      expect(await transport.cancel(first.envelope.id)).toBe('not-found');
      expect((await ctx.record(transport, long?.id as string)).result).toBe('long');
    });

    it('[R13] complete with remove deletes the record at once and tells its waiters it completed', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('remove');
      const [removed, kept] = await ctx.jobs(transport, queue, 2);
      const [first, second] = (await ctx.reserve(transport, queue, {
        max: 2,
        leaseUnits: 10,
      })) as Reservation[];
      if (!first || !second || !removed || !kept) throw new Error('expected two reservations');
      const waiting = transport.waitFor(removed.id, { timeoutMs: ctx.ms(50) });
      await ctx.expectPending(waiting, 1, 'waitFor on a running job');
      const statuses = await transport.settle([completeAndRemove(first), complete(second, 'kept')]);
      expect(statuses).toEqual(['ok', 'ok']);
      // A wait pending as it completed is told so, with no result: none was kept.
      const told = await ctx.within(waiting, AT_ONCE_UNITS, 'waitFor on a removed job');
      expect(told).toMatchObject({ id: removed.id, state: 'completed', removed: true });
      expect(told?.envelope.id).toBe(removed.id);
      expect(told).not.toHaveProperty('result');
      expect(await transport.getJob(removed.id)).toBeNull();
      expect(await transport.waitFor(removed.id, { timeoutMs: ctx.ms(50) })).toBeNull();
      expect(await ctx.record(transport, kept.id)).toMatchObject({
        state: 'completed',
        result: 'kept',
      });
      // Its delivery ended: a second settlement is stale, and no lease comes back to reclaim.
      expect(await ctx.settle(transport, completeAndRemove(first))).toBe('stale');
      await ctx.advance(11);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect(await transport.getJob(removed.id)).toBeNull();
    });

    it('[R12] a removal after the lease expired is stale and deletes nothing', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('late-remove');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 3 });
      await ctx.advance(3);
      expect(await ctx.settle(transport, completeAndRemove(reservation))).toBe('stale');
      expect(await ctx.record(transport, job?.id as string)).toMatchObject({
        state: 'waiting',
        attempts: 1,
      });
      expect((await ctx.reserveOne(transport, queue)).envelope.attempt).toBe(2);
    });

    it('[R14] fail without dead-letter makes the job failed, kept for resultTtlMs', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('failed');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const reservation = await ctx.reserveOne(transport, queue);
      const error: JobError = {
        name: 'ValidationError',
        message: 'email is not an email',
        code: 'VALIDATION_FAILED',
        stack: 'ValidationError: email is not an email\n    at task',
        issues: [{ message: 'Invalid email', path: ['email', 0] }],
      };
      expect(
        await ctx.settle(transport, fail(reservation, false, { error, resultTtlMs: ctx.ms(3) })),
      ).toBe('ok');
      const record = await ctx.record(transport, id);
      expect(record).toMatchObject({ state: 'failed', error });
      expect(record.finishedAt).toBeGreaterThanOrEqual(record.startedAt as number);
      await ctx.expectDeadLetters(transport, queue, []);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(5);
      expect(await transport.getJob(id)).toBeNull();
    });

    it('[R14] fail with dead-letter makes the job dead, listed, and kept with no TTL', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('dead');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      const reservation = await ctx.reserveOne(transport, queue);
      const error = jobError('gave up', 'ATTEMPTS_EXHAUSTED');
      expect(
        await ctx.settle(transport, fail(reservation, true, { error, resultTtlMs: ctx.ms(2) })),
      ).toBe('ok');
      await ctx.advance(4);
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'dead', error });
      const page = await ctx.expectDeadLetters(transport, queue, [id]);
      if (page) expect(page.jobs[0]).toMatchObject({ id, state: 'dead', error });
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
    });
  });
}
