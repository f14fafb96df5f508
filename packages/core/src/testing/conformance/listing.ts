import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import type { ListJobsOptions, TransportAdmin } from '../../transport-admin.js';
import { capabilityOf, complete, fail, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Long enough never to run out during a test: 1,000 units. */
const LONG = 1_000;
/** Most pages a listing may take before the test gives up on it. */
const MAX_PAGES = 100;

/**
 * Every page of a listing, first to last: each page at most `limit` jobs, every job in
 * the listed state. Returns the ids in page order.
 */
async function allPages(
  admin: TransportAdmin,
  queue: string,
  options: Omit<ListJobsOptions, 'cursor'>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await admin.listJobs(queue, { ...options, ...(cursor && { cursor }) });
    expect(page.jobs.length).toBeLessThanOrEqual(options.limit ?? 50);
    for (const job of page.jobs) expectListedState(job.state, options.state);
    ids.push(...page.jobs.map((job) => job.id));
    if (page.next === undefined) return ids;
    expect(typeof page.next).toBe('string');
    cursor = page.next;
  }
  throw new Error(`listJobs(${queue}, ${options.state}) still had a next page after ${MAX_PAGES}`);
}

function expectListedState(state: string, listed: ListJobsOptions['state']): void {
  if (listed === 'finished')
    expect(['completed', 'failed', 'cancelled', 'expired']).toContain(state);
  else expect(state).toBe(listed);
}

const idsOf = (envelopes: readonly JobEnvelope[]) => envelopes.map((envelope) => envelope.id);

/** A10: `admin.listJobs`, the dashboard's job lists: newest first, paged by cursor. */
export function listingRules(harness: ConformanceHarness): void {
  describe('listJobs', () => {
    const ctx = useSuiteContext(harness);

    it('[A10] lists waiting jobs by priority from highest, last enqueued first within a priority', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-waiting');
      const [a, b, c, d, e] = [5, 7, 5, 0, 7].map((priority) => makeEnvelope(queue, { priority }));
      for (const envelope of [a, b, c, d, e]) await ctx.enqueue(transport, envelope as JobEnvelope);
      const page = await admin.listJobs(queue, { state: 'waiting' });
      expect(page.next).toBeUndefined();
      expect(idsOf(page.jobs.map((job) => job.envelope))).toEqual(
        idsOf([e, b, c, a, d] as JobEnvelope[]),
      );
      expect(page.jobs[0]).toMatchObject({ id: e?.id, state: 'waiting', envelope: e });
    });

    it('[A10] lists delayed jobs latest due first, active jobs latest lease first', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-delayed');
      const delays = [30, 10, 20].map((units) => ({ units, envelope: makeEnvelope(queue) }));
      for (const { units, envelope } of delays) {
        await ctx.enqueue(transport, envelope, { delayMs: ctx.ms(LONG + units) });
      }
      expect(await allPages(admin, queue, { state: 'delayed' })).toEqual(
        [30, 20, 10].map((units) => delays.find((delay) => delay.units === units)?.envelope.id),
      );

      const [first, second, third] = await ctx.jobs(transport, queue, 3);
      for (const envelope of [first, second, third]) {
        expect((await ctx.reserveOne(transport, queue)).envelope.id).toBe(envelope?.id);
        await ctx.advance(1);
      }
      const active = await admin.listJobs(queue, { state: 'active' });
      expect(active.jobs.map((job) => job.id)).toEqual(
        idsOf([third, second, first] as JobEnvelope[]),
      );
      expect(active.jobs[0]).toMatchObject({ state: 'active', attempts: 1 });
      expect(active.jobs[0]?.leaseExpiresAt).toBeGreaterThan(active.jobs[2]?.leaseExpiresAt ?? 0);
    });

    it('[A10] lists dead jobs last dead-lettered first, and finished jobs last finished first', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-final');
      const jobs = await ctx.jobs(transport, queue, 6);
      const reserved = await ctx.reserve(transport, queue, { max: 5 });
      const [dead1, done, dead2, failed, dead3] = reserved;
      if (!dead1 || !done || !dead2 || !failed || !dead3) throw new Error('five jobs reserved');
      // One unit between moves, so each move has a time of its own on every broker.
      expect(await ctx.settle(transport, fail(dead1, true))).toBe('ok');
      await ctx.advance(1);
      expect(await ctx.settle(transport, complete(done, 'ok'))).toBe('ok');
      await ctx.advance(1);
      expect(await ctx.settle(transport, fail(dead2, true))).toBe('ok');
      await ctx.advance(1);
      expect(await ctx.settle(transport, fail(failed, false))).toBe('ok');
      await ctx.advance(1);
      expect(await ctx.settle(transport, fail(dead3, true))).toBe('ok');
      await ctx.advance(1);
      const cancelled = jobs[5] as JobEnvelope;
      expect(await transport.cancel(cancelled.id)).toBe('cancelled');

      const id = (reservation: typeof dead1) => reservation.envelope.id;
      expect(await allPages(admin, queue, { state: 'dead' })).toEqual(
        [dead3, dead2, dead1].map(id),
      );
      expect(await allPages(admin, queue, { state: 'finished' })).toEqual([
        cancelled.id,
        id(failed),
        id(done),
      ]);
      const [last] = (await admin.listJobs(queue, { state: 'dead', limit: 1 })).jobs;
      expect(last).toMatchObject({ id: id(dead3), state: 'dead', error: expect.any(Object) });
      expect(await allPages(admin, queue, { state: 'waiting' })).toEqual([]);
    });

    it('[A10] lists the finished jobs of one final state when asked, last finished first', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-ended');
      const now = await ctx.now(transport);
      const expired = makeEnvelope(queue, { expiresAt: now - ctx.ms(1), priority: 9 });
      await ctx.enqueue(transport, expired);
      const jobs = await ctx.jobs(transport, queue, 7);
      // The reserve finds the expired job first and marks it so [R9].
      const reserved = await ctx.reserve(transport, queue, { max: 6 });
      expect(reserved.map((reservation) => reservation.envelope.id)).toEqual(
        idsOf(jobs.slice(0, 6)),
      );
      const [done1, failed1, dead, done2, failed2, done3] = reserved;
      if (!done1 || !failed1 || !dead || !done2 || !failed2 || !done3) {
        throw new Error('six jobs reserved');
      }
      for (const settlement of [
        complete(done1, 'one'),
        fail(failed1, false),
        fail(dead, true),
        complete(done2, 'two'),
        fail(failed2, false),
        complete(done3, 'three'),
      ]) {
        await ctx.advance(1);
        expect(await ctx.settle(transport, settlement)).toBe('ok');
      }
      const cancelled = jobs[6] as JobEnvelope;
      expect(await transport.cancel(cancelled.id)).toBe('cancelled');

      const id = (reservation: typeof done1) => reservation.envelope.id;
      for (const limit of [1, 50]) {
        expect(await allPages(admin, queue, { state: 'completed', limit })).toEqual(
          [done3, done2, done1].map(id),
        );
        expect(await allPages(admin, queue, { state: 'failed', limit })).toEqual(
          [failed2, failed1].map(id),
        );
      }
      expect(await allPages(admin, queue, { state: 'cancelled' })).toEqual([cancelled.id]);
      expect(await allPages(admin, queue, { state: 'expired' })).toEqual([expired.id]);
      // Each with the task filter too; dead jobs are in none of them.
      expect(
        await allPages(admin, queue, { state: 'failed', task: 'conformance.task', limit: 1 }),
      ).toEqual([failed2, failed1].map(id));
      expect(await allPages(admin, queue, { state: 'failed', task: 'other.task' })).toEqual([]);
      expect(await allPages(admin, queue, { state: 'dead' })).toEqual([id(dead)]);
      const [newest] = (await admin.listJobs(queue, { state: 'failed', limit: 1 })).jobs;
      expect(newest).toMatchObject({ id: id(failed2), state: 'failed', error: expect.any(Object) });
    });

    it('[A10] pages with cursors cover every job exactly once while nothing changes', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-pages');
      await ctx.jobs(transport, queue, 4, { priority: 3 });
      await ctx.jobs(transport, queue, 3, { priority: 8 });
      await ctx.enqueue(
        transport,
        Array.from({ length: 5 }, () => makeEnvelope(queue)),
        { delayMs: ctx.ms(LONG) },
      );
      const reserved = await ctx.reserve(transport, queue, { max: 4 });
      await transport.settle(reserved.map((reservation) => fail(reservation, true)));

      for (const state of ['waiting', 'delayed', 'dead'] as const) {
        const whole = await admin.listJobs(queue, { state, limit: 500 });
        expect(whole.next).toBeUndefined();
        expect(whole.jobs).toHaveLength(state === 'waiting' ? 3 : state === 'delayed' ? 5 : 4);
        for (const limit of [1, 2, 3]) {
          expect(await allPages(admin, queue, { state, limit }), `${state} by ${limit}`).toEqual(
            whole.jobs.map((job) => job.id),
          );
        }
      }
      const first = await admin.listJobs(queue, { state: 'delayed', limit: 5 });
      expect(first.jobs).toHaveLength(5);
      // A last page may come with a cursor; the page after it is empty then.
      if (first.next !== undefined) {
        expect(await admin.listJobs(queue, { state: 'delayed', cursor: first.next })).toEqual({
          jobs: [],
        });
      }
      expect(await admin.listJobs(uniqueQueue('list-unused'), { state: 'waiting' })).toEqual({
        jobs: [],
      });
    });

    it('[A10] a job added between pages makes no delayed or dead job repeat or vanish', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-moving');
      const delayed = Array.from({ length: 6 }, () => makeEnvelope(queue));
      for (const [index, envelope] of delayed.entries()) {
        await ctx.enqueue(transport, envelope, { delayMs: ctx.ms(LONG + 10 * (index + 1)) });
      }
      const page = await admin.listJobs(queue, { state: 'delayed', limit: 2 });
      expect(page.jobs.map((job) => job.id)).toEqual(
        idsOf([delayed[5], delayed[4]] as JobEnvelope[]),
      );
      const added = [makeEnvelope(queue), makeEnvelope(queue)];
      await ctx.enqueue(transport, added[0] as JobEnvelope, { delayMs: ctx.ms(LONG + 35) });
      await ctx.enqueue(transport, added[1] as JobEnvelope, { delayMs: ctx.ms(LONG + 100) });
      const rest = await restOf(admin, queue, 'delayed', 2, page.next);
      expectOnceEach(page.jobs.map((job) => job.id).concat(rest), idsOf(delayed), idsOf(added));
      expect(rest.filter((id) => !idsOf(added).includes(id))).toEqual(
        idsOf([delayed[3], delayed[2], delayed[1], delayed[0]] as JobEnvelope[]),
      );

      const deadQueue = uniqueQueue('list-moving-dead');
      const dying = await ctx.jobs(transport, deadQueue, 6);
      const reserved = await ctx.reserve(transport, deadQueue, { max: 6 });
      for (const reservation of reserved.slice(0, 5)) {
        expect(await ctx.settle(transport, fail(reservation, true))).toBe('ok');
        await ctx.advance(1);
      }
      const deadPage = await admin.listJobs(deadQueue, { state: 'dead', limit: 2 });
      expect(deadPage.jobs).toHaveLength(2);
      expect(await ctx.settle(transport, fail(reserved[5] as (typeof reserved)[0], true))).toBe(
        'ok',
      );
      const deadRest = await restOf(admin, deadQueue, 'dead', 2, deadPage.next);
      const late = dying[5] as JobEnvelope;
      expectOnceEach(
        deadPage.jobs.map((job) => job.id).concat(deadRest),
        idsOf(dying.slice(0, 5)),
        [late.id],
      );
      expect(deadRest).not.toContain(late.id);
    });

    it('[A10] lists only the jobs of a task when asked', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('list-task');
      const mixed = ['a.task', 'b.task', 'a.task', 'a.task', 'b.task'].map((task) =>
        makeEnvelope(queue, { task }),
      );
      for (const envelope of mixed) await ctx.enqueue(transport, envelope);
      const ofA = mixed.filter((envelope) => envelope.task === 'a.task').reverse();
      for (const limit of [1, 2, 50]) {
        expect(await allPages(admin, queue, { state: 'waiting', task: 'a.task', limit })).toEqual(
          idsOf(ofA),
        );
      }
      expect(await allPages(admin, queue, { state: 'waiting', task: 'c.task' })).toEqual([]);
      const reserved = await ctx.reserve(transport, queue, { max: 5 });
      await transport.settle(reserved.map((reservation) => fail(reservation, true)));
      const deadB = await allPages(admin, queue, { state: 'dead', task: 'b.task', limit: 1 });
      expect(deadB.sort()).toEqual(idsOf(mixed.filter((e) => e.task === 'b.task')).sort());
    });
  });
}

/** The ids of every page after the one whose `next` is `cursor`. */
async function restOf(
  admin: TransportAdmin,
  queue: string,
  state: ListJobsOptions['state'],
  limit: number,
  cursor: string | undefined,
): Promise<string[]> {
  if (cursor === undefined) return [];
  const ids: string[] = [];
  let next: string | undefined = cursor;
  for (let pages = 0; next !== undefined && pages < MAX_PAGES; pages++) {
    const page = await admin.listJobs(queue, { state, limit, cursor: next });
    ids.push(...page.jobs.map((job) => job.id));
    next = page.next;
  }
  return ids;
}

/** Every id of `each` exactly once, ids of `maybe` at most once, and nothing else. */
function expectOnceEach(listed: string[], each: string[], maybe: string[]): void {
  for (const id of each)
    expect(
      listed.filter((other) => other === id),
      id,
    ).toHaveLength(1);
  for (const id of maybe)
    expect(listed.filter((other) => other === id).length).toBeLessThanOrEqual(1);
  expect(listed.filter((id) => !each.includes(id) && !maybe.includes(id))).toEqual([]);
}
