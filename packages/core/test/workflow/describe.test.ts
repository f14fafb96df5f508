import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../../src/ids.js';
import { memoryTransport } from '../../src/memory/memory-transport.js';
import type { WorkflowRecord } from '../../src/transport-workflows.js';
import { describeWorkflow, listedJobIds } from '../../src/workflow/describe.js';
import { workflowPlan } from '../../src/workflow/plan.js';
import { placeOrder } from './fixtures.js';

/** docs/workflows.md §8: the view `conveyor inspect` prints and the dashboard draws. */

const order = { orderId: 'o-1', items: [{ sku: 'a', quantity: 1 }] };

/** placeOrder on the memory transport, moved by hand: reserve and both parallel steps done. */
async function atCharge(items: number) {
  const transport = memoryTransport();
  const { workflows } = transport;
  const id = newWorkflowId();
  await workflows.start({ id, plan: workflowPlan(placeOrder), input: order });
  for (const step of ['reserve', 'ship', 'confirm']) {
    await workflows.claim(id, { step });
    await workflows.record(id, { step }, { ok: true, result: { step } });
  }
  await workflows.expand(
    id,
    'charge',
    Array.from({ length: items }, (_, index) => ({ sku: `s${index}`, quantity: 1 })),
    100_000,
  );
  return { transport, workflows, id };
}

async function record(workflows: { get(id: string): Promise<WorkflowRecord | null> }, id: string) {
  const found = await workflows.get(id);
  if (!found) throw new Error(`no workflow ${id}`);
  return found;
}

describe('describeWorkflow', () => {
  it('lists the stages in plan order with each step state, job id and the compensations', async () => {
    const transport = memoryTransport();
    const id = newWorkflowId();
    await transport.workflows.start({ id, plan: workflowPlan(placeOrder), input: order });
    const view = describeWorkflow(await record(transport.workflows, id));
    expect(view).toMatchObject({ id, name: 'shop.placeOrder', status: 'running', input: order });
    expect(view.stages.map((stage) => [stage.kind, stage.current])).toEqual([
      ['step', true],
      ['parallel', false],
      ['map', false],
      ['step', false],
    ]);
    const [reserve] = view.stages[0]?.steps ?? [];
    expect(reserve).toMatchObject({
      name: 'reserve',
      task: 'shop.updateInventory',
      queue: 'inventory',
      onFailure: { compensate: 'reject' },
      state: 'ready',
      retries: 0,
    });
    expect(reserve?.jobId).toMatch(/^inventory:wf_.+\.reserve$/);
    expect(view.stages[1]?.steps.map((step) => [step.name, step.state])).toEqual([
      ['ship', 'pending'],
      ['confirm', 'pending'],
    ]);
    expect(view.stages[2]?.steps[0]?.children).toMatchObject({ total: 0, shown: [], hidden: 0 });
    expect(view.compensations.map((step) => [step.name, step.state])).toEqual([
      ['reject', 'pending'],
      ['log', 'pending'],
    ]);
    expect(view.failure).toBeUndefined();
    expect(view.finishedAt).toBeUndefined();
  });

  it('shows a compensation that never ran, on a run that ended, as skipped, not pending', async () => {
    const { workflows, id } = await atCharge(2);
    expect(describeWorkflow(await record(workflows, id)).compensations[0]?.state).toBe('pending');
    await workflows.cancel(id);
    const view = describeWorkflow(await record(workflows, id));
    expect(view.status).toBe('cancelled');
    // It read 'pending' (the dashboard: "no job yet"), as if the undo were still to come.
    expect(view.compensations.map((step) => [step.name, step.state])).toEqual([
      ['reject', 'skipped'],
      ['log', 'skipped'],
    ]);
  });

  it('summarises a 10,000-child map: counts by state, the first ten and the failed ones', async () => {
    const { workflows, id } = await atCharge(10_000);
    for (const child of [0, 1, 2]) {
      await workflows.claim(id, { step: 'charge', child });
      await workflows.record(id, { step: 'charge', child }, { ok: true, result: 1 });
    }
    await workflows.claim(id, { step: 'charge', child: 5 });
    // The map step's policy is 'fail': one failed child fails the workflow.
    await workflows.claim(id, { step: 'charge', child: 7_777 });
    await workflows.record(
      id,
      { step: 'charge', child: 7_777 },
      { ok: false, error: { name: 'Error', message: 'card declined', code: 'DECLINED' } },
    );
    const view = describeWorkflow(await record(workflows, id));
    const charge = view.stages[2]?.steps[0];
    const children = charge?.children;
    expect(children?.total).toBe(10_000);
    expect(children?.counts.completed).toBe(3);
    expect(children?.counts.failed).toBe(1);
    expect(Object.values(children?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(children?.shown.map((child) => child.child)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7_777,
    ]);
    expect(children?.hidden).toBe(10_000 - 11);
    expect(children?.shown.at(-1)).toMatchObject({
      state: 'failed',
      error: { message: 'card declined', code: 'DECLINED' },
    });
    expect(children?.shown.at(-1)?.error).not.toHaveProperty('stack');
    expect(view.status).toBe('failed');
    expect(view.failure).toEqual({
      step: 'charge',
      child: 7_777,
      error: { message: 'card declined', code: 'DECLINED' },
    });
    expect(view.finishedAt).toBeTypeOf('number');
    expect(view.stages.some((stage) => stage.current)).toBe(false);

    const all = describeWorkflow(await record(workflows, id), { children: 'all' });
    expect(all.stages[2]?.steps[0]?.children?.shown).toHaveLength(10_000);
    expect(all.stages[2]?.steps[0]?.children?.hidden).toBe(0);
    const none = describeWorkflow(await record(workflows, id), {
      children: 0,
      failedChildren: 0,
    });
    expect(none.stages[2]?.steps[0]?.children?.shown).toEqual([]);
  });

  it('adds the attempts of the step jobs the caller looked up, for listed jobs only', async () => {
    const { workflows, id } = await atCharge(30);
    const first = describeWorkflow(await record(workflows, id));
    const ids = listedJobIds(first);
    // reserve, ship, confirm, the charge expand job, 10 listed children (no job for fulfil yet).
    expect(ids).toHaveLength(4 + 10);
    const jobs = new Map(ids.map((jobId) => [jobId, { attempts: 2, maxAttempts: 3 }]));
    const view = describeWorkflow(await record(workflows, id), { jobs });
    expect(view.stages[0]?.steps[0]?.attempts).toEqual({ attempts: 2, maxAttempts: 3 });
    expect(view.stages[2]?.steps[0]?.children?.shown[9]?.attempts).toEqual({
      attempts: 2,
      maxAttempts: 3,
    });
    expect(view.stages[3]?.steps[0]?.attempts).toBeUndefined();
  });

  it('shows a retried step with its retry count and new job id', async () => {
    const transport = memoryTransport();
    const { workflows } = transport;
    const id = newWorkflowId();
    await workflows.start({ id, plan: workflowPlan(placeOrder), input: order });
    await workflows.claim(id, { step: 'reserve' });
    await workflows.record(id, { step: 'reserve' }, { ok: true, result: {} });
    await workflows.claim(id, { step: 'ship' });
    await workflows.record(
      id,
      { step: 'ship' },
      { ok: false, error: { name: 'Error', message: 'warehouse down' } },
    );
    const failed = describeWorkflow(await record(workflows, id));
    expect(failed.status).toBe('failed');
    expect(failed.stages[1]?.steps[0]).toMatchObject({
      state: 'failed',
      error: { message: 'warehouse down' },
    });
    expect((await workflows.retry(id)).retried).toBe(true);
    const retried = describeWorkflow(await record(workflows, id));
    expect(retried.status).toBe('running');
    expect(retried.stages[1]?.current).toBe(true);
    expect(retried.stages[1]?.steps[0]).toMatchObject({ state: 'ready', retries: 1 });
    expect(retried.stages[1]?.steps[0]?.jobId).toMatch(/\.ship\.r1$/);
    expect(retried.stages[0]?.steps[0]?.state).toBe('completed');
  });
});
