import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../src/ids.js';
import { memoryTransport } from '../src/memory/index.js';
import { failed, orderPlan } from '../src/testing/conformance/workflow-fixtures.js';
import type { TransportWith } from '../src/transport-capabilities.js';
import { listEndedWorkflows, listRunningWorkflows } from '../src/workflow/running.js';

// The lists the CLI and the dashboard show (listRunningWorkflows, listEndedWorkflows), over the
// transport's running and ended listings [W15a, W15b]: pages of any size, `next` only when
// more come after, and what a failed run's row says.

function transport() {
  return memoryTransport() as TransportWith<'workflows'>;
}

async function cancelled(t: TransportWith<'workflows'>, count: number): Promise<string[]> {
  const { plan } = orderPlan();
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const id = newWorkflowId();
    await t.workflows.start({ id, plan, input: null });
    await t.workflows.cancel(id);
    ids.push(id);
  }
  return ids;
}

describe('listEndedWorkflows and listRunningWorkflows', () => {
  it('give a next only when more come after the page: none for a list of exactly limit', async () => {
    const t = transport();
    await cancelled(t, 3);
    const exact = await listEndedWorkflows(t, { status: 'cancelled', limit: 3 });
    expect(exact.workflows).toHaveLength(3);
    expect(exact.next).toBeUndefined();
    const short = await listEndedWorkflows(t, { status: 'cancelled', limit: 2 });
    expect(short.workflows).toHaveLength(2);
    expect(short.next).toEqual({ id: short.workflows[1]?.id, at: short.workflows[1]?.finishedAt });
    const rest = await listEndedWorkflows(t, {
      status: 'cancelled',
      limit: 2,
      ...(short.next ? { after: short.next } : {}),
    });
    expect(rest.workflows.map((w) => w.id)).toEqual([exact.workflows[2]?.id]);
    expect(rest.next).toBeUndefined();

    const { plan } = orderPlan();
    for (let n = 0; n < 2; n++) await t.workflows.start({ id: newWorkflowId(), plan, input: null });
    expect((await listRunningWorkflows(t, { limit: 2 })).next).toBeUndefined();
    expect((await listRunningWorkflows(t, { limit: 1 })).next).toBeDefined();
    await t.close();
  });

  it('read a limit over the transport’s 1,000 per call in several calls', async () => {
    const t = transport();
    const ids = await cancelled(t, 1_205);
    const page = await listEndedWorkflows(t, { status: 'cancelled', limit: 5_000 });
    expect(page.workflows).toHaveLength(1_205);
    expect(new Set(page.workflows.map((w) => w.id)).size).toBe(1_205);
    expect(new Set(page.workflows.map((w) => w.id))).toEqual(new Set(ids));
    expect(page.next).toBeUndefined();
    const cut = await listEndedWorkflows(t, { status: 'cancelled', limit: 1_100 });
    expect(cut.workflows).toHaveLength(1_100);
    expect(cut.next?.id).toBe(cut.workflows[1_099]?.id);
    const { plan } = orderPlan();
    for (let n = 0; n < 1_001; n++) {
      await t.workflows.start({ id: newWorkflowId(), plan, input: null });
    }
    const running = await listRunningWorkflows(t, { limit: 2_000 });
    expect(running.workflows).toHaveLength(1_001);
    expect(running.next).toBeUndefined();
    await t.close();
  });

  it('names a compensation that failed after the failure it was to undo', async () => {
    const t = transport();
    const { plan } = orderPlan({ compensate: 'reject' });
    const id = newWorkflowId();
    await t.workflows.start({ id, plan, input: null });
    const first = await t.workflows.record(id, { step: 'reserve' }, failed('card declined'));
    expect(first.status).toBe('running');
    await t.workflows.record(id, { step: 'reject' }, failed('comp broke'));
    const page = await listEndedWorkflows(t, { status: 'failed', limit: 10 });
    expect(page.workflows).toHaveLength(1);
    expect(page.workflows[0]).toMatchObject({
      id,
      failure: { step: 'reserve', error: { message: 'card declined' } },
      compensation: { step: 'reject', error: { message: 'comp broke' } },
    });
    await t.close();
  });
});
