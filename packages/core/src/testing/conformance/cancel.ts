import { describe, expect, it } from 'vitest';
import type { Reservation, Transport } from '../../transport.js';
import {
  AT_ONCE_UNITS,
  complete,
  fail,
  idsOf,
  leaseOf,
  release,
  retry,
  type SuiteContext,
  useSuiteContext,
} from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R17–R19: cancelling waiting, running and finished jobs. */
export function cancelRules(harness: ConformanceHarness): void {
  describe('cancel', () => {
    const ctx = useSuiteContext(harness);

    it('[R17] cancels a waiting job: it is never delivered', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-waiting');
      const [doomed, kept] = await ctx.jobs(transport, queue, 2);
      expect(await transport.cancel(doomed?.id as string)).toBe('cancelled');
      expect((await ctx.record(transport, doomed?.id as string)).state).toBe('cancelled');
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([kept?.id]);
      const waited = transport.waitFor(doomed?.id as string, { timeoutMs: ctx.ms(100) });
      expect((await ctx.within(waited, AT_ONCE_UNITS, 'waitFor on a cancelled job'))?.state).toBe(
        'cancelled',
      );
    });

    it('[R17] cancels a delayed job, first delivery or retry: it never comes due', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-delayed');
      const delayed = makeEnvelope(queue);
      await ctx.enqueue(transport, delayed, { delayMs: ctx.ms(2) });
      const [retried] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, retry(reservation, ctx.ms(2)))).toBe('ok');
      for (const id of [delayed.id, retried?.id as string]) {
        expect((await ctx.record(transport, id)).state).toBe('delayed');
        expect(await transport.cancel(id)).toBe('cancelled');
      }
      await ctx.advance(4);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      for (const id of [delayed.id, retried?.id as string]) {
        expect((await ctx.record(transport, id)).state).toBe('cancelled');
      }
    });

    it('[R17] treats a job whose lease expired as waiting, not running', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-expired');
      const [job] = await ctx.jobs(transport, queue, 1);
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      expect(await transport.cancel(job?.id as string)).toBe('cancelled');
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, job?.id as string)).state).toBe('cancelled');
    });

    it('[R18] signals a running job: cancelRequested is set and every listener hears once', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-active');
      const [job] = await ctx.jobs(transport, queue, 1);
      const id = job?.id as string;
      await ctx.reserveOne(transport, queue);
      const heard: string[][] = [[], [], []];
      const unsubscribe = heard.map((list) => transport.onCancel((jobId) => list.push(jobId)));
      unsubscribe[2]?.();
      expect(await transport.cancel(id)).toBe('signalled');
      await ctx.eventually(() => heard[0]?.length === 1 && heard[1]?.length === 1, 4, 'onCancel');
      await ctx.advance(1);
      expect(heard).toEqual([[id], [id], []]);
      expect(await ctx.record(transport, id)).toMatchObject({
        state: 'active',
        cancelRequested: true,
      });
      for (const stop of unsubscribe) stop();
    });

    it('[R18] after a cancel, renew answers cancel-requested and still extends the lease', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-renew');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 4 });
      expect(await transport.cancel(job?.id as string)).toBe('signalled');
      await ctx.advance(2);
      expect(await transport.renew([leaseOf(reservation)], ctx.ms(10))).toEqual([
        'cancel-requested',
      ]);
      await ctx.advance(4);
      expect(
        await transport.renew(
          [leaseOf(reservation), { id: reservation.envelope.id, token: 'not-the-token' }],
          ctx.ms(10),
        ),
      ).toEqual(['cancel-requested', 'lost']);
      expect((await ctx.record(transport, job?.id as string)).state).toBe('active');
    });

    it('[R18] after a cancel, complete still settles as completed', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-complete');
      const [job] = await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await transport.cancel(job?.id as string)).toBe('signalled');
      expect(await ctx.settle(transport, complete(reservation, 'done anyway'))).toBe('ok');
      expect(await ctx.record(transport, job?.id as string)).toMatchObject({
        state: 'completed',
        result: 'done anyway',
      });
    });

    it('[R18] after a cancel, fail, retry and release settle as cancelled', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-settle');
      await ctx.jobs(transport, queue, 4);
      const reservations = (await ctx.reserve(transport, queue, { max: 4 })) as Reservation[];
      expect(reservations).toHaveLength(4);
      for (const reservation of reservations) {
        expect(await transport.cancel(reservation.envelope.id)).toBe('signalled');
      }
      const [failed, dead, retried, released] = reservations as [
        Reservation,
        Reservation,
        Reservation,
        Reservation,
      ];
      const statuses = await transport.settle([
        fail(failed, false),
        fail(dead, true),
        retry(retried, 0),
        release(released),
      ]);
      expect(statuses).toEqual(['ok', 'ok', 'ok', 'ok']);
      for (const reservation of reservations) {
        expect((await ctx.record(transport, reservation.envelope.id)).state).toBe('cancelled');
      }
      await ctx.expectDeadLetters(transport, queue, []);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
    });

    it('[R18] after a cancel, lease expiry makes the job cancelled', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-expiry');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 3 });
      const reservation = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      expect(await transport.cancel(job?.id as string)).toBe('signalled');
      await ctx.advance(3);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, job?.id as string)).state).toBe('cancelled');
      expect(await ctx.settle(transport, complete(reservation))).toBe('stale');
      expect(await transport.cancel(job?.id as string)).toBe('finished');
    });

    it.skipIf(!ctx.hasPeer)('[R18] notifies onCancel listeners of every instance', async () => {
      const transport = await ctx.transport();
      const peer = await ctx.peer(transport);
      const queue = uniqueQueue('cancel-peer');
      const [first, second] = await ctx.jobs(transport, queue, 2);
      await ctx.reserve(transport, queue, { max: 2 });
      const heardHere: string[] = [];
      const heardThere: string[] = [];
      const stops = [
        transport.onCancel((id) => heardHere.push(id)),
        peer.onCancel((id) => heardThere.push(id)),
      ];
      expect(await transport.cancel(first?.id as string)).toBe('signalled');
      expect(await peer.cancel(second?.id as string)).toBe('signalled');
      await ctx.eventually(() => heardHere.length === 2 && heardThere.length === 2, 4, 'onCancel');
      expect(heardHere.sort()).toEqual([first?.id, second?.id].sort());
      expect(heardThere.sort()).toEqual([first?.id, second?.id].sort());
      for (const stop of stops) stop();
    });

    it('[R19] answers finished for a final job and changes nothing', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('cancel-final');
      const now = await ctx.now(transport);
      const expired = makeEnvelope(queue, { expiresAt: now - ctx.ms(1) });
      await ctx.enqueue(transport, expired);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      const ids = [expired.id];
      for (const settle of ['complete', 'fail', 'dead', 'cancel'] as const) {
        ids.push(await finish(ctx, transport, queue, settle));
      }
      const states = await Promise.all(
        ids.map(async (id) => (await ctx.record(transport, id)).state),
      );
      expect(states).toEqual(['expired', 'completed', 'failed', 'dead', 'cancelled']);
      for (const id of ids) expect(await transport.cancel(id)).toBe('finished');
      for (const [index, id] of ids.entries()) {
        expect((await ctx.record(transport, id)).state).toBe(states[index]);
      }
      await ctx.expectDeadLetters(transport, queue, [ids[3] as string]);
    });

    it('[R19] answers not-found for an unknown id', async () => {
      const transport = await ctx.transport();
      expect(await transport.cancel(`${uniqueQueue('unknown')}:nope`)).toBe('not-found');
      expect(await transport.cancel('no-queue-prefix')).toBe('not-found');
    });
  });
}

/** Drives a fresh job of `queue` to a final state; returns its id. */
async function finish(
  ctx: SuiteContext,
  transport: Transport,
  queue: string,
  how: 'complete' | 'fail' | 'dead' | 'cancel',
): Promise<string> {
  const [job] = await ctx.jobs(transport, queue, 1);
  const id = job?.id as string;
  if (how === 'cancel') {
    expect(await transport.cancel(id)).toBe('cancelled');
    return id;
  }
  const reservation = await ctx.reserveOne(transport, queue);
  const settlement = how === 'complete' ? complete(reservation) : fail(reservation, how === 'dead');
  expect(await ctx.settle(transport, settlement)).toBe('ok');
  return id;
}
