import { describe, expect, it } from 'vitest';
import type { JobRecord, Reservation } from '../../transport.js';
import {
  AT_ONCE_UNITS,
  complete,
  fail,
  idsOf,
  leaseOf,
  retry,
  useSuiteContext,
} from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** R20–R21: reading records and waiting for results. */
export function resultRules(harness: ConformanceHarness): void {
  describe('records and waiting for results', () => {
    const ctx = useSuiteContext(harness);

    it('[R20] getJob returns the record through the job’s life', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('record');
      const [envelope] = await ctx.jobs(transport, queue, 1);
      const id = envelope?.id as string;
      const waiting = await ctx.record(transport, id);
      expect(waiting).toMatchObject({ id, state: 'waiting', envelope, attempts: 0 });
      expect(waiting.startedAt).toBeUndefined();
      expect(waiting.finishedAt).toBeUndefined();

      const reservation = await ctx.reserveOne(transport, queue, { consumer: 'worker-r' });
      await transport.renew([leaseOf(reservation, { done: 3, of: 4 })], ctx.ms(1_000));
      const active = await ctx.record(transport, id);
      expect(active).toMatchObject({
        id,
        state: 'active',
        attempts: 1,
        consumer: 'worker-r',
        progress: { done: 3, of: 4 },
        enqueuedAt: waiting.enqueuedAt,
      });
      expect(active.envelope).toMatchObject({ id, task: envelope?.task, input: envelope?.input });
      expect(active.startedAt).toBeGreaterThanOrEqual(waiting.enqueuedAt);

      expect(await ctx.settle(transport, complete(reservation, { sent: true }))).toBe('ok');
      const done = await ctx.record(transport, id);
      expect(done).toMatchObject({ id, state: 'completed', attempts: 1, result: { sent: true } });
      expect(done.finishedAt).toBeGreaterThanOrEqual(active.startedAt as number);
    });

    it('[R20] getJob returns null for an unknown id', async () => {
      const transport = await ctx.transport();
      expect(await transport.getJob(`${uniqueQueue('unknown')}:nope`)).toBeNull();
      expect(await transport.getJob('no-queue-prefix')).toBeNull();
    });

    it('[R21] waitFor resolves as soon as the job is final, whatever the outcome', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-final');
      const jobs = await ctx.jobs(transport, queue, 4);
      const reservations = (await ctx.reserve(transport, queue, { max: 4 })) as Reservation[];
      const waits = jobs.map((job) => transport.waitFor(job.id, { timeoutMs: ctx.ms(50) }));
      await ctx.expectPending(Promise.race(waits), 1, 'waitFor on running jobs');
      const [completed, failed, dead, cancelled] = reservations as [
        Reservation,
        Reservation,
        Reservation,
        Reservation,
      ];
      await transport.settle([complete(completed, 42), fail(failed, false), fail(dead, true)]);
      await transport.cancel(cancelled.envelope.id);
      await transport.settle([retry(cancelled, 0)]);
      const records = await ctx.within(
        Promise.all(waits),
        AT_ONCE_UNITS,
        'waitFor after the jobs finished',
      );
      expect(records.map((record) => record?.state)).toEqual([
        'completed',
        'failed',
        'dead',
        'cancelled',
      ]);
      expect(records[0]?.result).toBe(42);
    });

    it('[R21] waitFor does not resolve on a retry, only when the job is final', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-retry');
      const [job] = await ctx.jobs(transport, queue, 1);
      const first = await ctx.reserveOne(transport, queue);
      const waited = transport.waitFor(job?.id as string, { timeoutMs: ctx.ms(50) });
      expect(await ctx.settle(transport, retry(first, 0))).toBe('ok');
      await ctx.expectPending(waited, 2, 'waitFor after a retry');
      const second = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, complete(second, 'second time'))).toBe('ok');
      const record = await ctx.within(waited, AT_ONCE_UNITS, 'waitFor after completion');
      expect(record).toMatchObject({ state: 'completed', result: 'second time', attempts: 2 });
    });

    it('[R21] waitFor resolves at once for a job already final, and with null for an unknown id', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-done');
      await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      await ctx.settle(transport, complete(reservation, 'early'));
      const done = transport.waitFor(reservation.envelope.id, { timeoutMs: ctx.ms(100) });
      expect(await ctx.within(done, AT_ONCE_UNITS, 'waitFor on a completed job')).toMatchObject({
        state: 'completed',
        result: 'early',
      });
      const unknown = transport.waitFor(`${queue}:nope`, { timeoutMs: ctx.ms(100) });
      expect(await ctx.within(unknown, AT_ONCE_UNITS, 'waitFor on an unknown id')).toBeNull();
    });

    it('[R21] waitFor resolves with the current, non-final record after timeoutMs', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-timeout');
      const [running, queued] = await ctx.jobs(transport, queue, 2);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 1 }))).toEqual([running?.id]);
      const waits = [running, queued].map((job) =>
        transport.waitFor(job?.id as string, { timeoutMs: ctx.ms(5) }),
      );
      await ctx.expectPending(Promise.race(waits), 3, 'waitFor before its timeout');
      const records = await ctx.within(Promise.all(waits), 4, 'waitFor after its timeout');
      expect(records.map((record) => [record?.id, record?.state])).toEqual([
        [running?.id, 'active'],
        [queued?.id, 'waiting'],
      ]);
    });

    it('[R21] resolves every waiter of a job', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-many');
      await ctx.jobs(transport, queue, 1);
      const reservation = await ctx.reserveOne(transport, queue);
      const waits = [1, 2, 3].map(() =>
        transport.waitFor(reservation.envelope.id, { timeoutMs: ctx.ms(50) }),
      );
      await ctx.settle(transport, complete(reservation, 'all'));
      const records = await ctx.within(Promise.all(waits), AT_ONCE_UNITS, 'three waiters');
      expect(records.map((record: JobRecord | null) => record?.result)).toEqual([
        'all',
        'all',
        'all',
      ]);
    });

    it('[R21] close resolves pending waits', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('wait-close');
      const [job] = await ctx.jobs(transport, queue, 1);
      const waited = transport.waitFor(job?.id as string, { timeoutMs: ctx.ms(100) });
      await ctx.expectPending(waited, 1, 'waitFor before close');
      await transport.close();
      const record = await ctx.within(waited, AT_ONCE_UNITS, 'waitFor after close');
      expect(record === null || record.state === 'waiting').toBe(true);
    });

    it.skipIf(!ctx.hasPeer)(
      '[R21] waitFor hears of a job finished through another instance',
      async () => {
        const transport = await ctx.transport();
        const peer = await ctx.peer(transport);
        const queue = uniqueQueue('wait-peer');
        await ctx.jobs(transport, queue, 1);
        const reservation = await ctx.reserveOne(transport, queue);
        const waited = peer.waitFor(reservation.envelope.id, { timeoutMs: ctx.ms(50) });
        await ctx.expectPending(waited, 1, 'waitFor on the peer');
        await ctx.settle(transport, complete(reservation, 'elsewhere'));
        expect(await ctx.within(waited, AT_ONCE_UNITS, 'peer waitFor')).toMatchObject({
          result: 'elsewhere',
        });
      },
    );
  });
}
