import { defineTask, defineWorkflow, describeWorkflow, NonRetryableError } from '@conveyor/core';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resultOf, settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

const Input = z.object({ id: z.string() });

/** Tasks that count their runs, and fail while `failing` names them. */
function tasks() {
  const runs: Record<string, number> = {};
  const failing = new Set<string>();
  const make = (name: string, attempts = 1) =>
    defineTask({
      name: `fx.${name}`,
      queue: 'fx',
      input: z.unknown(),
      retry: { attempts, backoff: { type: 'fixed', delay: 1, jitter: 0 } },
      run: (input) => {
        runs[name] = (runs[name] ?? 0) + 1;
        if (failing.has(name)) throw new Error(`${name} broke`);
        return { from: name, input };
      },
    });
  return { runs, failing, make };
}

describe('failure policies', () => {
  const workers = useWorkflowWorkers();

  it("'fail' (the default): a step whose retries run out fails the workflow; later steps never run", async () => {
    const { runs, failing, make } = tasks();
    failing.add('b');
    const workflow = defineWorkflow({
      name: 'fx.fail',
      input: Input,
      steps: (flow) => flow.step('a', make('a')).step('b', make('b', 3)).step('c', make('c')),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '1' });
    const record = await settledAs(transport, id, 'failed');
    expect(runs).toEqual({ a: 1, b: 3 });
    expect(record.failure).toMatchObject({ step: 'b', error: { message: 'b broke' } });
    expect(record.steps.map((step) => step.state)).toEqual(['completed', 'failed', 'cancelled']);
  });

  it("'continue': the step counts as done with no result; the next stage gets undefined for it", async () => {
    const { runs, failing, make } = tasks();
    failing.add('b');
    const seen: unknown[] = [];
    const join = defineTask({
      name: 'fx.join',
      queue: 'fx',
      input: z.object({ a: z.unknown(), b: z.unknown() }),
      run: (input) => {
        seen.push(input);
        return 'joined';
      },
    });
    const workflow = defineWorkflow({
      name: 'fx.continue',
      input: Input,
      steps: (flow) =>
        flow
          .parallel({
            a: { task: make('a') },
            b: { task: make('b'), onFailure: 'continue' },
          })
          .step('join', join, { input: ({ a, b }) => ({ a, b: b ?? 'skipped' }) }),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '2' });
    const record = await settledAs(transport, id, 'completed');
    expect(runs).toEqual({ a: 1, b: 1 });
    expect(seen).toEqual([{ a: { from: 'a', input: { id: '2' } }, b: 'skipped' }]);
    expect(record.steps.find((step) => step.step === 'b')?.state).toBe('skipped');
  });

  it('a compensation runs with the failure, and the workflow ends compensated', async () => {
    const { runs, make } = tasks();
    const seen: unknown[] = [];
    const reject = defineTask({
      name: 'fx.reject',
      queue: 'fx',
      input: z.object({ id: z.string(), reason: z.string(), code: z.string().optional() }),
      run: (input) => {
        seen.push(input);
        return 'rejected';
      },
    });
    const reserve = defineTask({
      name: 'fx.reserve',
      queue: 'fx',
      input: z.unknown(),
      run: () => {
        throw new NonRetryableError('out of stock');
      },
    });
    const workflow = defineWorkflow({
      name: 'fx.compensate',
      input: Input,
      steps: (flow) =>
        flow
          .step('reserve', reserve, { onFailure: { compensate: 'reject' } })
          .step('ship', make('ship'))
          .compensation('reject', reject, {
            input: (failure, input) => ({
              id: input.id,
              reason: `${failure.step}: ${failure.message}`,
              ...(failure.code === undefined ? {} : { code: failure.code }),
            }),
          }),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '3' });
    await settledAs(transport, id, 'compensated');
    expect(seen).toEqual([{ id: '3', reason: 'reserve: out of stock', code: 'NON_RETRYABLE' }]);
    expect(runs).toEqual({});
    expect(await resultOf(transport, id, 'reject')).toBe('rejected');
  });

  it('a compensation that fails ends the workflow failed', async () => {
    const { runs, failing, make } = tasks();
    failing.add('a');
    failing.add('undo');
    const workflow = defineWorkflow({
      name: 'fx.compensation-fails',
      input: Input,
      steps: (flow) =>
        flow
          .step('a', make('a'), { onFailure: { compensate: 'undo' } })
          .compensation('undo', make('undo')),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '4' });
    const record = await settledAs(transport, id, 'failed');
    expect(runs).toEqual({ a: 1, undo: 1 });
    expect(record.steps.find((step) => step.step === 'undo')).toMatchObject({
      state: 'failed',
      error: { message: 'undo broke' },
    });
  });

  it('children that finish after a sibling failed the workflow are completed, and a retry runs only the failed one', async () => {
    // Child 0 fails at once; its siblings, running, ignore their abort signal and finish
    // once the workflow failed. They were recorded `cancelled`, and a retry ran them again.
    const runs: number[] = [];
    let broken = true;
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const account = defineTask({
      name: 'fx.account',
      queue: 'fx',
      input: z.object({ n: z.number() }),
      run: async ({ n }) => {
        runs.push(n);
        if (n === 0 && broken) throw new NonRetryableError('account 0 broke');
        if (n > 0) await finished;
        return n * 10;
      },
    });
    const collect = defineTask({
      name: 'fx.collect',
      queue: 'fx',
      input: z.array(z.number()),
      run: (totals) => totals,
    });
    const workflow = defineWorkflow({
      name: 'fx.late-children',
      input: Input,
      steps: (flow) =>
        flow
          .map('perAccount', account, {
            items: () => Array.from({ length: 4 }, (_, n) => ({ n })),
          })
          .step('collect', collect),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '6' });
    await vi.waitFor(() => expect(runs).toHaveLength(4), { timeout: 15_000 });
    await settledAs(transport, id, 'failed');
    finish();
    const children = (record: { steps: Array<{ child?: number; state: string }> }) =>
      record.steps.filter((step) => step.child !== undefined).map((step) => step.state);
    let record = await settledAs(transport, id, 'failed');
    await vi.waitFor(
      async () => {
        record = await settledAs(transport, id, 'failed');
        expect(children(record)).toEqual(['failed', 'completed', 'completed', 'completed']);
      },
      { timeout: 15_000 },
    );
    const view = describeWorkflow(record).stages[0]?.steps[0]?.children;
    expect(view?.counts).toMatchObject({ completed: 3, failed: 1, cancelled: 0 });
    expect(await transport.workflows.results(id, 'perAccount')).toEqual([undefined, 10, 20, 30]);
    broken = false;
    const retried = await transport.workflows.retry(id);
    await applyWorkflowEffects(transport, id, retried);
    const done = await settledAs(transport, id, 'completed');
    expect(runs.slice().sort()).toEqual([0, 0, 1, 2, 3]);
    expect(await resultOf(transport, id, 'collect')).toEqual([0, 10, 20, 30]);
    expect(done.steps.filter((step) => step.retries > 0).map((step) => step.child)).toEqual([
      undefined,
      0,
    ]);
  });

  it('retry from the failed step: completed steps do not run again', async () => {
    const { runs, failing, make } = tasks();
    failing.add('b');
    const workflow = defineWorkflow({
      name: 'fx.retry',
      input: Input,
      steps: (flow) =>
        flow
          .step('a', make('a'))
          .map('b', make('b'), { items: (a) => [a] })
          .step('c', make('c')),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { id: '5' });
    await settledAs(transport, id, 'failed');
    expect(runs).toEqual({ a: 1, b: 1 });
    failing.delete('b');
    const retried = await transport.workflows.retry(id);
    expect(retried.retried).toBe(true);
    await applyWorkflowEffects(transport, id, retried);
    const record = await settledAs(transport, id, 'completed');
    // a ran once; b's child once more, with a new job; c once.
    expect(runs).toEqual({ a: 1, b: 2, c: 1 });
    expect(await resultOf(transport, id, 'c')).toMatchObject({ from: 'c' });
    // The retried step's job has a new id; the failed one stays inspectable.
    const failedChild = record.steps.find((step) => step.child !== undefined && step.retries > 0);
    expect(failedChild?.jobId).toMatch(/\.r1$/);
    await vi.waitFor(
      async () => {
        expect((await transport.getJob(failedChild?.jobId as string))?.state).toBe('completed');
      },
      { timeout: 15_000 },
    );
  });
});
