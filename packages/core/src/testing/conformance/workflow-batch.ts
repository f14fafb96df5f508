import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../../ids.js';
import type {
  RecordResult,
  StepAddress,
  StepOutcomeItem,
  TransportWorkflows,
} from '../../transport-workflows.js';
import type { WorkflowPlan } from '../../workflow/plan.js';
import { useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import {
  failed,
  groupStage,
  mapStage,
  ok,
  planOf,
  planStep,
  stepStage,
  workflowsOf,
} from './workflow-fixtures.js';

/**
 * Two workflows of one plan, moved alike: `single` by `claim` and `record` one call at a
 * time, `batched` by `claimMany` and `recordMany`. Their answers and records, with the ids
 * and times taken out, must be the same [W16].
 */
async function twins(workflows: TransportWorkflows, plan: WorkflowPlan) {
  const single = newWorkflowId();
  const batched = newWorkflowId();
  await workflows.start({ id: single, plan, input: null });
  await workflows.start({ id: batched, plan, input: null });
  /** JSON of `value` with the workflow's id (in job ids) and times taken out. */
  const plain = (value: unknown, id: string) =>
    JSON.parse(
      JSON.stringify(value, (key, field) =>
        ['at', 'createdAt', 'updatedAt', 'finishedAt'].includes(key) ? undefined : field,
      ).replaceAll(id, 'WF'),
    );
  return {
    async expand(step: string, items: unknown[]) {
      for (const id of [single, batched]) {
        await workflows.claim(id, { step });
        const { children } = await workflows.expand(id, step, items as never, 100);
        // As the expand job does once it enqueued them.
        if (children) await workflows.dispatched(id, [children.key]);
      }
    },
    async claims(addresses: StepAddress[]) {
      const one: unknown[] = [];
      for (const address of addresses) one.push(await workflows.claim(single, address));
      const many = await workflows.claimMany(batched, addresses);
      expect(many).toEqual(one);
      return many;
    },
    async records(items: StepOutcomeItem[]) {
      const one: RecordResult[] = [];
      for (const { address, outcome } of items) {
        one.push(await workflows.record(single, address, outcome));
      }
      const many = await workflows.recordMany(batched, items);
      expect(many.recorded).toEqual(one.map((answer) => answer.recorded));
      const lastStatus = (await workflows.get(single))?.status ?? 'unknown';
      expect(many.status).toBe(lastStatus);
      const cancel = one.flatMap((answer) => answer.cancel);
      const dispatch = one
        .flatMap((answer) => answer.dispatch)
        .filter((entry) => !cancel.includes(entry.jobId));
      expect(plain(many.cancel, batched)).toEqual(plain(cancel, single));
      expect(plain(many.dispatch, batched)).toEqual(plain(dispatch, single));
      return many;
    },
    async same() {
      const [a, b] = [await workflows.get(single), await workflows.get(batched)];
      expect(plain(b, batched)).toEqual(plain(a, single));
      expect(plain(await workflows.outbox(batched), batched)).toEqual(
        plain(await workflows.outbox(single), single),
      );
      return b;
    },
    single,
    batched,
  };
}

const child = (n: number): StepAddress => ({ step: 'each', child: n });

/** W16: `claimMany` and `recordMany`, as the same calls one by one. */
export function workflowBatchRules(harness: ConformanceHarness): void {
  describe('workflows: batches', () => {
    const ctx = useSuiteContext(harness);

    it('[W16] claimMany answers as claims one by one: repeats, children not there, steps not started, other workflows', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-batch');
      const plan = planOf([mapStage(planStep('each', queue)), stepStage(planStep('join', queue))]);
      const twin = await twins(workflows, plan);
      await twin.expand('each', [0, 1, 2, 3]);
      const claimed = await twin.claims([
        child(0),
        child(1),
        child(1),
        child(9),
        { step: 'join' },
        { step: 'each' },
        { step: 'nope' },
        child(3),
      ]);
      expect(claimed).toEqual([
        'claimed',
        'claimed',
        'claimed',
        'unknown',
        'ended',
        'done',
        'unknown',
        'claimed',
      ]);
      expect((await twin.same())?.steps.map((step) => step.state)).toEqual([
        'running',
        'running',
        'running',
        'ready',
        'running',
        'pending',
      ]);
      expect(await workflows.claimMany(newWorkflowId(), [child(0), child(1)])).toEqual([
        'unknown',
        'unknown',
      ]);
    });

    it('[W16] recordMany records as records one by one: first write wins within a batch, a fan-in is ready once, its entries merged', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-batch');
      const plan = planOf([
        mapStage(planStep('each', queue, 'continue')),
        stepStage(planStep('join', queue)),
      ]);
      const twin = await twins(workflows, plan);
      await twin.expand('each', [0, 1, 2, 3, 4]);
      await twin.claims([child(0), child(1), child(2)]);
      const first = await twin.records([
        { address: child(0), outcome: ok('a') },
        { address: child(0), outcome: ok('again') },
        { address: child(1), outcome: failed('skipped') },
        { address: child(7), outcome: ok('none') },
        { address: { step: 'join' }, outcome: ok('early') },
      ]);
      expect(first).toMatchObject({
        recorded: [true, false, true, false, false],
        status: 'running',
        dispatch: [],
      });
      const last = await twin.records([
        { address: child(2), outcome: ok('c') },
        { address: child(3), outcome: ok('d') },
        { address: child(4), outcome: ok('e') },
        { address: child(4), outcome: ok('e again') },
      ]);
      expect(last.recorded).toEqual([true, true, true, false]);
      expect(last.dispatch.map((entry) => entry.step)).toEqual(['join']);
      await twin.same();
      expect(await workflows.results(twin.batched, 'each')).toEqual([
        'a',
        undefined,
        'c',
        'd',
        'e',
      ]);
      const done = await twin.records([
        { address: { step: 'join' }, outcome: ok('joined') },
        { address: { step: 'join' }, outcome: ok('twice') },
      ]);
      expect(done).toMatchObject({ recorded: [true, false], status: 'completed' });
      expect(await workflows.results(twin.batched, 'join')).toEqual(['joined']);
      await twin.same();
    });

    it('[W16] recordMany: an item that fails the workflow cancels what earlier items dispatched, and later items move nothing', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-batch');
      const plan = planOf([
        groupStage(planStep('a', queue), planStep('b', queue)),
        groupStage(planStep('c', queue), planStep('d', queue)),
        stepStage(planStep('e', queue)),
      ]);
      const twin = await twins(workflows, plan);
      const answer = await twin.records([
        { address: { step: 'a' }, outcome: ok(1) },
        { address: { step: 'b' }, outcome: ok(2) },
        { address: { step: 'c' }, outcome: failed('c broke') },
        { address: { step: 'd' }, outcome: ok(4) },
      ]);
      // 'd' completed after the failure: stored, as one by one (W17), and nothing moved.
      expect(answer).toMatchObject({ recorded: [true, true, true, true], status: 'failed' });
      expect(answer.dispatch.map((entry) => entry.step)).not.toContain('d');
      expect(answer.dispatch.map((entry) => entry.step)).not.toContain('e');
      expect(answer.cancel).toHaveLength(1);
      const record = await twin.same();
      expect(record?.failure?.step).toBe('c');
      expect(record?.steps.map((s) => s.state)).toEqual([
        'completed',
        'completed',
        'failed',
        'completed',
        'cancelled',
      ]);
      expect(await workflows.outbox(twin.batched)).toEqual([]);
    });

    it('[W16] claimMany and recordMany check their arguments: 1 to MAX_WORKFLOW_BATCH items, each as claim and record check them', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const code = (call: () => Promise<unknown>) =>
        call().then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        );
      const id = newWorkflowId();
      expect(await code(() => workflows.claimMany(id, []))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.claimMany(id, [{ step: 'a', child: -1 }]))).toBe(
        'INVALID_OPTION',
      );
      const many = Array.from({ length: 1_001 }, () => ({ step: 'a' }));
      expect(await code(() => workflows.claimMany(id, many))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.recordMany(id, []))).toBe('INVALID_OPTION');
      expect(
        await code(() =>
          workflows.recordMany(id, [{ address: { step: 'a' }, outcome: { ok: 'yes' } as never }]),
        ),
      ).toBe('INVALID_OPTION');
      expect(await code(() => workflows.recordMany(id, [null as never]))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.idle(0, 1, { at: Number.NaN, id: newWorkflowId() }))).toBe(
        'INVALID_OPTION',
      );
    });
  });
}
