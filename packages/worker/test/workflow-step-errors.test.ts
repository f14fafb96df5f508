import {
  defineTask,
  defineWorkflow,
  memoryTransport,
  newWorkflowId,
  planForRun,
  workflowPlan,
} from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Worker } from '../src/index.js';
import { captureLogger } from './helpers.js';
import {
  settledAs,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

// How a step job that cannot run its task says so: the error names the step and what to fix,
// and is classed as what it is (docs/workflows.md §1, §4).

const Input = z.object({ userId: z.string() });

describe('a step whose input mapping is at fault', () => {
  const workers = useWorkflowWorkers();

  // The advice was a job's: "conveyor retry <step job>" (refused for step jobs) or "fix the
  // producer and enqueue the job anew", though the step's mapping made the input.
  it('a refused input names the step and its mapping, and says to retry the workflow', async () => {
    const fetchUser = defineTask({
      name: 'se.fetchUser',
      queue: 'se',
      input: Input,
      run: (input) => ({ userId: input.userId }),
    });
    let charged = 0;
    const charge = defineTask({
      name: 'se.charge',
      queue: 'se',
      input: z.object({ userId: z.string(), cents: z.number().int() }),
      run: () => {
        charged += 1;
        return null;
      },
    });
    const workflow = defineWorkflow({
      name: 'se.refused',
      input: Input,
      steps: (flow) =>
        flow
          .step('a', fetchUser)
          .step('b', charge, { input: (user) => ({ userId: user.userId, cents: 1.5 }) }),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { userId: 'u1' });
    const record = await settledAs(transport, id, 'failed');
    expect(charged).toBe(0);
    const message = record.failure?.error.message ?? '';
    expect(record.failure).toMatchObject({ step: 'b', error: { code: 'VALIDATION_FAILED' } });
    expect(message).toMatch(/^Invalid input for task "se\.charge": cents: /);
    expect(message).toContain(`step "b" of workflow ${id}`);
    expect(message).toContain('input mapping');
    expect(message).toContain(`conveyor workflows retry ${id}`);
    expect(message).not.toContain('conveyor retry ');
    expect(message).not.toContain('enqueue the job anew');
  });

  // A throwing mapping ran through all the task's attempts, with back-off, and its failure
  // read as the task's ("attempt 3 of 3"): mappings are pure, so it would throw every time.
  it.each([
    ['step', 'input mapping'],
    ['map', 'items mapping'],
    ['compensation', 'input mapping'],
  ] as const)(
    "a %s's throwing %s fails the step at once, not retried, and says it was the mapping",
    async (kind, what) => {
      let sent = 0;
      const sendEmail = defineTask({
        name: `se.sendEmail.${kind}`,
        queue: 'se',
        input: z.unknown(),
        retry: { attempts: 3, backoff: { type: 'fixed', delay: 1, jitter: 0 } },
        run: () => {
          sent += 1;
          return null;
        },
      });
      const fail = defineTask({
        name: `se.fail.${kind}`,
        queue: 'se',
        input: z.unknown(),
        retry: { attempts: 1 },
        run: () => {
          throw new Error('a broke');
        },
      });
      const explode = (): never => {
        throw new Error('mapping exploded');
      };
      const workflow = defineWorkflow({
        name: `se.throws.${kind}`,
        input: Input,
        steps: (flow) =>
          kind === 'step'
            ? flow.step('a', sendEmail).step('b', sendEmail, { input: explode })
            : kind === 'map'
              ? flow.step('a', sendEmail).map('b', sendEmail, { items: explode })
              : flow
                  .step('a', fail, { onFailure: { compensate: 'b' } })
                  .compensation('b', sendEmail, { input: explode }),
      });
      const { transport } = workers.start({ workflows: [workflow] });
      const id = await startWorkflow(transport, workflow, { userId: 'u1' });
      const record = await settledAs(transport, id, 'failed');
      expect(sent).toBe(kind === 'compensation' ? 0 : 1);
      const step = record.steps.find((s) => s.step === 'b' && s.child === undefined);
      expect(record.failure?.step).toBe(kind === 'compensation' ? 'a' : 'b');
      expect(step).toMatchObject({
        state: 'failed',
        error: { code: 'WORKFLOW_MAPPING_FAILED', name: 'WorkflowMappingError' },
      });
      const label =
        kind === 'map' ? 'map step "b"' : kind === 'step' ? 'step "b"' : 'compensation "b"';
      expect(step?.error?.message).toContain(`${label}'s ${what} threw: mapping exploded`);
      expect(step?.error?.message).toContain(`conveyor workflows retry ${id}`);
      const job = await transport.getJob(step?.jobId as string);
      expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    },
  );
});

describe('a step job of a workflow that ended', () => {
  const workers = useWorkflowWorkers();

  function setup(name: string) {
    let ran = 0;
    const work = defineTask({
      name: `se.${name}`,
      queue: 'se',
      input: z.unknown(),
      run: () => {
        ran += 1;
        return null;
      },
    });
    const workflow = defineWorkflow({
      name: `se.${name}.flow`,
      input: Input,
      steps: (f) => f.step('a', work),
    });
    return { workflow, runs: () => ran };
  }

  /**
   * The memory transport tells a worker of a cancel at once; Redis's notice comes through
   * pub/sub, often after the job's settle. Without notices, the worker knows only what it did.
   */
  function withoutCancelNotices(inner: WorkflowTransport): WorkflowTransport {
    return { ...inner, onCancel: () => () => {} };
  }

  /** Waits until the step job has ended as the worker counted it; answers the log lines. */
  async function endedJob(transport: WorkflowTransport, worker: Worker, jobId: string) {
    await vi.waitFor(
      async () => {
        expect(await transport.getJob(jobId)).toMatchObject({
          state: 'cancelled',
          error: { code: 'WORKFLOW_ENDED' },
        });
        const { cancelled, failed, dead } = worker.stats().totals;
        expect(cancelled + failed + dead).toBe(1);
      },
      { timeout: 15_000 },
    );
  }

  // It was logged as `job failed` at error level and counted `failed`, for a job whose state
  // is `cancelled` and that did what it should: nothing.
  it('is logged at info as not run, saying how the workflow ended, and counted cancelled', async () => {
    const { workflow, runs } = setup('cancelled');
    const transport = withoutCancelNotices(memoryTransport());
    const id = await startWorkflow(transport, workflow, { userId: 'u1' });
    // The canceller died before cancelling the step's job: it is still waiting.
    expect((await transport.workflows.cancel(id)).cancelled).toBe(true);
    const logger = captureLogger();
    const { worker } = workers.start({ workflows: [workflow], logger }, transport);
    const jobId = (await transport.workflows.get(id))?.steps[0]?.jobId as string;
    await endedJob(transport, worker, jobId);
    expect(runs()).toBe(0);
    expect(worker.stats().totals).toMatchObject({ failed: 0, dead: 0, cancelled: 1 });
    expect(logger.lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual(
      [],
    );
    const line = logger.lines.find((l) => l.message.includes('not run'));
    expect(line).toMatchObject({ level: 'info', fields: { jobId, workflowId: id, step: 'a' } });
    expect(line?.message).toContain(`its workflow ${id} had already ended (cancelled)`);
    await transport.close();
  });

  it('says so when the workflow timed out', async () => {
    const { workflow } = setup('timedOut');
    const clock = createManualClock(Date.now());
    const transport = withoutCancelNotices(memoryTransport({ clock }));
    const id = newWorkflowId();
    const plan = planForRun(workflowPlan(workflow), id);
    const deadline = clock.now() + 1_000;
    const started = await transport.workflows.start({
      id,
      plan,
      input: { userId: 'u1' },
      deadline,
    });
    // The deadline passes before the first stage's job is enqueued (a producer that died
    // between start and dispatch, its outbox entry enqueued late by a sweeper).
    await clock.advance(2_000);
    expect((await transport.workflows.get(id))?.status).toBe('failed');
    await applyWorkflowEffects(transport, id, started);
    const logger = captureLogger();
    const { worker } = workers.start({ workflows: [workflow], logger }, transport);
    const jobId = (await transport.workflows.get(id))?.steps[0]?.jobId as string;
    await endedJob(transport, worker, jobId);
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    const line = logger.lines.find((l) => l.message.includes('not run'));
    expect(line?.level).toBe('info');
    expect(line?.message).toContain(`its workflow ${id} had already ended (timed out)`);
    await transport.close();
  });
});
