import {
  applyWorkflowEffects,
  defineTask,
  defineWorkflow,
  memoryTransport,
  newWorkflowId,
  silentLogger,
  type TransportWith,
  workflowPlan,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorkflowSweeper, SWEEP_LIMIT } from '../src/workflow/sweeper.js';

const slow = defineTask({ name: 'sw.slow', queue: 'sw', input: z.unknown(), run: () => null });
const workflow = defineWorkflow({
  name: 'sw.long',
  input: z.object({}),
  steps: (flow) => flow.step('slow', slow),
});

describe('workflow sweeper', () => {
  it('walks through every idle workflow across sweeps, more than one sweep looks at, not the first ones again and again', async () => {
    const clock = createManualClock();
    const transport = memoryTransport({ clock }) as TransportWith<'workflows'>;
    const plan = workflowPlan(workflow);
    // Long-running steps: each workflow idle, its step's job waiting (live), so nothing is recorded.
    const ids: string[] = [];
    for (let n = 0; n < SWEEP_LIMIT + SWEEP_LIMIT / 2; n++) {
      const id = newWorkflowId();
      const started = await transport.workflows.start({ id, plan, input: {} });
      await applyWorkflowEffects(transport, id, started);
      ids.push(id);
      await clock.advance(1);
    }
    const checked: string[] = [];
    const { get } = transport.workflows;
    transport.workflows.get = async (id) => {
      checked.push(id);
      return get(id);
    };
    const sweeper = createWorkflowSweeper({
      transport,
      clock,
      logger: silentLogger,
      random: () => 0.5,
      intervalMs: 1_000,
    });
    await clock.advance(2_000);
    await sweeper.sweep();
    expect(checked).toHaveLength(SWEEP_LIMIT);
    expect(checked).toEqual(ids.slice(0, SWEEP_LIMIT));
    await sweeper.sweep();
    expect(new Set(checked)).toEqual(new Set(ids));
    expect(checked).toHaveLength(ids.length);
    // After the last page, the next sweep starts from the first again.
    await sweeper.sweep();
    expect(checked.slice(ids.length)).toEqual(ids.slice(0, SWEEP_LIMIT));
    for (const id of ids) expect((await get(id))?.status).toBe('running');
    await transport.close();
  });
});
