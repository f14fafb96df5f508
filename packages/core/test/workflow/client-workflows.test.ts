import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src/client.js';
import { toJobError } from '../../src/job-error.js';
import { memoryTransport } from '../../src/memory/memory-transport.js';
import { defineTask } from '../../src/task.js';
import { createManualClock } from '../../src/testing/index.js';
import { bindWorkflow, workflowContract } from '../../src/workflow/contract.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import { WorkflowNotCompletedError } from '../../src/workflow/errors.js';
import { workflowPlan } from '../../src/workflow/plan.js';
import { type Behave, driveSteps } from './client-driver.js';
import { OrderInput, placeOrder } from './fixtures.js';

/** docs/workflows.md §2: starting a workflow and its handle, on the memory transport. */

const order = {
  orderId: 'o-1',
  items: [
    { sku: 'a', quantity: 1 },
    { sku: 'b', quantity: 2 },
  ],
};

function setup() {
  const transport = memoryTransport();
  const client = createClient({ transport });
  return { transport, client };
}

/** A behaviour that fails `step` (every time, or while `failing()` says so). */
function failing(step: string, failing: () => boolean = () => true): Behave {
  return (address) =>
    address.step === step && failing()
      ? { ok: false, error: toJobError(new Error(`${step} broke`)) }
      : undefined;
}

async function queued(transport: ReturnType<typeof memoryTransport>, queue: string) {
  const [counts] = await transport.admin.queueCounts([queue]);
  return counts?.waiting;
}

describe('client.workflows.start', () => {
  it('stores the run and enqueues the first stage as a step job', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    expect(run.id).toMatch(/^wf_/);
    expect(run.duplicate).toBe(false);
    const [job] = await transport.reserve({
      queues: ['inventory'],
      max: 10,
      leaseMs: 10_000,
      consumer: 't',
    });
    expect(job?.envelope.workflow).toEqual({ id: run.id, step: 'reserve', kind: 'run' });
    expect(job?.envelope.task).toBe('shop.updateInventory');
    // Dispatched: the outbox is empty, so no sweeper enqueues it again.
    expect(await transport.workflows.outbox(run.id)).toEqual([]);
    const record = await transport.workflows.get(run.id);
    expect(record?.plan).toEqual(workflowPlan(placeOrder));
    expect(record?.input).toEqual(order);
  });

  it('refuses an invalid input before anything is stored, quoting it', async () => {
    const { transport, client } = setup();
    const bad = { orderId: 42, items: [] };
    const error = await client.workflows
      .start(placeOrder, bad as never)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as Error).message).toContain('Invalid input for workflow "shop.placeOrder"');
    expect((error as Error).message).toContain(
      'orderId: Invalid input: expected string, received number (got 42)',
    );
    expect(await queued(transport, 'inventory')).toBe(0);
  });

  it('refuses an input the worker would refuse once it crossed JSON', async () => {
    const { transport, client } = setup();
    const when = defineTask({ name: 't.when', input: z.object({ at: z.date() }), run: () => 1 });
    const stamped = defineWorkflow({
      name: 't.stamped',
      // A Date passes as given, but arrives as a string: z.string() would refuse neither.
      input: z.object({ at: z.custom<Date>((value) => value instanceof Date) }),
      steps: (flow) => flow.step('when', when),
    });
    const error = await client.workflows
      .start(stamped, { at: new Date(0) } as never)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', afterJson: true });
    expect(await queued(transport, 'default')).toBe(0);
  });

  it('starts at most one run per idempotency key; the second enqueues nothing', async () => {
    const { transport, client } = setup();
    const first = await client.workflows.start(placeOrder, order, { idempotencyKey: 'order-o-1' });
    const second = await client.workflows.start(placeOrder, order, {
      idempotencyKey: 'order-o-1',
    });
    expect(second.id).toBe(first.id);
    expect(second.duplicate).toBe(true);
    expect(await queued(transport, 'inventory')).toBe(1);
  });

  it('needs the workflows capability, and says which call needed it', async () => {
    const { workflows: _workflows, ...bare } = memoryTransport();
    const client = createClient({ transport: bare });
    await expect(client.workflows.start(placeOrder, order)).rejects.toMatchObject({
      code: 'CAPABILITY_MISSING',
      message: expect.stringContaining('client.workflows.start needs transport.workflows'),
    });
    expect(() => client.workflows.handle('wf_abcdefgh')).toThrow(/client\.workflows\.handle/);
  });

  it('checks its options', async () => {
    const { client } = setup();
    await expect(
      // Refused by the types too; JavaScript passes it.
      client.workflows.start(placeOrder, order, { timeoutMs: 10, deadline: Date.now() } as never),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(
      client.workflows.start(placeOrder, order, { idempotencyKey: '' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(() => client.workflows.handle('job-1')).toThrow(/workflow id/);
  });
});

describe('WorkflowHandle', () => {
  it('result() waits on the step jobs and resolves with the last stage result', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    const result = run.result({ timeout: 30_000 });
    const { ran } = await driveSteps(transport, placeOrder);
    await expect(result).resolves.toEqual({ status: 'fulfilled' });
    expect(ran).toEqual([
      'reserve',
      'ship',
      'confirm',
      'charge',
      'charge[0]',
      'charge[1]',
      'fulfil',
    ]);
  });

  it('status() gives each step state, job id and attempts, and the timestamps', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    const before = await run.status();
    expect(before).toMatchObject({ id: run.id, name: 'shop.placeOrder', status: 'running' });
    expect(before?.stages[0]?.steps[0]).toMatchObject({ name: 'reserve', state: 'ready' });
    await driveSteps(transport, placeOrder);
    const after = await run.status();
    expect(after?.status).toBe('completed');
    expect(after?.finishedAt).toBeGreaterThanOrEqual(after?.createdAt ?? Number.NaN);
    const reserve = after?.stages[0]?.steps[0];
    expect(reserve).toMatchObject({ state: 'completed', retries: 0, attempts: { attempts: 1 } });
    expect(reserve?.jobId).toBeDefined();
    expect(after?.stages[2]?.steps[0]?.children?.counts.completed).toBe(2);
    // Never needed, and the run has ended: none of them is still to come.
    expect(after?.compensations.map((step) => step.state)).toEqual(['skipped', 'skipped']);
  });

  it('result() says when the compensation failed too: what the step did may be half undone', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    // reserve fails into its compensation, reject, which fails as well.
    const reserveBroke = failing('reserve');
    const rejectBroke = failing('reject');
    await driveSteps(transport, placeOrder, (address, input) =>
      address.step === 'reserve' ? reserveBroke(address, input) : rejectBroke(address, input),
    );
    const error = (await run.result().catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(WorkflowNotCompletedError);
    expect(error).toMatchObject({
      status: 'failed',
      failure: { step: 'reserve' },
      compensation: { step: 'reject', error: { message: 'reject broke' } },
    });
    // What is half undone is said before the compensation's error, which is quoted whole.
    expect(error.message).toContain(
      'Its step "reserve" failed with Error: reserve broke. What step "reserve" did may be half undone: its compensation "reject" failed too, with Error: reject broke.',
    );
  });

  it('result() rejects with WORKFLOW_NOT_COMPLETED when a step fails, and retry() runs on from it', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    let broken = true;
    await driveSteps(
      transport,
      placeOrder,
      failing('ship', () => broken),
    );
    const error = await run.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowNotCompletedError);
    expect(error).toMatchObject({
      code: 'WORKFLOW_NOT_COMPLETED',
      status: 'failed',
      failure: { step: 'ship', error: { message: 'ship broke' } },
    });
    expect((error as Error).message).toContain('handle.retry()');
    // A step's message that ends in a period is not followed by a second one.
    const dotted = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'ship',
      error: { name: 'Error', message: 'look at its running steps.' },
    } as never);
    expect(dotted.message).toContain('look at its running steps. Fix the cause');
    // A skew fails a retry the same way until the workers run the run's definition again: it
    // said "Fix the cause, then handle.retry()" after "start the workflow again". Its own
    // message says what to do: deploy the same definition, or put the run's back.
    const skew = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'ship',
      error: {
        name: 'Error',
        code: 'WORKFLOW_SKEW',
        message:
          "plan a, this worker plan b. Deploy the same definition to producers and workers, then start the workflow again (or put the run's definition back on the workers and retry it).",
      },
    } as never);
    expect(skew.message).not.toContain('handle.retry()');
    expect(skew.message).toMatch(
      /WORKFLOW_SKEW: plan a, this worker plan b\. Deploy .*retry it\)\.$/,
    );

    broken = false;
    expect(await run.retry()).toEqual({ retried: true });
    const result = run.result({ timeout: 30_000 });
    const { ran } = await driveSteps(transport, placeOrder);
    await expect(result).resolves.toEqual({ status: 'fulfilled' });
    // Completed steps are not run again.
    expect(ran).not.toContain('reserve');
    expect(ran[0]).toBe('ship');
    expect(await run.retry()).toEqual({ retried: false });
  });

  it('result() rejects with status compensated when a step with a compensation fails', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    const result = run.result({ timeout: 30_000 }).catch((caught: unknown) => caught);
    const { ran } = await driveSteps(transport, placeOrder, failing('reserve'));
    expect(ran).toEqual(['reserve', 'reject']);
    expect(await result).toMatchObject({
      code: 'WORKFLOW_NOT_COMPLETED',
      status: 'compensated',
      failure: { step: 'reserve' },
    });
  });

  it('cancel() ends the run and cancels its step jobs; a waiting result() rejects', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    const result = run.result({ timeout: 30_000 }).catch((caught: unknown) => caught);
    const jobId = (await run.status())?.stages[0]?.steps[0]?.jobId ?? '';
    expect(await run.cancel()).toEqual({ cancelled: true });
    expect((await transport.getJob(jobId))?.state).toBe('cancelled');
    expect(await result).toMatchObject({ code: 'WORKFLOW_NOT_COMPLETED', status: 'cancelled' });
    expect((await run.status())?.stages[0]?.steps[0]?.state).toBe('cancelled');
    expect(await driveSteps(transport, placeOrder)).toEqual({ ran: [] });
    expect(await run.cancel()).toEqual({ cancelled: false });
  });

  it('result() gives up after its timeout with RESULT_TIMEOUT; the run goes on', async () => {
    const { client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    await expect(run.result({ timeout: 20 })).rejects.toMatchObject({
      code: 'RESULT_TIMEOUT',
      workflowId: run.id,
      message: expect.stringContaining('stage 1 of 4 ("reserve")'),
    });
    expect((await run.status())?.status).toBe('running');
  });

  it('result() waits on notifications, not in a loop of reads', async () => {
    const { transport, client } = setup();
    let reads = 0;
    const get = transport.workflows.get.bind(transport.workflows);
    transport.workflows.get = (id) => {
      reads += 1;
      return get(id);
    };
    const run = await client.workflows.start(placeOrder, order);
    // The reserve job is open: one wait on it, then the read that sees the time is up.
    await expect(run.result({ timeout: 300 })).rejects.toMatchObject({ code: 'RESULT_TIMEOUT' });
    expect(reads).toBeLessThanOrEqual(3);
    // Its job ended by another path, unrecorded: nothing to wait on, so reads back off.
    const jobId = (await run.status())?.stages[0]?.steps[0]?.jobId ?? '';
    await transport.cancel(jobId);
    reads = 0;
    await expect(run.result({ timeout: 300 })).rejects.toMatchObject({ code: 'RESULT_TIMEOUT' });
    expect(reads).toBeLessThanOrEqual(8);
  });

  it('result() on a large map waits on its latest children, not on each child in turn', async () => {
    const { transport, client } = setup();
    let waits = 0;
    const waitFor = transport.waitFor.bind(transport);
    transport.waitFor = (id, options) => {
      waits += 1;
      return waitFor(id, options);
    };
    const items = Array.from({ length: 300 }, (_, n) => ({ sku: `sku-${n}`, quantity: 1 }));
    const run = await client.workflows.start(placeOrder, { orderId: 'o-big', items });
    const result = run.result({ timeout: 30_000 });
    const { ran } = await driveSteps(transport, placeOrder);
    await expect(result).resolves.toEqual({ status: 'fulfilled' });
    expect(ran.filter((step) => step.startsWith('charge['))).toHaveLength(300);
    // Waiting on each child in turn took one waitFor per child (300 and more).
    expect(waits).toBeLessThan(100);
  });

  it('a run past its deadline rejects with status failed and WORKFLOW_TIMED_OUT', async () => {
    // Ahead of the wall clock: start refuses a deadline before Date.now().
    const clock = createManualClock(Date.now() + 60_000);
    const transport = memoryTransport({ clock });
    const client = createClient({ transport });
    const run = await client.workflows.start(placeOrder, order, { deadline: clock.now() + 1_000 });
    await clock.advance(2_000);
    await expect(run.result()).rejects.toMatchObject({
      status: 'failed',
      failure: { error: { code: 'WORKFLOW_TIMED_OUT' } },
    });
    // Its open step ends cancelled: the message does not say that step failed.
    const error = (await run.result().catch((thrown: unknown) => thrown)) as Error;
    expect(error.message).toMatch(
      /ended failed and has no result\. It timed out while step "\w+" was open, with WORKFLOW_TIMED_OUT: Workflow .*; raise the deadline or look at its running steps\.$/,
    );
    expect(error.message).not.toMatch(/step "\w+" failed/);
  });

  it('handle(id) reads an existing run; an unknown id has no status and no result', async () => {
    const { transport, client } = setup();
    const run = await client.workflows.start(placeOrder, order);
    await driveSteps(transport, placeOrder);
    await expect(client.workflows.handle(placeOrder, run.id).result()).resolves.toEqual({
      status: 'fulfilled',
    });
    await expect(client.workflows.handle(run.id).result()).resolves.toEqual({
      status: 'fulfilled',
    });
    const unknown = client.workflows.handle('wf_0000000000000000unknown');
    expect(await unknown.status()).toBeNull();
    await expect(unknown.result()).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });
});

describe('last stage results', () => {
  const stamp = defineTask({
    name: 't.stamp',
    input: z.object({ n: z.number() }),
    output: z.object({ n: z.number(), at: z.date() }),
    run: ({ n }) => ({ n, at: new Date(Date.UTC(2026, 0, n)) }),
  });
  const plain = defineTask({
    name: 't.plain',
    input: z.object({ n: z.number() }),
    run: ({ n }) => ({ doubled: n * 2 }),
  });
  const Numbers = z.object({ ns: z.array(z.number()) });

  it('a group gives a record by step name, decoded by output schemas', async () => {
    const group = defineWorkflow({
      name: 't.group',
      input: Numbers,
      steps: (flow) =>
        flow.parallel({
          first: { task: stamp, input: (_, { ns }) => ({ n: ns[0] ?? 0 }) },
          second: { task: plain, input: (_, { ns }) => ({ n: ns[1] ?? 0 }) },
        }),
    });
    const { transport, client } = setup();
    const run = await client.workflows.start(group, { ns: [3, 4] });
    await driveSteps(transport, group);
    const result = await run.result();
    expect(result).toEqual({
      first: { n: 3, at: new Date(Date.UTC(2026, 0, 3)) },
      second: { doubled: 8 },
    });
    expect(result.first.at).toBeInstanceOf(Date);
  });

  it('a map gives its children results in item order, read in chunks', async () => {
    const fan = defineWorkflow({
      name: 't.fan',
      input: Numbers,
      steps: (flow) => flow.map('each', stamp, { items: (_, { ns }) => ns.map((n) => ({ n })) }),
    });
    const { transport, client } = setup();
    const ns = Array.from({ length: 1_234 }, (_, index) => (index % 28) + 1);
    const run = await client.workflows.start(fan, { ns });
    await driveSteps(transport, fan);
    const result = await run.result();
    expect(result).toHaveLength(ns.length);
    expect(result.map((entry) => entry?.n)).toEqual(ns);
    expect(result[5]?.at).toEqual(new Date(Date.UTC(2026, 0, 6)));
  });

  it('a contract (codegen) starts the same run as the definition, through a stub', async () => {
    const contract = workflowContract<
      'shop.placeOrder',
      typeof OrderInput,
      { status: 'fulfilled' }
    >({
      name: 'shop.placeOrder',
      input: OrderInput,
      plan: workflowPlan(placeOrder),
      fingerprint: '0123456789abcdef',
    });
    const { transport, client } = setup();
    const stub = bindWorkflow(() => client, contract);
    expect(stub.name).toBe('shop.placeOrder');
    const run = await stub.delay(order, { idempotencyKey: 'k' });
    const stored = await transport.workflows.get(run.id);
    expect(stored?.plan.fingerprint).toBe(workflowPlan(placeOrder).fingerprint);
    // The input schema's fingerprint goes with the start, and the status view shows it.
    expect(stored?.inputSchema).toBe('0123456789abcdef');
    expect((await run.status({ attempts: false }))?.inputSchema).toBe('0123456789abcdef');
    const direct = await client.workflows.start(placeOrder, order);
    expect((await direct.status({ attempts: false }))?.inputSchema).toBeUndefined();
    await driveSteps(transport, placeOrder);
    await expect(stub.handle(run.id).result()).resolves.toEqual({ status: 'fulfilled' });
    expect((await stub.start(order, { idempotencyKey: 'k' })).id).toBe(run.id);
  });

  it('workflowContract refuses a plan that is not the named workflow plan', () => {
    expect(() =>
      workflowContract({ name: 'shop.other', input: OrderInput, plan: workflowPlan(placeOrder) }),
    ).toThrow(/plan of workflow "shop.other"/);
  });
});
