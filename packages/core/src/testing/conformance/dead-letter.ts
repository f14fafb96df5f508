import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import type { Transport } from '../../transport.js';
import {
  capabilityOf,
  complete,
  fail,
  idsOf,
  jobError,
  type SuiteContext,
  useSuiteContext,
} from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** R22–R24: the dead-letter set, through `transport.admin` (skipped without it). */
export function deadLetterRules(harness: ConformanceHarness): void {
  describe('dead letters', () => {
    const ctx = useSuiteContext(harness);

    it('[R22] lists dead jobs oldest first, with the total, paged by offset and limit', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('dead-list');
      const ids = await bury(ctx, transport, queue, 5);
      const all = await admin.listDead(queue);
      expect(all.total).toBe(5);
      expect(all.jobs.map((job) => job.id)).toEqual(ids);
      for (const [index, job] of all.jobs.entries()) {
        expect(job).toMatchObject({ state: 'dead', error: { message: `dead #${index}` } });
      }
      const page = await admin.listDead(queue, { offset: 1, limit: 2 });
      expect(page).toMatchObject({ total: 5 });
      expect(page.jobs.map((job) => job.id)).toEqual(ids.slice(1, 3));
      const tail = await admin.listDead(queue, { offset: 4, limit: 10 });
      expect(tail.jobs.map((job) => job.id)).toEqual(ids.slice(4));
      expect(await admin.listDead(queue, { offset: 10 })).toEqual({ jobs: [], total: 5 });
      expect((await admin.listDead(queue, { limit: 3 })).jobs.map((job) => job.id)).toEqual(
        ids.slice(0, 3),
      );
    });

    it('[R22] lists only dead jobs of that queue', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('dead-own'), uniqueQueue('dead-other')];
      expect(await admin.listDead(queue)).toEqual({ jobs: [], total: 0 });
      await bury(ctx, transport, other, 1);
      const [failed] = await ctx.jobs(transport, queue, 1);
      await ctx.settle(transport, fail(await ctx.reserveOne(transport, queue), false));
      expect((await ctx.record(transport, failed?.id as string)).state).toBe('failed');
      expect(await admin.listDead(queue)).toEqual({ jobs: [], total: 0 });
      expect((await admin.listDead(other)).total).toBe(1);
    });

    it('[R23] retryDead moves the given dead jobs back to waiting with attempts and error reset', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('dead-retry');
      const ids = await bury(ctx, transport, queue, 3);
      expect((await ctx.record(transport, ids[0] as string)).error).toBeDefined();
      expect(await admin.retryDead(queue, [ids[0] as string, ids[2] as string])).toBe(2);
      for (const id of [ids[0], ids[2]]) {
        const record = await ctx.record(transport, id as string);
        expect(record).toMatchObject({ state: 'waiting', attempts: 0 });
        // A retried job that completed still showed the old failure as its error.
        expect(record.error).toBeUndefined();
      }
      const remaining = await admin.listDead(queue);
      expect(remaining.total).toBe(1);
      expect(remaining.jobs.map((job) => job.id)).toEqual([ids[1]]);
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(delivered).sort()).toEqual([ids[0], ids[2]].sort());
      for (const reservation of delivered) expect(reservation.envelope.attempt).toBe(1);
    });

    it('[R23] retryDead without ids moves every dead job of the queue, and no other', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('dead-all'), uniqueQueue('dead-keep')];
      const ids = await bury(ctx, transport, queue, 3);
      const [kept] = await bury(ctx, transport, other, 1);
      expect(await admin.retryDead(queue)).toBe(3);
      expect(await admin.listDead(queue)).toEqual({ jobs: [], total: 0 });
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 })).sort()).toEqual(
        [...ids].sort(),
      );
      expect((await ctx.record(transport, kept as string)).state).toBe('dead');
      expect(await admin.retryDead(queue)).toBe(0);
    });

    it('[R23] retryDead ignores ids that are not dead in that queue', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('dead-ignore'), uniqueQueue('dead-elsewhere')];
      const [dead] = await bury(ctx, transport, queue, 1);
      const [elsewhere] = await bury(ctx, transport, other, 1);
      const [completed] = await ctx.jobs(transport, queue, 1);
      await ctx.settle(transport, complete(await ctx.reserveOne(transport, queue)));
      const [waiting] = await ctx.jobs(transport, queue, 1);
      const ids = [waiting?.id, completed?.id, elsewhere, dead].map((id) => id as string);
      const count = await admin.retryDead(queue, [...ids, `${queue}:missing`]);
      expect(count).toBe(1);
      expect((await ctx.record(transport, waiting?.id as string)).state).toBe('waiting');
      expect((await ctx.record(transport, completed?.id as string)).state).toBe('completed');
      expect((await ctx.record(transport, elsewhere as string)).state).toBe('dead');
      expect((await ctx.record(transport, dead as string)).state).toBe('waiting');
    });

    it('[R23] gives a job that died of lease expiry a fresh attempt budget', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('dead-budget');
      const [job] = await ctx.jobs(transport, queue, 1, { maxAttempts: 1 });
      const id = job?.id as string;
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      expect((await ctx.record(transport, id)).state).toBe('dead');
      expect(await admin.retryDead(queue, [id])).toBe(1);
      const again = await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      expect(again.envelope.attempt).toBe(1);
      await ctx.advance(3);
      expect(await ctx.record(transport, id)).toMatchObject({ state: 'dead', attempts: 1 });
    });

    it('[R23] retryDead leaves a workflow step job dead, with or without ids', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('dead-step');
      const workflow = { id: 'wf-dead-step', step: 'charge', kind: 'run' } as const;
      const [before] = await bury(ctx, transport, queue, 1);
      const steps = await bury(ctx, transport, queue, 2, { workflow });
      const [after] = await bury(ctx, transport, queue, 1);
      expect(await admin.retryDead(queue, [steps[0] as string, before as string])).toBe(1);
      expect(await admin.retryDead(queue)).toBe(1);
      const left = await admin.listDead(queue);
      expect(left.jobs.map((job) => job.id)).toEqual(steps);
      expect(left.jobs[0]?.envelope.workflow).toEqual(workflow);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 })).sort()).toEqual(
        [before, after].sort(),
      );
      expect(await admin.purgeDead(queue)).toBe(2);
    });

    it('[R24] purgeDead deletes the given dead jobs; their records are gone', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('dead-purge');
      const ids = await bury(ctx, transport, queue, 3);
      expect(await admin.purgeDead(queue, [ids[1] as string])).toBe(1);
      expect(await transport.getJob(ids[1] as string)).toBeNull();
      const page = await admin.listDead(queue);
      expect(page.total).toBe(2);
      expect(page.jobs.map((job) => job.id)).toEqual([ids[0], ids[2]]);
      expect(await admin.retryDead(queue, [ids[1] as string])).toBe(0);
    });

    it('[R24] purgeDead without ids deletes every dead job of the queue, and no other', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('dead-purge-all'), uniqueQueue('dead-purge-keep')];
      const ids = await bury(ctx, transport, queue, 3);
      const [kept] = await bury(ctx, transport, other, 1);
      expect(await admin.purgeDead(queue)).toBe(3);
      for (const id of ids) expect(await transport.getJob(id)).toBeNull();
      expect(await admin.listDead(queue)).toEqual({ jobs: [], total: 0 });
      expect((await ctx.record(transport, kept as string)).state).toBe('dead');
      expect(await admin.purgeDead(queue)).toBe(0);
    });

    it('[R24] purgeDead ignores ids that are not dead in that queue', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('dead-purge-ignore'), uniqueQueue('dead-purge-other')];
      const [elsewhere] = await bury(ctx, transport, other, 1);
      const [waiting] = await ctx.jobs(transport, queue, 1);
      const ids = [waiting?.id as string, elsewhere as string, `${queue}:missing`];
      expect(await admin.purgeDead(queue, ids)).toBe(0);
      expect((await ctx.record(transport, waiting?.id as string)).state).toBe('waiting');
      expect((await ctx.record(transport, elsewhere as string)).state).toBe('dead');
    });
  });
}

/**
 * Dead-letters `count` fresh jobs of `queue` (with the envelope's `overrides`), one time
 * unit apart so that their order is unambiguous; returns their ids, oldest first.
 */
async function bury(
  ctx: SuiteContext,
  transport: Transport,
  queue: string,
  count: number,
  overrides?: Partial<JobEnvelope>,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const [job] = await ctx.jobs(transport, queue, 1, overrides);
    const reservation = await ctx.reserveOne(transport, queue);
    expect(reservation.envelope.id).toBe(job?.id);
    const error = jobError(`dead #${index}`);
    expect(await ctx.settle(transport, fail(reservation, true, { error }))).toBe('ok');
    ids.push(reservation.envelope.id);
    await ctx.advance(1);
  }
  return ids;
}
