import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/client.js';
import { assertQueueName } from '../src/envelope.js';
import type { ConveyorError } from '../src/errors.js';
import { newWorkflowId } from '../src/ids.js';
import { memoryTransport } from '../src/memory/index.js';
import { routeOf, storedQueueOf } from '../src/partition-routing.js';
import {
  partitionName,
  partitionNameProblem,
  partitionNames,
  partitionOfKey,
} from '../src/partitions.js';
import { defineSchedule } from '../src/schedule/define-schedule.js';
import { scheduleSpec } from '../src/schedule/spec.js';
import { defineTask, taskContract } from '../src/task.js';
import type { Transport } from '../src/transport.js';
import { defineWorkflow } from '../src/workflow/define-workflow.js';
import { planForRun, workflowPlan } from '../src/workflow/plan.js';

const byCustomer = defineTask({
  name: 'shop.notify',
  input: z.object({ customerId: z.string(), n: z.number() }),
  queue: { name: 'emails', partitions: 4, partitionBy: 'customerId' },
  run: () => null,
});

const spread = defineTask({
  name: 'shop.spread',
  input: z.object({ n: z.number() }),
  queue: { name: 'bulk', partitions: 4 },
  run: () => null,
});

const plain = defineTask({
  name: 'shop.plain',
  input: z.object({ n: z.number() }),
  queue: 'other',
  run: () => null,
});

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    return { code: (error as ConveyorError).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

/** Every job ready on `queue`, in reserve order. */
async function drain(transport: Transport, queue: string) {
  const jobs = await transport.reserve({
    queues: [queue],
    max: 1_000,
    leaseMs: 60_000,
    consumer: 't',
  });
  return jobs.map((job) => job.envelope);
}

describe('declaring partitions', () => {
  it('reads queue: { name, partitions, partitionBy } into the contract fields', () => {
    expect(byCustomer.queue).toBe('emails');
    expect(byCustomer.partitions).toBe(4);
    expect(byCustomer.partitionBy).toBe('customerId');
    expect(plain.queue).toBe('other');
    expect(plain.partitions).toBeUndefined();
    const contract = taskContract({
      name: 'shop.notify',
      input: z.object({ customerId: z.string() }),
      queue: 'emails',
      partitions: 4,
      partitionBy: 'customerId',
    });
    expect(routeOf(contract).names).toEqual(partitionNames('emails', 4));
  });

  it.each([
    [{ name: 'emails', partitions: 0 }, 'queue.partitions of task "t" 0'],
    [{ name: 'emails', partitions: 257 }, 'queue.partitions of task "t" 257'],
    [{ name: 'emails', partitions: 2.5 }, 'queue.partitions of task "t" 2.5'],
    [{ name: 'emails', partitionBy: 'a..b' }, 'queue.partitionBy of task "t" "a..b"'],
    [{ name: 'e~1of2', partitions: 2 }, 'queue of task "t"'],
    [{ name: 'emails', partition: 2 }, 'queue of task "t"'],
  ])('refuses %j with INVALID_OPTION quoting it', (queue, quoted) => {
    const error = codeOf(() =>
      defineTask({ name: 't', input: z.object({}), queue: queue as never, run: () => null }),
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(quoted);
  });

  it('refuses a task and a partitions option that disagree, naming both', () => {
    const error = codeOf(() => routeOf(byCustomer, { emails: 8 }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain('partitions.emails 8');
    expect(error.message).toContain('"shop.notify"');
    expect(error.message).toContain('partitions: 4');
    expect(routeOf(byCustomer, { emails: 4 }).partitions).toBe(4);
    expect(routeOf(plain, { other: 3 }).names).toEqual(partitionNames('other', 3));
    expect(
      codeOf(() => createClient({ transport: memoryTransport(), partitions: { emails: 0 } })).code,
    ).toBe('INVALID_OPTION');
    expect(
      codeOf(() => createClient({ transport: memoryTransport(), partitions: { 'e~1of2': 2 } }))
        .message,
    ).toContain('"e~1of2"');
  });

  it('rejects an enqueue whose task disagrees with the client', async () => {
    const client = createClient({ transport: memoryTransport(), partitions: { emails: 2 } });
    await expect(client.enqueue(byCustomer, { customerId: 'c', n: 1 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});

describe('names written like a partition but none', () => {
  it('says what is wrong with them', () => {
    expect(partitionNameProblem('emails~5of3')).toBe(
      'there is no partition 5 of 3: the 3 partitions of emails are numbered 0 to 2',
    );
    expect(partitionNameProblem('emails~3of3')).toContain('there is no partition 3 of 3');
    expect(partitionNameProblem('emails~0of1')).toBe(
      'a partitioned queue has 2 to 256 partitions, not 1',
    );
    expect(partitionNameProblem('emails~0of300')).toContain('not 300');
    expect(partitionNameProblem('emails~03of8')).toBe(
      'its numbers are written without leading zeros: emails~3of8',
    );
    // A real partition, a plain name and other shapes have nothing to add.
    expect(partitionNameProblem('emails~2of3')).toBeUndefined();
    expect(partitionNameProblem('emails')).toBeUndefined();
    expect(partitionNameProblem('emails~xof3')).toBeUndefined();
    expect(() => assertQueueName('emails~5of3')).toThrow(
      'Invalid queue name "emails~5of3": use 1–64 characters from A–Z',
    );
    expect(() => assertQueueName('emails~5of3')).toThrow(
      '"emails~3of8"; there is no partition 5 of 3: the 3 partitions of emails are numbered 0 to 2.',
    );
  });

  it('where a queue name is asked for, says a partition is picked, not named, and what to pass', async () => {
    // Before: "expected 1–64 characters from …", as if the name's characters were wrong.
    const advice = 'a queue\'s name, not one of its partitions: pass "emails"';
    const client = createClient({ transport: memoryTransport() });
    await expect(
      client.enqueue(byCustomer, { customerId: 'c', n: 1 }, { queue: 'emails~1of4' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining(advice) });
    const define = () =>
      defineTask({ name: 'shop.x', input: z.object({}), queue: 'emails~1of4', run: () => null });
    expect(define).toThrow(advice);
    expect(() =>
      createClient({ transport: memoryTransport(), partitions: { 'emails~1of4': 4 } }),
    ).toThrow(advice);
    // Any other bad name is told the rule, as before.
    expect(() =>
      defineTask({ name: 'shop.x', input: z.object({}), queue: 'no spaces', run: () => null }),
    ).toThrow('expected 1–64 characters from A–Z');
  });

  it('a client refuses to pause one, saying why', async () => {
    const client = createClient({ transport: memoryTransport() });
    await expect(client.queues.pause('emails~4of4')).rejects.toThrow(
      'there is no partition 4 of 4: the 4 partitions of emails are numbered 0 to 3',
    );
  });
});

describe('choosing a partition', () => {
  it('sends the jobs of one partitionBy value to one partition, in order', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const inputs = Array.from({ length: 40 }, (_, n) => ({ customerId: `c${n % 5}`, n }));
    const handles = [];
    for (const input of inputs.slice(0, 20)) handles.push(await client.enqueue(byCustomer, input));
    handles.push(...(await client.enqueueMany(byCustomer, inputs.slice(20))));
    const byKey = new Map<string, string>();
    for (const [i, handle] of handles.entries()) {
      const key = inputs[i]?.customerId as string;
      const queue = handle.id.slice(0, handle.id.indexOf(':'));
      expect(queue).toBe(partitionName('emails', partitionOfKey(key, 4), 4));
      byKey.set(key, queue);
    }
    // Five keys over four partitions: more than one partition used.
    expect(new Set(byKey.values()).size).toBeGreaterThan(1);
    const drained = new Map<string, { customerId: string; n: number }[]>();
    for (const queue of new Set(byKey.values())) {
      const jobs = await drain(transport, queue);
      drained.set(
        queue,
        jobs.map((envelope) => envelope.input as { customerId: string; n: number }),
      );
    }
    for (const [key, queue] of byKey) {
      const order = (drained.get(queue) ?? [])
        .filter((input) => input.customerId === key)
        .map((input) => input.n);
      expect(order).toEqual(inputs.filter((i) => i.customerId === key).map((i) => i.n));
    }
    await client.close();
  });

  it('routes by the idempotency key when there is no partitionBy value, so a duplicate is found', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const first = await client.enqueue(spread, { n: 1 }, { idempotencyKey: 'order-7' });
    const again = await client.enqueue(spread, { n: 1 }, { idempotencyKey: 'order-7' });
    expect(first.id.startsWith(`${partitionName('bulk', partitionOfKey('order-7', 4), 4)}:`)).toBe(
      true,
    );
    expect(again.id).toBe(first.id);
    expect(again.duplicate).toBe(true);
    const [m1, m2] = await client.enqueueMany(spread, [{ n: 2 }, { n: 3 }], {
      idempotencyKey: 'order-7',
    });
    expect(m1?.id).toBe(first.id);
    expect(m2?.id).toBe(first.id);
    await client.close();
  });

  it('spreads jobs without a key over every partition by their ids', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const handles = await client.enqueueMany(
      spread,
      Array.from({ length: 400 }, (_, n) => ({ n })),
    );
    const counts = new Map<string, number>();
    for (const { id } of handles) {
      const queue = id.slice(0, id.indexOf(':'));
      counts.set(queue, (counts.get(queue) ?? 0) + 1);
      // The partition is the one the id's unique part picks.
      expect(queue).toBe(partitionName('bulk', partitionOfKey(id.slice(queue.length + 1), 4), 4));
      expect((await client.getJob(id))?.envelope.queue).toBe(queue);
    }
    expect([...counts.keys()].sort()).toEqual(partitionNames('bulk', 4));
    for (const count of counts.values()) expect(count).toBeGreaterThan(40);
    await client.close();
  });

  it('keeps priorities within a partition', async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const low = await client.enqueue(byCustomer, { customerId: 'c1', n: 1 }, { priority: 1 });
    const high = await client.enqueue(byCustomer, { customerId: 'c1', n: 2 }, { priority: 9 });
    const queue = low.id.slice(0, low.id.indexOf(':'));
    expect(high.id.startsWith(`${queue}:`)).toBe(true);
    expect((await drain(transport, queue)).map((e) => e.id)).toEqual([high.id, low.id]);
    await client.close();
  });

  it("partitions a queue whose task declares none by the client's partitions option", async () => {
    const transport = memoryTransport();
    const client = createClient({ transport, partitions: { other: 3 } });
    const handle = await client.enqueue(plain, { n: 1 });
    expect(partitionNames('other', 3)).toContain(handle.id.slice(0, handle.id.indexOf(':')));
    // A call's queue option routes by the partitions of that queue.
    const moved = await client.enqueue(byCustomer, { customerId: 'c', n: 1 }, { queue: 'other' });
    expect(moved.id).toMatch(/^other~\dof3:/);
    const unpartitioned = await createClient({ transport }).enqueue(plain, { n: 1 });
    expect(unpartitioned.id).toMatch(/^other:/);
    await client.close();
  });

  it('falls back to the id when the partitionBy value is missing or not a scalar', () => {
    const route = routeOf(byCustomer);
    expect(storedQueueOf(route, { input: { customerId: { x: 1 } }, key: 'k' })).toBe(
      storedQueueOf(route, { key: 'k' }),
    );
    expect(storedQueueOf(route, { input: {}, idempotencyKey: 'i', key: 'k' })).toBe(
      storedQueueOf(route, { key: 'i' }),
    );
    expect(storedQueueOf(route, { input: { customerId: 42 }, key: 'k' })).toBe(
      storedQueueOf(route, { key: '42' }),
    );
    const day = new Date(Date.UTC(2026, 0, 2));
    expect(storedQueueOf(route, { input: { customerId: day }, key: 'k' })).toBe(
      storedQueueOf(route, { key: day.toISOString() }),
    );
    expect(storedQueueOf(routeOf(plain), { key: 'k' })).toBe('other');
  });
});

describe('schedules and workflows on a partitioned queue', () => {
  it("stores a schedule on its id's partition, or its partitionBy value's", () => {
    const bySpread = defineSchedule({
      id: 'nightly',
      task: spread,
      every: 60_000,
      input: { n: 1 },
    });
    expect(scheduleSpec(bySpread, 'code').queue).toBe(
      partitionName('bulk', partitionOfKey('nightly', 4), 4),
    );
    const byKey = defineSchedule({
      id: 'digest',
      task: byCustomer,
      every: 60_000,
      input: { customerId: 'c9', n: 1 },
    });
    expect(scheduleSpec(byKey, 'code').queue).toBe(
      partitionName('emails', partitionOfKey('c9', 4), 4),
    );
    const onPlain = defineSchedule({ id: 'p', task: plain, every: 60_000, input: { n: 1 } });
    expect(scheduleSpec(onPlain, 'code').queue).toBe('other');
    expect(scheduleSpec(onPlain, 'code', { other: 2 }).queue).toBe(
      partitionName('other', partitionOfKey('p', 2), 2),
    );
  });

  it("finds a runtime schedule by its queue's name, and lists it under the queue", async () => {
    const transport = memoryTransport();
    const client = createClient({ transport });
    const schedule = defineSchedule({ id: 'rt', task: spread, every: 60_000, input: { n: 1 } });
    expect(await client.schedules.upsert(schedule)).toBe('created');
    const partition = partitionName('bulk', partitionOfKey('rt', 4), 4);
    await client.schedules.pause('rt', { queue: 'bulk' });
    const rows = await client.schedules.list({ queues: ['bulk'] });
    expect(rows.map((row) => [row.queue, row.id, row.paused])).toEqual([[partition, 'rt', true]]);
    const job = await client.schedules.runNow('rt', { queue: partition });
    expect(job.id.startsWith(`${partition}:`)).toBe(true);
    expect(await client.schedules.remove('rt', { queue: 'bulk' })).toBe(true);
    await client.close();
  });

  it("plans a step on the partition its workflow's and step's names pick", () => {
    const flow = defineWorkflow({
      name: 'shop.flow',
      input: z.object({ n: z.number() }),
      steps: (f) =>
        f
          .step('first', spread, { input: (_, input) => ({ n: input.n }) })
          .step('second', plain, { input: (_, input) => ({ n: input.n }) }),
    });
    const plan = workflowPlan(flow);
    const steps = plan.stages.flatMap((stage) => stage.steps);
    expect(steps[0]?.queue).toBe(partitionName('bulk', partitionOfKey('shop.flow/first', 4), 4));
    expect(steps[1]?.queue).toBe('other');
  });

  /** A workflow whose first step and compensation run `first` and `spread`, then `plain`. */
  const spreadFlow = (first: typeof spread) =>
    defineWorkflow({
      name: 'shop.spread',
      input: z.object({ n: z.number() }),
      steps: (f) =>
        f
          .step('first', first, {
            input: (_, input) => ({ n: input.n }),
            onFailure: { compensate: 'undo' },
          })
          .step('second', plain, { input: (_, input) => ({ n: input.n }) })
          .compensation('undo', spread, { input: () => ({ n: 0 }) }),
    });

  it("places each run's partitioned steps by the run's id, under the definition's fingerprint", () => {
    const plan = workflowPlan(spreadFlow(spread));
    // Fixed ids, so that which partitions they pick is the same on every run of the test.
    const ids = Array.from({ length: 40 }, (_, n) => `wf_run${n}`);
    const runs = ids.map((id) => planForRun(plan, id));
    for (const [index, run] of runs.entries()) {
      const id = ids[index] as string;
      const [first, second] = run.stages.flatMap((stage) => stage.steps);
      expect(first?.queue).toBe(partitionName('bulk', partitionOfKey(`${id}/first`, 4), 4));
      expect(second).toBe(plan.stages[1]?.steps[0]);
      expect(run.compensations[0]?.queue).toBe(
        partitionName('bulk', partitionOfKey(`${id}/undo`, 4), 4),
      );
      expect(run.fingerprint).toBe(plan.fingerprint);
    }
    const used = new Set(runs.map((run) => run.stages[0]?.steps[0]?.queue));
    expect(used).toEqual(new Set(partitionNames('bulk', 4)));
    // The partition count is part of the shape: a run started under 4 is not one of 8.
    const wider = defineTask({
      name: 'shop.spread',
      input: z.object({ n: z.number() }),
      queue: { name: 'bulk', partitions: 8 },
      run: () => null,
    });
    expect(workflowPlan(spreadFlow(wider)).fingerprint).not.toBe(plan.fingerprint);
  });

  it('leaves a plan with no partitioned step as it is', () => {
    const flow = defineWorkflow({
      name: 'shop.plain',
      input: z.object({ n: z.number() }),
      steps: (f) => f.step('only', plain, { input: (_, input) => ({ n: input.n }) }),
    });
    const plan = workflowPlan(flow);
    expect(planForRun(plan, newWorkflowId())).toBe(plan);
  });
});
