import {
  cancelJobs,
  defineTask,
  defineWorkflow,
  memoryTransport,
  newWorkflowId,
  planForRun,
  type Transport,
  workflowPlan,
} from '@conveyor/core';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { captureLogger } from './helpers.js';
import {
  settledAs,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

const Input = z.object({ id: z.string() });

function counter() {
  const runs: Record<string, number> = {};
  const make = (name: string, queue = 'rc', attempts = 3) =>
    defineTask({
      name: `rc.${name}`,
      queue,
      input: z.unknown(),
      retry: { attempts },
      run: () => {
        runs[name] = (runs[name] ?? 0) + 1;
        return name;
      },
    });
  return { runs, make };
}

describe('cancel', () => {
  const workers = useWorkflowWorkers();

  it("aborts a running step's ctx.signal when another client cancels the workflow; later steps never run", async () => {
    const { runs, make } = counter();
    const reasons: unknown[] = [];
    let started = false;
    const slow = defineTask({
      name: 'rc.slow',
      queue: 'rc',
      input: z.unknown(),
      run: (_input, ctx) =>
        new Promise((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            reasons.push(ctx.signal.reason);
            reject(ctx.signal.reason);
          });
        }),
    });
    const workflow = defineWorkflow({
      name: 'rc.cancel',
      input: Input,
      steps: (flow) => flow.step('slow', slow).step('after', make('after')),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: 'c' });
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 15_000 });
    // Another client: the transport's own workflows and cancel, no worker involved.
    const cancelled = await transport.workflows.cancel(id);
    expect(cancelled.cancelled).toBe(true);
    await cancelJobs(transport, cancelled.cancel);
    await vi.waitFor(() => expect(reasons).toMatchObject([{ code: 'JOB_CANCEL_REQUESTED' }]), {
      timeout: 15_000,
    });
    const record = await settledAs(transport, id, 'cancelled');
    const jobId = record.steps[0]?.jobId as string;
    await vi.waitFor(async () => expect((await transport.getJob(jobId))?.state).toBe('cancelled'), {
      timeout: 15_000,
    });
    expect(runs).toEqual({});
    expect((await transport.workflows.get(id))?.steps.map((step) => step.state)).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });
  it('a step job of a workflow cancelled meanwhile runs nothing and ends cancelled (WORKFLOW_ENDED), not dead', async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.ended',
      input: Input,
      steps: (flow) => flow.step('a', make('a')),
    });
    const transport = memoryTransport();
    const id = await startWorkflow(transport, workflow, { id: 'e' });
    // The canceller died before cancelling the step's job: it is still waiting.
    expect((await transport.workflows.cancel(id)).cancelled).toBe(true);
    workers.start({ workflows: [workflow] }, transport);
    const jobId = (await transport.workflows.get(id))?.steps[0]?.jobId as string;
    await vi.waitFor(
      async () =>
        expect(await transport.getJob(jobId)).toMatchObject({
          state: 'cancelled',
          error: { code: 'WORKFLOW_ENDED' },
        }),
      { timeout: 15_000 },
    );
    expect(runs).toEqual({});
    await transport.close();
  });
});

describe('crashes and jobs that end by another path', () => {
  const workers = useWorkflowWorkers();

  it('a step job redelivered after its worker died between record and ack is acknowledged, and the fan-in runs once', async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.redeliver',
      input: Input,
      steps: (flow) =>
        flow
          .parallel({ a: { task: make('a') }, b: { task: make('b') } })
          .step('join', make('join')),
    });
    const inner = memoryTransport();
    // The first settle of step a's job never reaches the broker: the worker "died" after
    // recording the outcome and enqueueing the outbox, before its ack.
    let dropped: string | undefined;
    const transport: WorkflowTransport = {
      ...inner,
      settle(settlements) {
        const kept = settlements.filter((settlement) => {
          const drop = dropped === undefined && settlement.id.endsWith('.a');
          if (drop) dropped = settlement.id;
          return !drop;
        });
        return inner.settle(kept).then((statuses) => {
          const answers: Array<'ok' | 'stale'> = [];
          let at = 0;
          for (const settlement of settlements) {
            answers.push(
              settlement.id === dropped && !kept.includes(settlement)
                ? 'ok'
                : (statuses[at++] ?? 'stale'),
            );
          }
          return answers;
        });
      },
    } as WorkflowTransport;
    // Short enough that the dropped job comes back within seconds, with 2.75 s between a
    // heartbeat and the lease's end: a 200 ms lease let a busy CI box's event-loop delay
    // expire join's lease mid-run, and join ran twice (at-least-once, but not what this test
    // is about).
    workers.start({ workflows: [workflow], leaseMs: 3_000, heartbeatMs: 250 }, transport);
    const id = await startWorkflow(transport, workflow, { id: 'r' });
    await settledAs(transport, id, 'completed');
    // The unacknowledged job comes back after its lease and is acknowledged without running.
    await vi.waitFor(
      async () => {
        expect(await inner.getJob(dropped as string)).toMatchObject({
          state: 'completed',
          attempts: 2,
        });
      },
      { timeout: 15_000 },
    );
    expect(runs).toEqual({ a: 1, b: 1, join: 1 });
    await inner.close();
  });

  it('an outbox entry left by a worker that failed to enqueue it is enqueued by the sweeper', async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.outbox',
      input: Input,
      steps: (flow) => flow.step('a', make('a')).step('b', make('b')),
    });
    const inner = memoryTransport();
    let refused = 0;
    const transport = {
      ...inner,
      enqueue(requests) {
        // The hand-off after step a: the broker refuses it once.
        if (refused === 0 && requests.some((request) => request.envelope.id.endsWith('.b'))) {
          refused += 1;
          return Promise.reject(new Error('connection reset'));
        }
        return inner.enqueue(requests);
      },
    } as WorkflowTransport & Pick<Transport, 'enqueue'>;
    workers.start({ workflows: [workflow], workflowSweepMs: 50 }, transport);
    const id = await startWorkflow(transport, workflow, { id: 'o' });
    await settledAs(transport, id, 'completed');
    expect(refused).toBe(1);
    expect(runs).toEqual({ a: 1, b: 1 });
    await inner.close();
  });

  it("a record sent twice (its reply lost, then re-sent) hands on the next stage at once, not at the sweeper's", async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.resent',
      input: Input,
      steps: (flow) => flow.step('a', make('a')).step('b', make('b')),
    });
    const inner = memoryTransport();
    let resent = 0;
    const workflows = {
      ...inner.workflows,
      // As ioredis re-sends a call whose reply a reset connection lost: the first run records
      // the outcome and puts the next stage in the outbox; the caller hears only the second.
      async recordMany(id, items) {
        if (resent > 0) return inner.workflows.recordMany(id, items);
        resent += 1;
        await inner.workflows.recordMany(id, items);
        return inner.workflows.recordMany(id, items);
      },
    } as WorkflowTransport['workflows'];
    const transport = { ...inner, workflows } as WorkflowTransport;
    // No sweeper: nothing else would ever enqueue step b.
    workers.start({ workflows: [workflow], workflowSweepMs: false }, transport);
    const id = await startWorkflow(transport, workflow, { id: 'r' });
    await settledAs(transport, id, 'completed');
    expect(resent).toBe(1);
    expect(runs).toEqual({ a: 1, b: 1 });
    await inner.close();
  });

  it("the sweeper records a step whose job was cancelled on its own (WORKFLOW_STEP_LOST), and the step's policy applies", async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.lost',
      input: Input,
      steps: (flow) =>
        flow
          // No worker consumes 'idle': the job waits, and is cancelled there.
          .step('stuck', make('stuck', 'idle'), { onFailure: 'continue' })
          .step('after', make('after')),
    });
    const { transport } = workers.start({
      workflows: [workflow],
      queues: ['rc'],
      workflowSweepMs: 50,
    });
    const id = await startWorkflow(transport, workflow, { id: 'l' });
    const jobId = (await transport.workflows.get(id))?.steps[0]?.jobId as string;
    expect(await transport.cancel(jobId)).toBe('cancelled');
    const record = await settledAs(transport, id, 'completed');
    expect(record.steps[0]).toMatchObject({
      state: 'skipped',
      error: { code: 'WORKFLOW_STEP_LOST' },
    });
    expect(record.steps[0]?.error?.message).toContain(`${JSON.stringify(jobId)} of step "stuck"`);
    expect(record.steps[0]?.error?.message).toContain('is cancelled');
    expect(runs).toEqual({ after: 1 });
  });

  it('the sweeper fails a step whose worker died on its last attempt (lease expired: dead)', async () => {
    const { runs, make } = counter();
    const workflow = defineWorkflow({
      name: 'rc.killed',
      input: Input,
      // One attempt: the lease that runs out was the last.
      steps: (flow) => flow.step('a', make('a', 'rc', 1)).step('b', make('b')),
    });
    const transport = memoryTransport();
    const id = await startWorkflow(transport, workflow, { id: 'k' });
    // A worker reserves step a's job (and claims it), then is kill -9'd: no settle, no renew.
    const [reservation] = await transport.reserve({
      queues: ['rc'],
      max: 1,
      leaseMs: 30,
      consumer: 'killed',
      waitMs: 0,
    });
    expect(reservation?.envelope.workflow).toMatchObject({ id, step: 'a' });
    expect(await transport.workflows.claim(id, { step: 'a' })).toBe('claimed');
    workers.start({ workflows: [workflow], workflowSweepMs: 50 }, transport);
    const record = await settledAs(transport, id, 'failed');
    expect(record.failure).toMatchObject({ step: 'a', error: { code: 'WORKFLOW_STEP_LOST' } });
    expect(record.failure?.error.message).toContain('is dead');
    expect(runs).toEqual({});
    await transport.close();
  });
});

describe('a step job of an earlier try', () => {
  const workers = useWorkflowWorkers();

  it('ending after its workflow was retried records nothing: the retried step runs and its result counts', async () => {
    const runs: string[] = [];
    const step = defineTask({
      name: 'rc.deadlineStep',
      queue: 'rc-tries',
      input: z.unknown(),
      // The first run waits until its signal aborts (the deadline cancels it), then returns
      // what it has, as a task may; the second returns at once.
      run: (_input, ctx) =>
        runs.push(`run ${runs.length + 1}`) === 1
          ? new Promise<string>((resolve) => {
              ctx.signal.addEventListener('abort', () => resolve('partial'));
            })
          : 'full',
    });
    const after = defineTask({
      name: 'rc.afterTries',
      queue: 'rc-tries',
      input: z.unknown(),
      run: () => 'after',
    });
    const workflow = defineWorkflow({
      name: 'rc.tries',
      input: Input,
      steps: (flow) => flow.step('slow', step).step('after', after),
    });
    const logger = captureLogger();
    const { transport } = workers.start({ workflows: [workflow], logger });
    const id = newWorkflowId();
    const begun = await transport.workflows.start({
      id,
      plan: planForRun(workflowPlan(workflow), id),
      input: { id: 't' },
      deadline: Date.now() + 300,
    });
    await applyWorkflowEffects(transport, id, begun);
    const first = (await settledAs(transport, id, 'failed')).steps[0]?.jobId;
    const retried = await transport.workflows.retry(id);
    expect(retried.retried).toBe(true);
    await applyWorkflowEffects(transport, id, retried);
    await settledAs(transport, id, 'completed');
    // Before: the first run's late 'partial' was recorded as the retried step's result, and
    // the retry's job was acknowledged without running.
    expect(runs).toEqual(['run 1', 'run 2']);
    expect(await transport.workflows.results(id, 'slow')).toEqual(['full']);
    // The first run's job says its outcome was not taken (it settles as it ended).
    await vi.waitFor(
      () =>
        expect(
          logger.lines.find((line) => line.message.startsWith('step outcome not recorded')),
        ).toMatchObject({
          level: 'info',
          fields: { jobId: first, workflowId: id, step: 'slow' },
        }),
      { timeout: 15_000 },
    );
  });
});
