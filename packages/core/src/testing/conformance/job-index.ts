import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import type { Transport } from '../../transport.js';
import type { IndexEntry, IndexSearch, TransportAdmin } from '../../transport-admin.js';
import { capabilityOf, fail, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

const TASK = 'index.orders';
const OTHER_TASK = 'index.invoices';

/** Every page of a search, first to last. Returns the ids in page order. */
async function allFound(
  admin: TransportAdmin,
  queue: string,
  search: Omit<IndexSearch, 'cursor'>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await admin.findByIndex(queue, { ...search, ...(cursor && { cursor }) });
    expect(page.jobs.length).toBeLessThanOrEqual(search.limit ?? 50);
    ids.push(...page.jobs.map((job) => job.id));
    if (page.next === undefined) return ids;
    cursor = page.next;
  }
  throw new Error(`findByIndex(${queue}) still had a next page after 100`);
}

/**
 * Enqueues one job per call, a time unit apart, so that "newest first" is the same order
 * on every broker whatever it sorts same-millisecond jobs by.
 */
async function enqueueIndexed(
  ctx: SuiteContext,
  transport: Transport,
  jobs: ReadonlyArray<{ envelope: JobEnvelope; index: IndexEntry[] }>,
): Promise<void> {
  for (const { envelope, index } of jobs) {
    await ctx.enqueue(transport, envelope, { index });
    await ctx.advance(1);
  }
}

/** A11: the input-field index, `admin.findByIndex` and `admin.indexedFields`. */
export function jobIndexRules(harness: ConformanceHarness): void {
  describe('input index', () => {
    const ctx = useSuiteContext(harness);

    it('[A11] findByIndex finds a task’s jobs by an indexed value, newest first, paged', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('index-find');
      const byCustomer = (customer: string, task = TASK) => ({
        envelope: makeEnvelope(queue, { task, input: { customer } }),
        index: [
          { field: 'customer.id', value: customer },
          { field: 'region', value: 'eu' },
        ],
      });
      const [first, second, other, third, otherTask] = [
        byCustomer('c-1'),
        byCustomer('c-1'),
        byCustomer('c:2 ü*'),
        byCustomer('c-1'),
        byCustomer('c-1', OTHER_TASK),
      ];
      const plain = makeEnvelope(queue, { task: TASK, input: { customer: 'c-1' } });
      await enqueueIndexed(ctx, transport, [first, second, other, third, otherTask]);
      await ctx.enqueue(transport, plain);

      const search = { task: TASK, field: 'customer.id', value: 'c-1' };
      const newestFirst = [third, second, first].map((job) => job?.envelope.id);
      const page = await admin.findByIndex(queue, search);
      expect(page.jobs.map((job) => job.id)).toEqual(newestFirst);
      expect(page.jobs[0]).toMatchObject({ id: third?.envelope.id, state: 'waiting' });
      for (const limit of [1, 2])
        expect(await allFound(admin, queue, { ...search, limit })).toEqual(newestFirst);
      expect(await allFound(admin, queue, { ...search, task: OTHER_TASK })).toEqual([
        otherTask?.envelope.id,
      ]);
      expect(await allFound(admin, queue, { ...search, value: 'c:2 ü*' })).toEqual([
        other?.envelope.id,
      ]);
      expect(
        await allFound(admin, queue, { task: TASK, field: 'region', value: 'eu' }),
      ).toHaveLength(4);
      expect(await allFound(admin, queue, { ...search, value: 'c-3' })).toEqual([]);
      expect(await allFound(admin, queue, { ...search, field: 'customer' })).toEqual([]);
      expect(await allFound(admin, uniqueQueue('index-other'), search)).toEqual([]);
    });

    it('[A11] findByIndex skips jobs whose records are gone, and finds jobs in any state', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('index-gone');
      const index = [{ field: 'orderId', value: '42' }];
      const jobs = [0, 1, 2].map(() => ({ envelope: makeEnvelope(queue, { task: TASK }), index }));
      await enqueueIndexed(ctx, transport, jobs);
      const [oldest, middle, newest] = jobs.map((job) => job.envelope.id);
      const reserved = await ctx.reserve(transport, queue, { max: 2 });
      expect(reserved.map((reservation) => reservation.envelope.id)).toEqual([oldest, middle]);
      expect(await ctx.settle(transport, fail(reserved[1] as (typeof reserved)[0], true))).toBe(
        'ok',
      );
      expect(await admin.purgeDead(queue, [middle as string])).toBe(1);
      const found = await admin.findByIndex(queue, { task: TASK, field: 'orderId', value: '42' });
      expect(found.jobs.map((job) => [job.id, job.state])).toEqual([
        [newest, 'waiting'],
        [oldest, 'active'],
      ]);
      expect(
        await allFound(admin, queue, { task: TASK, field: 'orderId', value: '42', limit: 1 }),
      ).toEqual([newest, oldest]);
    });

    it('[A11] indexedFields lists the (task, field) pairs jobs of the queue were indexed by, sorted', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('index-fields');
      expect(await admin.indexedFields(queue)).toEqual([]);
      await ctx.enqueue(transport, makeEnvelope(queue, { task: TASK }), {
        index: [
          { field: 'region', value: 'eu' },
          { field: 'customer.id', value: '7' },
        ],
      });
      await ctx.enqueue(transport, makeEnvelope(queue, { task: OTHER_TASK }), {
        index: [{ field: 'invoice', value: 'i-1' }],
      });
      await ctx.enqueue(transport, makeEnvelope(queue, { task: TASK }), {
        index: [{ field: 'region', value: 'us' }],
      });
      await ctx.enqueue(transport, makeEnvelope(queue, { task: 'index.plain' }), { index: [] });
      await ctx.jobs(transport, queue, 1);
      await ctx.enqueue(
        transport,
        makeEnvelope(uniqueQueue('index-fields-other'), { task: TASK }),
        {
          index: [{ field: 'elsewhere', value: 'x' }],
        },
      );
      expect(await admin.indexedFields(queue)).toEqual([
        { task: OTHER_TASK, field: 'invoice' },
        { task: TASK, field: 'customer.id' },
        { task: TASK, field: 'region' },
      ]);
    });
  });
}
