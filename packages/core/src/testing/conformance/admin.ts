import { describe, expect, it } from 'vitest';
import type { Transport } from '../../transport.js';
import type { TransportAdmin, WorkerRecord } from '../../transport-admin.js';
import { complete, fail, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Long enough never to run out during a test: 1,000 units. */
const LONG = 1_000;

/** The transport and its admin; skips the test for a transport without one. */
export async function adminOf(
  ctx: SuiteContext,
  skip: (note?: string) => never,
): Promise<{ transport: Transport; admin: TransportAdmin }> {
  const transport = await ctx.transport();
  const admin = transport.admin ?? skip(`transport ${transport.name} has no admin`);
  return { transport, admin };
}

function workerRecord(id: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id,
    hostname: 'conformance-host',
    pid: 4242,
    queues: ['emails', 'reports'],
    tasks: ['shop.sendEmail'],
    concurrency: 4,
    state: 'running',
    startedAt: 1_700_000_000_000,
    jobs: [{ id: 'emails:abc', task: 'shop.sendEmail', attempt: 2, startedAt: 1_700_000_000_500 }],
    counts: { completed: 3, failed: 1, retried: 2 },
    ...overrides,
  };
}

/**
 * A1–A7: `transport.admin` (queue listing and counts, purge, worker records), what
 * `conveyor status` and `conveyor purge` are built on. Skipped for transports without it.
 * The dashboard's admin calls have groups of their own (listing.ts, job-index.ts, audit.ts).
 */
export function adminRules(harness: ConformanceHarness): void {
  describe('admin', () => {
    const ctx = useSuiteContext(harness);

    it('[A1] listQueues names every queue that has held a job, sorted', async ({ skip }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const [b, a] = [uniqueQueue('admin-list-b'), uniqueQueue('admin-list-a')];
      const delayed = makeEnvelope(a);
      await ctx.jobs(transport, b, 1);
      await ctx.enqueue(transport, delayed, { delayMs: ctx.ms(LONG) });
      const queues = await admin.listQueues();
      expect(queues).toEqual([...queues].sort());
      expect(queues.filter((queue) => queue === a || queue === b)).toEqual([a, b]);
    });

    it('[A2] queueCounts counts waiting, delayed, active, dead and finished jobs, in the order asked', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const [queue, other, unused] = [
        uniqueQueue('admin-counts'),
        uniqueQueue('admin-counts-other'),
        uniqueQueue('admin-counts-unused'),
      ];
      await ctx.jobs(transport, queue, 5);
      await ctx.enqueue(transport, [makeEnvelope(queue), makeEnvelope(queue)], {
        delayMs: ctx.ms(LONG),
      });
      await ctx.jobs(transport, other, 1);
      const [toDead, toComplete, running] = await ctx.reserve(transport, queue, { max: 3 });
      expect(running).toBeDefined();
      if (!toDead || !toComplete) throw new Error('three jobs reserved');
      expect(await ctx.settle(transport, fail(toDead, true))).toBe('ok');
      expect(await ctx.settle(transport, complete(toComplete))).toBe('ok');
      expect(await admin.queueCounts([unused, queue, other])).toEqual([
        { queue: unused, waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 },
        { queue, waiting: 2, delayed: 2, active: 1, dead: 1, finished: 1 },
        { queue: other, waiting: 1, delayed: 0, active: 0, dead: 0, finished: 0 },
      ]);
      expect(await admin.queueCounts([])).toEqual([]);
    });

    it('[A2] a job cancelled while waiting stops counting as waiting at once, and purge and reserve keep the count right', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('admin-counts-cancel');
      const jobs = await ctx.jobs(transport, queue, 6);
      for (const job of jobs.slice(0, 2)) {
        expect(await transport.cancel(job.id)).toBe('cancelled');
      }
      const counts = (waiting: number, finished: number) => [
        { queue, waiting, delayed: 0, active: 0, dead: 0, finished },
      ];
      expect(await admin.queueCounts([queue])).toEqual(counts(4, 2));
      // The reserve passes over the cancelled ones and leases the next.
      const [first] = await ctx.reserve(transport, queue, { max: 1 });
      if (!first) throw new Error('one job reserved');
      expect(first.envelope.id).toBe(jobs[2]?.id);
      expect(await ctx.settle(transport, complete(first))).toBe('ok');
      expect(await admin.queueCounts([queue])).toEqual(counts(3, 3));
      expect(await transport.cancel(jobs[4]?.id as string)).toBe('cancelled');
      expect(await admin.queueCounts([queue])).toEqual(counts(2, 4));
      expect(await admin.purgeQueue(queue)).toBe(2);
      expect(await admin.queueCounts([queue])).toEqual(counts(0, 4));
      // Nothing left over from the cancels: new jobs count one each.
      await ctx.jobs(transport, queue, 2);
      expect(await admin.queueCounts([queue])).toEqual(counts(2, 4));
    });

    it('[A3] queueCounts sees delayed jobs come due and expired leases return', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      // The counts before the due time and the lease deadline can only be seen when the
      // calls up to them take less than `units`: on a machine too busy for that (a real
      // clock), the same again with twice the time, up to 32 units.
      for (let units = 2; ; units *= 2) {
        const queue = uniqueQueue('admin-counts-time');
        const start = await ctx.now(transport);
        await ctx.enqueue(transport, makeEnvelope(queue), { delayMs: ctx.ms(units) });
        await ctx.jobs(transport, queue, 1);
        await ctx.reserveOne(transport, queue, { leaseUnits: units });
        const before = await admin.queueCounts([queue]);
        if ((await ctx.now(transport)) - start >= ctx.ms(units) && units < 32) continue;
        expect(before).toEqual([
          { queue, waiting: 0, delayed: 1, active: 1, dead: 0, finished: 0 },
        ]);
        await ctx.advance(units + 1);
        expect(await admin.queueCounts([queue])).toEqual([
          { queue, waiting: 2, delayed: 0, active: 0, dead: 0, finished: 0 },
        ]);
        return;
      }
    });

    it('[A2] finished counts completed, failed, cancelled and expired jobs while their records are kept', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('admin-counts-finished');
      // The short-lived completed job finishes first: a transport may delete kept records in
      // the order they finished (Redis trims its finished list from the head).
      await ctx.jobs(transport, queue, 1);
      const [toComplete] = await ctx.reserve(transport, queue, { max: 1 });
      if (!toComplete) throw new Error('one job reserved');
      expect(await ctx.settle(transport, complete(toComplete, 'done', ctx.ms(3)))).toBe('ok');
      const now = await ctx.now(transport);
      const expiring = makeEnvelope(queue, { expiresAt: now - ctx.ms(1), priority: 9 });
      const [cancelled] = await ctx.jobs(transport, queue, 1, { priority: 9 });
      await ctx.enqueue(transport, expiring);
      await ctx.jobs(transport, queue, 2);
      expect(await transport.cancel(cancelled?.id as string)).toBe('cancelled');
      // The reserve drops the cancelled and the expired job and takes the other two.
      const [toFail, toDead] = await ctx.reserve(transport, queue, { max: 2 });
      if (!toFail || !toDead) throw new Error('two jobs reserved');
      expect((await ctx.record(transport, expiring.id)).state).toBe('expired');
      expect(await ctx.settle(transport, fail(toFail, false, { resultTtlMs: ctx.ms(LONG) }))).toBe(
        'ok',
      );
      expect(await ctx.settle(transport, fail(toDead, true))).toBe('ok');
      expect(await admin.queueCounts([queue])).toEqual([
        { queue, waiting: 0, delayed: 0, active: 0, dead: 1, finished: 4 },
      ]);
      // The completed job's record goes after its result TTL, and with it its count.
      await ctx.advance(5);
      expect(await transport.getJob(toComplete.envelope.id)).toBeNull();
      expect(await admin.queueCounts([queue])).toEqual([
        { queue, waiting: 0, delayed: 0, active: 0, dead: 1, finished: 3 },
      ]);
    });

    it('[A4] purgeQueue deletes waiting and delayed jobs only, of that queue only', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const [queue, other] = [uniqueQueue('admin-purge'), uniqueQueue('admin-purge-other')];
      const waiting = await ctx.jobs(transport, queue, 4, { priority: 7 });
      const delayed = makeEnvelope(queue);
      await ctx.enqueue(transport, delayed, { delayMs: ctx.ms(LONG) });
      const [kept] = await ctx.jobs(transport, other, 1);
      const [dying, running] = await ctx.reserve(transport, queue, { max: 2 });
      if (!dying || !running) throw new Error('two jobs reserved');
      expect(await ctx.settle(transport, fail(dying, true))).toBe('ok');

      expect(await admin.purgeQueue(queue)).toBe(3);
      const gone = [...waiting.slice(2).map((job) => job.id), delayed.id];
      for (const id of gone) expect(await transport.getJob(id)).toBeNull();
      expect(await admin.queueCounts([queue, other])).toEqual([
        { queue, waiting: 0, delayed: 0, active: 1, dead: 1, finished: 0 },
        { queue: other, waiting: 1, delayed: 0, active: 0, dead: 0, finished: 0 },
      ]);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, kept?.id as string)).state).toBe('waiting');
      // The running job still settles, and the queue takes new jobs.
      expect(await ctx.settle(transport, complete(running))).toBe('ok');
      const [fresh] = await ctx.jobs(transport, queue, 1);
      expect((await ctx.reserveOne(transport, queue)).envelope.id).toBe(fresh?.id);
      expect(await admin.purgeQueue(queue)).toBe(0);
    });

    it('[A5] purgeQueue resolves waitFor on a purged job with null', async ({ skip }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const queue = uniqueQueue('admin-purge-wait');
      const [job] = await ctx.jobs(transport, queue, 1);
      const waited = transport.waitFor(job?.id as string, { timeoutMs: ctx.ms(LONG) });
      await ctx.advance(1);
      expect(await admin.purgeQueue(queue)).toBe(1);
      expect(await ctx.within(waited, 10, 'waitFor on a purged job')).toBeNull();
    });

    it('[A6] putWorker stores a record with the transport clock; refresh, remove and expiry', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      const [b, a] = [uniqueQueue('worker-b'), uniqueQueue('worker-a')];
      const mine = (records: WorkerRecord[]) =>
        records.filter((record) => record.id === a || record.id === b);
      const before = await ctx.now(transport);
      await admin.putWorker(workerRecord(b), ctx.ms(LONG));
      await admin.putWorker(workerRecord(a, { heartbeatAt: 1 }), ctx.ms(LONG));
      const after = await ctx.now(transport);
      const listed = mine(await admin.listWorkers());
      expect(listed.map((record) => record.id)).toEqual([a, b]);
      const [first] = listed;
      expect(first).toMatchObject({ ...workerRecord(a), heartbeatAt: expect.any(Number) });
      expect(first?.heartbeatAt).toBeGreaterThanOrEqual(before);
      expect(first?.heartbeatAt).toBeLessThanOrEqual(after);

      await admin.putWorker(workerRecord(a, { state: 'stopping', jobs: [] }), ctx.ms(2));
      expect(mine(await admin.listWorkers())[0]).toMatchObject({ state: 'stopping', jobs: [] });
      await ctx.advance(3);
      expect(mine(await admin.listWorkers()).map((record) => record.id)).toEqual([b]);
      await admin.removeWorker(b);
      await admin.removeWorker(b);
      expect(mine(await admin.listWorkers())).toEqual([]);
    });

    it('[A7] rejects bad queue names, ttls, listings, searches and audit entries, and every call after close', async ({
      skip,
    }) => {
      const { transport, admin } = await adminOf(ctx, skip);
      await expect(admin.queueCounts(['no spaces'])).rejects.toMatchObject({
        code: 'INVALID_ENVELOPE',
      });
      await expect(admin.purgeQueue('{tag}')).rejects.toMatchObject({ code: 'INVALID_ENVELOPE' });
      await expect(admin.putWorker(workerRecord('w'), 0)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      const queue = uniqueQueue('closed');
      for (const call of [
        () => admin.listJobs(queue, { state: 'waiting', limit: 0 }),
        () => admin.listJobs(queue, { state: 'running' as 'active' }),
        () => admin.findByIndex(queue, { task: 't', field: 'a..b', value: 'v' }),
        () => admin.findByIndex(queue, { task: 't', field: 'a', value: 'v'.repeat(129) }),
        () => admin.appendAudit({ actor: '', action: 'job.retry' }),
        () => admin.listAudit({ limit: 1_001 }),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      }
      await expect(admin.listJobs('no spaces', { state: 'dead' })).rejects.toMatchObject({
        code: 'INVALID_ENVELOPE',
      });
      await transport.close();
      for (const call of [
        () => admin.listQueues(),
        () => admin.queueCounts([queue]),
        () => admin.purgeQueue(queue),
        () => admin.putWorker(workerRecord('w'), 1_000),
        () => admin.removeWorker('w'),
        () => admin.listWorkers(),
        () => admin.listJobs(queue, { state: 'waiting' }),
        () => admin.findByIndex(queue, { task: 't', field: 'f', value: 'v' }),
        () => admin.indexedFields(queue),
        () => admin.appendAudit({ actor: 'a', action: 'job.retry' }),
        () => admin.listAudit(),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      }
    });
  });
}
