import { describe, expect, it } from 'vitest';
import { newWorkflowId, workflowJobId } from '../../ids.js';
import type { OnFailure } from '../../workflow/flow-types.js';
import { useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import {
  dispatchOf,
  failed,
  mapStage,
  ok,
  planOf,
  planStep,
  recordOf,
  statesOf,
  stepStage,
  stepsOf,
  workflowsOf,
} from './workflow-fixtures.js';

/** `split`, a map `each` (its policy as given), then `join`. */
function mapPlan(onFailure: OnFailure = 'fail') {
  const queue = uniqueQueue('wf-map');
  const plan = planOf([
    stepStage(planStep('split', queue)),
    mapStage(planStep('each', queue, onFailure)),
    stepStage(planStep('join', queue)),
  ]);
  return { queue, plan };
}

/** W7 and W10: map stages (expand, children, the size limit) and ordered results. */
export function workflowMapRules(harness: ConformanceHarness): void {
  describe('workflows: map stages', () => {
    const ctx = useSuiteContext(harness);

    it('[W7] a map stage dispatches its expand job first; expand makes its children ready once, with their items; none finishes the stage at once', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = mapPlan();
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const split = await workflows.record(id, { step: 'split' }, ok(null));
      expect(split.dispatch).toEqual([
        expect.objectContaining({
          step: 'each',
          kind: 'expand',
          jobId: workflowJobId(queue, id, 'each'),
        }),
      ]);
      expect(await workflows.claim(id, { step: 'each' })).toBe('claimed');
      const expanded = await workflows.expand(id, 'each', [{ n: 0 }, { n: 1 }], 10);
      expect(expanded).toMatchObject({ recorded: true, status: 'running', cancel: [] });
      expect(
        expanded.dispatch.map(({ step, child, kind, jobId, input }) => ({
          step,
          child,
          kind,
          jobId,
          input,
        })),
      ).toEqual([
        {
          step: 'each',
          child: 0,
          kind: 'run',
          jobId: workflowJobId(queue, id, 'each', 0),
          input: { n: 0 },
        },
        {
          step: 'each',
          child: 1,
          kind: 'run',
          jobId: workflowJobId(queue, id, 'each', 1),
          input: { n: 1 },
        },
      ]);
      // A second expand (the expand job redelivered) changes nothing; its claim answers done.
      expect(await workflows.expand(id, 'each', [1, 2, 3], 10)).toMatchObject({
        recorded: false,
        dispatch: [],
      });
      expect(await workflows.claim(id, { step: 'each' })).toBe('done');
      expect(await statesOf(workflows, id)).toEqual({
        split: 'completed',
        each: 'running',
        'each#0': 'ready',
        'each#1': 'ready',
        join: 'pending',
      });
      const both = await Promise.all([
        workflows.record(id, { step: 'each', child: 1 }, ok('one')),
        workflows.record(id, { step: 'each', child: 0 }, ok('zero')),
        workflows.record(id, { step: 'each', child: 1 }, ok('one again')),
      ]);
      expect(stepsOf(dispatchOf(both))).toEqual(['join']);
      expect(await workflows.results(id, 'each')).toEqual(['zero', 'one']);
      expect((await statesOf(workflows, id)).each).toBe('completed');
      // No items: the stage is done at once.
      const empty = newWorkflowId();
      await workflows.start({ id: empty, plan, input: null });
      await workflows.record(empty, { step: 'split' }, ok(null));
      const none = await workflows.expand(empty, 'each', [], 10);
      expect(stepsOf(none.dispatch)).toEqual(['join']);
      expect(await workflows.results(empty, 'each')).toEqual([]);
    });

    it('[W7] more items than maxChildren fail the map step with WORKFLOW_TOO_LARGE (count and limit named), and its policy applies', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      for (const policy of ['fail', 'continue'] as const) {
        const { plan } = mapPlan(policy);
        const id = newWorkflowId();
        await workflows.start({ id, plan, input: null });
        await workflows.record(id, { step: 'split' }, ok(null));
        const result = await workflows.expand(id, 'each', [1, 2, 3, 4], 3);
        expect(result.recorded).toBe(true);
        const record = await recordOf(workflows, id);
        const each = record.steps.find((s) => s.step === 'each');
        expect(each?.error?.code).toBe('WORKFLOW_TOO_LARGE');
        expect(each?.error?.message).toContain('4');
        expect(each?.error?.message).toContain('3');
        if (policy === 'fail') {
          expect(result.status).toBe('failed');
          expect(record.failure?.error.code).toBe('WORKFLOW_TOO_LARGE');
        } else {
          expect(result.status).toBe('running');
          expect(stepsOf(result.dispatch)).toEqual(['join']);
          expect(each?.state).toBe('skipped');
        }
      }
    });

    it('[W7] a failed child applies the map step’s policy: continue skips it, fail cancels its open siblings', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const soft = mapPlan('continue');
      const id = newWorkflowId();
      await workflows.start({ id, plan: soft.plan, input: null });
      await workflows.record(id, { step: 'split' }, ok(null));
      await workflows.expand(id, 'each', ['a', 'b', 'c'], 10);
      await workflows.record(id, { step: 'each', child: 1 }, failed('bad b'));
      await workflows.record(id, { step: 'each', child: 0 }, ok('A'));
      const last = await workflows.record(id, { step: 'each', child: 2 }, ok('C'));
      expect(stepsOf(last.dispatch)).toEqual(['join']);
      expect(await workflows.results(id, 'each')).toEqual(['A', undefined, 'C']);
      const hard = mapPlan('fail');
      const other = newWorkflowId();
      await workflows.start({ id: other, plan: hard.plan, input: null });
      await workflows.record(other, { step: 'split' }, ok(null));
      await workflows.expand(other, 'each', ['a', 'b', 'c'], 10);
      await workflows.record(other, { step: 'each', child: 0 }, ok('A'));
      const fail = await workflows.record(other, { step: 'each', child: 1 }, failed('bad b'));
      expect(fail.status).toBe('failed');
      expect(fail.cancel).toEqual([workflowJobId(hard.queue, other, 'each', 2)]);
      expect((await recordOf(workflows, other)).failure).toMatchObject({ step: 'each', child: 1 });
    });

    it('[W10] 1,000 children recorded concurrently in any order: their results come back in item order, by range too, and the fan-in is ready once', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = mapPlan();
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'split' }, ok(null));
      const count = 1_000;
      const items = Array.from({ length: count }, (_, n) => ({ n }));
      const expanded = await workflows.expand(id, 'each', items, 10_000);
      expect(expanded.dispatch).toHaveLength(count);
      // Odd children first, then even ones backwards.
      const order = [
        ...items.filter((i) => i.n % 2 === 1),
        ...items.filter((i) => i.n % 2 === 0).reverse(),
      ];
      const results = await Promise.all(
        order.map(({ n }) => workflows.record(id, { step: 'each', child: n }, ok({ r: n * 2 }))),
      );
      expect(results.every((r) => r.recorded)).toBe(true);
      expect(stepsOf(dispatchOf(results))).toEqual(['join']);
      const all = await workflows.results(id, 'each');
      expect(all).toEqual(items.map(({ n }) => ({ r: n * 2 })));
      expect(await workflows.results(id, 'each', { from: 990, count: 20 })).toEqual(
        items.slice(990).map(({ n }) => ({ r: n * 2 })),
      );
      expect(await workflows.results(id, 'each', { from: 5, count: 2 })).toEqual([
        { r: 10 },
        { r: 12 },
      ]);
      expect(await workflows.results(id, 'split')).toEqual([null]);
      expect(await workflows.results(id, 'nope')).toEqual([]);
    });
  });
}
