import {
  defineTask,
  defineWorkflow,
  type Logger,
  memoryTransport,
  newWorkflowId,
  silentLogger,
  type TransportWith,
  workflowPlan,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { applyWorkflowEffects, enqueueMapChildren } from '@conveyor/core/worker';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createWorkflowSweeper,
  LOOKUPS_AT_ONCE,
  SWEEP_BACKOFF,
  SWEEP_LIMIT,
} from '../src/workflow/sweeper.js';

const slow = defineTask({ name: 'sw.slow', queue: 'sw', input: z.unknown(), run: () => null });
const workflow = defineWorkflow({
  name: 'sw.long',
  input: z.object({}),
  steps: (flow) => flow.step('slow', slow),
});

describe('workflow sweeper', () => {
  it('logs one warning per failed sweep, naming both parts, when the broker is gone', async () => {
    const clock = createManualClock();
    const transport = memoryTransport({ clock }) as TransportWith<'workflows'>;
    const gone = () => Promise.reject(new Error('Connection is closed.'));
    const { stale, idle } = transport.workflows;
    transport.workflows.stale = gone;
    transport.workflows.idle = gone;
    const warnings: Array<{ fields: Record<string, unknown>; message: string | undefined }> = [];
    const infos: Array<string | undefined> = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (fields: string | Record<string, unknown>, message?: string) => {
        if (typeof fields !== 'string') warnings.push({ fields, message });
      },
      info: (_fields: string | Record<string, unknown>, message?: string) => {
        infos.push(message);
      },
    };
    const sweeper = createWorkflowSweeper({
      transport,
      clock,
      logger,
      random: () => 0.5,
      intervalMs: 1_000,
    });
    await sweeper.sweep();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe('workflow sweep failed; the next sweep tries again');
    expect(warnings[0]?.fields.parts).toEqual(['stale outboxes', 'idle workflows']);
    expect(warnings[0]?.fields).not.toHaveProperty('otherError');
    // Two different causes: both are in the one line.
    transport.workflows.idle = () => Promise.reject(new Error('NOPERM idle'));
    await sweeper.sweep();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]?.fields.otherError).toBe('NOPERM idle');
    // The same failure again: no line until a minute has passed (it was one per sweep, every
    // few seconds through an outage), then a reminder with the count; a line when it works.
    await sweeper.sweep();
    expect(warnings).toHaveLength(2);
    await clock.advance(60_000);
    await sweeper.sweep();
    expect(warnings).toHaveLength(3);
    expect(warnings[2]?.message).toBe(
      'workflow sweeps still fail (4 in a row, for 1 min); the next sweep tries again',
    );
    transport.workflows.stale = stale;
    transport.workflows.idle = idle;
    await sweeper.sweep();
    expect(infos).toContain('workflow sweeps work again, after 1 min and 4 failed');
    await transport.close();
  });

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
  it("looks a large map's children up a bounded number at a time and records the lost ones in one recordMany", async () => {
    const count = LOOKUPS_AT_ONCE * 3 + 5;
    const fan = defineWorkflow({
      name: 'sw.fan',
      input: z.object({}),
      steps: (flow) =>
        flow.map('each', slow, {
          items: () => Array.from({ length: count }, (_, n) => n),
          onFailure: 'continue',
        }),
    });
    const clock = createManualClock();
    const transport = memoryTransport({ clock }) as TransportWith<'workflows'>;
    const plan = workflowPlan(fan);
    const id = newWorkflowId();
    await applyWorkflowEffects(
      transport,
      id,
      await transport.workflows.start({ id, plan, input: {} }),
    );
    // The expand job's worker: claims it, expands, enqueues the children, records the step.
    expect(await transport.workflows.claim(id, { step: 'each' })).toBe('claimed');
    const items = Array.from({ length: count }, (_, n) => n);
    const expanded = await transport.workflows.expand(id, 'each', items, 10_000);
    if (expanded.children === undefined) throw new Error('expected the children entry');
    await enqueueMapChildren(transport, id, plan, 'each', items, expanded.children);
    // Every child's job is cancelled on its own: none reaches the workflow.
    const children = (await transport.workflows.get(id))?.steps.filter(
      (s) => s.child !== undefined,
    );
    expect(children).toHaveLength(count);
    for (const child of children ?? []) await transport.cancel(child.jobId as string);

    let inFlight = 0;
    let most = 0;
    const { getJob } = transport;
    transport.getJob = async (jobId) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await getJob(jobId);
      } finally {
        inFlight -= 1;
      }
    };
    const calls: Array<{ call: string; size: number }> = [];
    const { record, recordMany } = transport.workflows;
    transport.workflows.record = (wid, address, outcome) => {
      calls.push({ call: 'record', size: 1 });
      return record(wid, address, outcome);
    };
    transport.workflows.recordMany = (wid, batch) => {
      calls.push({ call: 'recordMany', size: batch.length });
      return recordMany(wid, batch);
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
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(LOOKUPS_AT_ONCE);
    expect(calls).toEqual([{ call: 'recordMany', size: count }]);
    const after = await transport.workflows.get(id);
    const lost = after?.steps.filter(
      (s) => s.child !== undefined && s.error?.code === 'WORKFLOW_STEP_LOST',
    );
    expect(lost).toHaveLength(count);
    await transport.close();
  });

  it('waits at least SWEEP_BACKOFF times as long as its last sweep took before the next one', async () => {
    const clock = createManualClock();
    const transport = memoryTransport({ clock }) as TransportWith<'workflows'>;
    const sweptAt: number[] = [];
    // Each sweep takes 300 ms by the clock (a slow broker, or a starved process): its
    // `stale` read answers 300 ms after it was asked.
    transport.workflows.stale = async () => {
      sweptAt.push(clock.now());
      clock.set(clock.now() + 300);
      return [];
    };
    const sweeper = createWorkflowSweeper({
      transport,
      clock,
      logger: silentLogger,
      random: () => 0.5,
      intervalMs: 100,
    });
    sweeper.start();
    await clock.advance(100);
    expect(sweptAt).toHaveLength(1);
    // The sweep ended 300 ms on (the clock is there now). The interval alone would sweep
    // again 100 ms later: it waits 1,200 ms.
    await clock.advance(1_199);
    expect(sweptAt).toHaveLength(1);
    await clock.advance(1);
    expect(sweptAt).toHaveLength(2);
    expect((sweptAt[1] ?? 0) - (sweptAt[0] ?? 0)).toBe(300 + 300 * SWEEP_BACKOFF);
    await sweeper.stop();
    await transport.close();
  });
});
