import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/client.js';
import { memoryTransport } from '../src/memory/memory-transport.js';
import { MAX_DURATION_MS, MAX_EPOCH_MS } from '../src/retry-policy.js';
import { defineTask } from '../src/task.js';
import { placeOrder } from './workflow/fixtures.js';

/**
 * Durations and times had no upper bound: any finite number was taken. On Redis
 * `delay: 1e20` ran the job at once and `resultTtl: 1e20` dropped the result as it was
 * stored; a time past what a `Date` holds made every `toISOString()` of it throw.
 */

const input = z.object({});
const task = defineTask({ name: 't.bounds', input, run: () => 'ok' });

function setup() {
  const transport = memoryTransport();
  return { transport, client: createClient({ transport }) };
}

describe('option bounds', () => {
  it('refuse a delay, eta or expiresAt past the bound at enqueue, storing nothing', async () => {
    const { transport, client } = setup();
    await expect(client.enqueue(task, {}, { delay: 1e20 })).rejects.toThrow(
      'Invalid delay 100000000000000000000: expected a duration in ms (a number from 0 to 4,503,599,627,370,496, about 142,000 years).',
    );
    await expect(client.enqueue(task, {}, { eta: 1e16 })).rejects.toThrow(
      'Invalid eta 10000000000000000: expected a Date or epoch milliseconds, no later than 8,640,000,000,000,000 (the latest time a Date holds).',
    );
    await expect(client.enqueueMany(task, [{}], { expiresAt: 1e300 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    const [counts] = await transport.admin.queueCounts(['default']);
    expect((counts?.waiting ?? 0) + (counts?.delayed ?? 0)).toBe(0);
  });

  it('take the bounds themselves', async () => {
    const { client } = setup();
    const delayed = await client.enqueue(task, {}, { delay: MAX_DURATION_MS });
    expect(await delayed.status()).toBe('delayed');
    const late = await client.enqueue(task, {}, { eta: MAX_EPOCH_MS });
    expect((await client.getJob(late.id))?.dueAt).toBe(MAX_EPOCH_MS);
    expect(() =>
      defineTask({ name: 't.long', input, resultTtl: MAX_DURATION_MS, run: () => 1 }),
    ).not.toThrow();
  });

  it('refuse a resultTtl, a dedupe window or a workflow timeout past the bound', async () => {
    expect(() => defineTask({ name: 't.ttl', input, resultTtl: 1e20, run: () => 1 })).toThrow(
      'Invalid resultTtl of task "t.ttl" 100000000000000000000',
    );
    expect(() =>
      defineTask({ name: 't.rate', input, rateLimit: { limit: 5, per: 1e20 }, run: () => 1 }),
    ).toThrow('Invalid rateLimit of task "t.rate"');
    expect(() => createClient({ transport: memoryTransport(), dedupeWindowMs: 2 ** 53 })).toThrow(
      'Invalid dedupeWindowMs',
    );
    const { client } = setup();
    await expect(
      client.workflows.start(placeOrder, { orderId: 'o', items: [] }, { timeoutMs: 1e20 }),
    ).rejects.toThrow('Invalid timeoutMs');
    await expect(
      client.workflows.start(placeOrder, { orderId: 'o', items: [] }, { deadline: 1e16 }),
    ).rejects.toThrow('Invalid deadline');
  });

  // `deadline: 1000` (seconds, or a duration, where a time is asked for) started a run that
  // failed at once with WORKFLOW_TIMED_OUT at 1970-01-01; `expiresAt: 60_000` dropped the
  // job unrun, and `eta: 60_000` ran it at once.
  it('refuse a number that reads as a duration or seconds where a time is asked for', async () => {
    const { transport, client } = setup();
    await expect(client.enqueue(task, {}, { eta: 60_000 })).rejects.toThrow(
      'Invalid eta 60000: expected a time: a Date or epoch milliseconds (Date.now() + ms); 60000 is 1970-01-01T00:01:00.000Z, so it reads as a duration or as seconds. For a time from now, pass delay (ms) instead.',
    );
    await expect(client.enqueue(task, {}, { expiresAt: 60_000 })).rejects.toThrow(
      'Invalid expiresAt 60000: expected a time: a Date or epoch milliseconds (Date.now() + ms); 60000 is 1970-01-01T00:01:00.000Z, so it reads as a duration or as seconds. For a time from now, pass Date.now() + ms.',
    );
    const seconds = Math.floor(Date.now() / 1000) + 60;
    await expect(
      client.workflows.start(placeOrder, { orderId: 'o', items: [] }, { deadline: seconds }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('pass timeoutMs instead'),
    });
    const [counts] = await transport.admin.queueCounts(['default']);
    expect((counts?.waiting ?? 0) + (counts?.delayed ?? 0)).toBe(0);
    // A Date is a time whatever it holds, and epoch ms from 2001 on are taken.
    const past = await client.enqueue(task, {}, { eta: new Date(60_000) });
    expect(await past.status()).toBe('waiting');
    await expect(
      client.enqueue(task, {}, { expiresAt: Date.now() + 60_000 }),
    ).resolves.toBeDefined();
  });

  // A job that could never run was stored and expired unrun: `result()` said only that it
  // expired (JOB_CANCELLED), later, where the call could have said why at once.
  it('refuse an expiresAt already past, or not after the start its delay or eta gives', async () => {
    const { transport, client } = setup();
    const past = Date.now() - 60_000;
    await expect(client.enqueue(task, {}, { expiresAt: past })).rejects.toThrow(
      new RegExp(
        `^Invalid expiresAt ${past}: expected a time in the future: \\S+ is 6\\d,\\d{3} ms before now \\(\\S+\\), so the job would expire without running\\. Pass a later time, or skip the enqueue once its time has passed\\.$`,
      ),
    );
    const soon = Date.now() + 500;
    await expect(
      client.enqueueMany(task, [{}, {}], { delay: 2_000, expiresAt: soon }),
    ).rejects.toThrow(
      /^Invalid expiresAt \d+: expected a time after the job's start: its delay of 2000 ms makes it due at \S+, and \S+ is 1,\d{3} ms before that, so the job would expire without running\. Pass a later expiresAt, or an earlier start\.$/,
    );
    const eta = new Date(Date.now() + 3_600_000);
    await expect(
      client.enqueue(task, {}, { eta, expiresAt: new Date(eta.getTime() - 1) }),
    ).rejects.toThrow(
      `its eta makes it due at ${eta.toISOString()}, and ${new Date(eta.getTime() - 1).toISOString()} is 1 ms before that`,
    );
    const [counts] = await transport.admin.queueCounts(['default']);
    expect((counts?.waiting ?? 0) + (counts?.delayed ?? 0)).toBe(0);
    // After the start, it is taken.
    const later = await client.enqueue(task, {}, { eta, expiresAt: eta.getTime() + 1 });
    expect(await later.status()).toBe('delayed');
    // A keyed call may resend one whose reply was lost, its expiresAt since past: the key
    // finds the stored job (a review found the resend refused).
    const keyed = { idempotencyKey: 'k-expiry', expiresAt: Date.now() + 60_000 };
    const first = await client.enqueue(task, {}, keyed);
    const again = await client.enqueue(task, {}, { ...keyed, expiresAt: past });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
  });

  // `deadline: Date.now() - 60_000` and `timeoutMs: 0` started a run that failed at once
  // with WORKFLOW_TIMED_OUT "still running at its deadline", a time before it was created,
  // after its first step's job had started.
  it('refuse a workflow start whose time is up as it starts, storing nothing', async () => {
    const { transport, client } = setup();
    const order = { orderId: 'o', items: [] };
    const past = Date.now() - 60_000;
    const error = await client.workflows
      .start(placeOrder, order, { deadline: past })
      .catch((thrown: unknown) => thrown as Error);
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect((error as Error).message).toMatch(
      `Invalid deadline ${past}: expected a time in the future: ${new Date(past).toISOString()} is `,
    );
    expect((error as Error).message).toMatch(
      /ms before now \(.+\), so the run would time out as it starts\. Pass a later time, or timeoutMs for a time from now\.$/,
    );
    await expect(
      client.workflows.start(placeOrder, order, { deadline: new Date(past) }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    // Not "a number from 0", which the general duration rule says and 0 is refused by.
    await expect(
      client.workflows.start(placeOrder, order, { timeoutMs: 'soon' as unknown as number }),
    ).rejects.toThrow(
      'Invalid timeoutMs "soon": expected a number of ms greater than 0 and at most 4,503,599,627,370,496. Leave timeoutMs out for a run without a time limit.',
    );
    await expect(client.workflows.start(placeOrder, order, { timeoutMs: 0 })).rejects.toThrow(
      'Invalid timeoutMs 0: expected a number of ms greater than 0: the run would time out as it starts. Leave timeoutMs out for a run without a time limit.',
    );
    expect(await transport.workflows.running(10)).toEqual([]);
    expect(await transport.admin.listQueues()).toEqual([]);
    // A time ahead and a positive timeout are taken.
    const later = await client.workflows.start(placeOrder, order, {
      deadline: Date.now() + 60_000,
    });
    const soon = await client.workflows.start(placeOrder, order, { timeoutMs: 60_000 });
    expect((await transport.workflows.running(10)).map((run) => run.id).sort()).toEqual(
      [later.id, soon.id].sort(),
    );
  });
});
