import { newWorkflowId, workflowPlan } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { json } from './helpers.js';
import { placeOrder, workflowProjects } from './workflow-project.js';

// `conveyor workflows list --limit` past the transport's 1,000 per call (core reads it in
// several calls), and the "more" line and `more` only when more are kept: a list of exactly
// --limit runs has none.
const project = workflowProjects('workflow-list-limits');

const MORE = /^More /m;

describe('conveyor workflows list --limit', () => {
  it('lists over 1,000 ended runs with --limit 1500; exactly --limit says no more', async () => {
    const { transport, workflows, run } = await project();
    // The project's own run is running; 1,001 more, cancelled as they start.
    const plan = workflowPlan(placeOrder);
    const input = { orderId: 'o', skus: [] };
    const cancelled = new Set<string>();
    for (let n = 0; n < 1_001; n++) {
      const id = newWorkflowId();
      await workflows.start({ id, plan, input });
      await workflows.cancel(id);
      cancelled.add(id);
    }

    const all = await run(['workflows', 'list', '--status', 'cancelled', '--limit', '1500']);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const rows = all.stdout.trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(1_001);
    expect(new Set(rows.map((row) => row.split(/\s+/)[0]))).toEqual(cancelled);
    expect(all.stdout).not.toMatch(MORE);

    const exact = await run(['workflows', 'list', '--status', 'cancelled', '--limit', '1001']);
    expect(exact.stdout.trimEnd().split('\n')).toHaveLength(1 + 1_001);
    expect(exact.stdout).not.toMatch(MORE);
    const exactJson = json<{ more: boolean; workflows: unknown[] }>(
      await run(['workflows', 'list', '--status', 'cancelled', '--limit', '1001', '--json']),
    );
    expect(exactJson.workflows).toHaveLength(1_001);
    expect(exactJson.more).toBe(false);

    const short = await run(['workflows', 'list', '--status', 'cancelled', '--limit', '1000']);
    expect(short.stdout.trimEnd().split('\n').slice(1, -1)).toHaveLength(1_000);
    expect(short.stdout.trimEnd().split('\n').at(-1)).toBe(
      'More cancelled workflows are kept: these are the ones that ended last; raise --limit (now 1000) to see more.',
    );
    expect(
      json<{ more: boolean }>(
        await run(['workflows', 'list', '--status', 'cancelled', '--limit', '1000', '--json']),
      ).more,
    ).toBe(true);
    await transport.close();
  });

  it('lists over 1,000 running runs; exactly --limit says no more', async () => {
    const { workflows, run } = await project();
    const plan = workflowPlan(placeOrder);
    for (let n = 0; n < 1_000; n++) {
      await workflows.start({ id: newWorkflowId(), plan, input: { orderId: 'o', skus: [] } });
    }
    // 1,001 running: the project's own and these.
    const all = await run(['workflows', 'list', '--limit', '1500']);
    expect(all.code).toBe(0);
    expect(all.stdout.trimEnd().split('\n').slice(1)).toHaveLength(1_001);
    expect(all.stdout).not.toMatch(MORE);
    const exact = json<{ more: boolean; workflows: unknown[] }>(
      await run(['workflows', 'list', '--limit', '1001', '--json']),
    );
    expect(exact.workflows).toHaveLength(1_001);
    expect(exact.more).toBe(false);
    const exactText = await run(['workflows', 'list', '--limit', '1001']);
    expect(exactText.stdout).not.toMatch(MORE);
    const short = await run(['workflows', 'list', '--limit', '1000']);
    expect(short.stdout.trimEnd().split('\n').at(-1)).toBe(
      'More are running: these are the ones that started first; raise --limit (now 1000) to see more.',
    );
  });
});
