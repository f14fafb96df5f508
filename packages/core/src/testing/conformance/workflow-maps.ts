import { describe, expect, it } from 'vitest';
import { newWorkflowId, workflowJobId } from '../../ids.js';
import type { TransportWorkflows } from '../../transport-workflows.js';
import type { OnFailure } from '../../workflow/flow-types.js';
import { useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import {
  dispatchOf,
  failed,
  mapStage,
  ok,
  orderPlan,
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

/** Clears a workflow's outbox as its callers would once the jobs are enqueued (not a children entry). */
async function enqueued(workflows: TransportWorkflows, id: string): Promise<void> {
  await workflows.dispatched(
    id,
    (await workflows.outbox(id)).map((entry) => entry.jobId),
  );
}

/** W7 and W10: map stages (expand, children, the size limit) and ordered results. */
export function workflowMapRules(harness: ConformanceHarness): void {
  describe('workflows: map stages', () => {
    const ctx = useSuiteContext(harness);

    it('[W7] a map stage dispatches its expand job first; expand stores the count once, its children ready with no job in the outbox but one children entry, which only its key clears; none finishes the stage at once', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = mapPlan();
      const id = newWorkflowId();
      const expandJob = workflowJobId(queue, id, 'each');
      await workflows.start({ id, plan, input: null });
      const split = await workflows.record(id, { step: 'split' }, ok(null));
      expect(split.dispatch).toEqual([
        expect.objectContaining({ step: 'each', kind: 'expand', jobId: expandJob }),
      ]);
      await enqueued(workflows, id);
      expect(await workflows.claim(id, { step: 'each' })).toBe('claimed');
      const expanded = await workflows.expand(id, 'each', [{ n: 0 }, { n: 1 }], 10);
      expect(expanded).toMatchObject({
        recorded: true,
        status: 'running',
        dispatch: [],
        cancel: [],
      });
      const open = [
        { child: 0, retries: 0 },
        { child: 1, retries: 0 },
      ];
      expect(expanded.children?.open).toEqual(open);
      const key = expanded.children?.key as string;
      // One entry for all the children: the expand job's, with the count.
      const entry = { step: 'each', kind: 'expand', jobId: expandJob, children: 2 };
      expect(await workflows.outbox(id)).toEqual([expect.objectContaining(entry)]);
      // Clearing the expand job's own entry (its starter, late) leaves the children entry.
      await workflows.dispatched(id, [expandJob]);
      expect(await workflows.outbox(id)).toEqual([expect.objectContaining(entry)]);
      expect(await statesOf(workflows, id)).toEqual({
        split: 'completed',
        each: 'running',
        'each#0': 'ready',
        'each#1': 'ready',
        join: 'pending',
      });
      const record = await recordOf(workflows, id);
      expect(record.steps.filter((s) => s.child !== undefined).map((s) => s.jobId)).toEqual([
        workflowJobId(queue, id, 'each', 0),
        workflowJobId(queue, id, 'each', 1),
      ]);
      // The expand job redelivered before the children were enqueued: claimed again, and
      // the same count answers the same children; nothing stored twice.
      expect(await workflows.claim(id, { step: 'each' })).toBe('claimed');
      const again = await workflows.expand(id, 'each', ['x', 'y'], 10);
      expect(again).toMatchObject({ recorded: false, dispatch: [], children: { key, open } });
      expect(await workflows.record(id, { step: 'each', child: 0 }, ok('zero'))).toMatchObject({
        recorded: true,
        dispatch: [],
      });
      expect((await workflows.expand(id, 'each', ['x', 'y'], 10)).children?.open).toEqual([
        { child: 1, retries: 0 },
      ]);
      await workflows.dispatched(id, [key]);
      expect(await workflows.outbox(id)).toEqual([]);
      // Once cleared, the expand job is done: a redelivery claims done, expands nothing.
      expect(await workflows.claim(id, { step: 'each' })).toBe('done');
      const late = await workflows.expand(id, 'each', [1, 2, 3], 10);
      expect(late).toMatchObject({ recorded: false, dispatch: [] });
      expect(late.children).toBeUndefined();
      const both = await Promise.all([
        workflows.record(id, { step: 'each', child: 1 }, ok('one')),
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
      expect(none.children).toBeUndefined();
      expect(await workflows.results(empty, 'each')).toEqual([]);
    });

    it('[W7] while its children entry stands: another count fails the map step (WORKFLOW_MAP_CHANGED), its own failure is recorded; either cancels its open children, and the last child clears the entry', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const hard = mapPlan('fail');
      const id = newWorkflowId();
      await workflows.start({ id, plan: hard.plan, input: null });
      await workflows.record(id, { step: 'split' }, ok(null));
      await workflows.expand(id, 'each', ['a', 'b', 'c'], 10);
      await workflows.record(id, { step: 'each', child: 0 }, ok('A'));
      const changed = await workflows.expand(id, 'each', ['a', 'b'], 10);
      expect(changed).toMatchObject({ recorded: true, status: 'failed' });
      expect([...changed.cancel].sort()).toEqual(
        [workflowJobId(hard.queue, id, 'each', 1), workflowJobId(hard.queue, id, 'each', 2)].sort(),
      );
      const failure = (await recordOf(workflows, id)).failure;
      expect(failure).toMatchObject({ step: 'each', error: { code: 'WORKFLOW_MAP_CHANGED' } });
      expect(failure?.error.message).toContain('2');
      expect(failure?.error.message).toContain('3');
      // With 'continue': the expand job's own failure (it could not enqueue the children).
      const soft = mapPlan('continue');
      const other = newWorkflowId();
      await workflows.start({ id: other, plan: soft.plan, input: null });
      await workflows.record(other, { step: 'split' }, ok(null));
      await enqueued(workflows, other);
      await workflows.expand(other, 'each', ['a', 'b'], 10);
      const lost = await workflows.record(other, { step: 'each' }, failed('no enqueue'));
      expect(lost).toMatchObject({ recorded: true, status: 'running' });
      expect(stepsOf(lost.dispatch)).toEqual(['join']);
      expect(await statesOf(workflows, other)).toMatchObject({
        each: 'skipped',
        'each#0': 'cancelled',
        'each#1': 'cancelled',
      });
      expect(stepsOf(await workflows.outbox(other))).toEqual(['join']);
      const late = await workflows.record(other, { step: 'each', child: 0 }, ok('A'));
      expect(late.recorded).toBe(false);
      // Entry cleared by the last child (before the expand job cleared it): the map step's
      // own outcome is not taken any more.
      const third = newWorkflowId();
      await workflows.start({ id: third, plan: soft.plan, input: null });
      await workflows.record(third, { step: 'split' }, ok(null));
      await enqueued(workflows, third);
      await workflows.expand(third, 'each', ['a'], 10);
      const done = await workflows.record(third, { step: 'each', child: 0 }, ok('A'));
      expect(stepsOf(done.dispatch)).toEqual(['join']);
      expect(stepsOf(await workflows.outbox(third))).toEqual(['join']);
      expect(await workflows.claim(third, { step: 'each' })).toBe('done');
      expect((await workflows.record(third, { step: 'each' }, failed('late'))).recorded).toBe(
        false,
      );
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
        // The advice names the option a user sets, not the transport's argument.
        expect(each?.error?.message).toContain('createWorker({ maxWorkflowChildren })');
        expect(each?.error?.message).toContain('--max-workflow-children');
        expect(each?.error?.message).not.toContain('raise maxChildren');
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

    it('[W7] a failed child applies the map step’s policy: continue skips it, fail cancels its open siblings and fails the map step', async ({
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
      const failedRecord = await recordOf(workflows, other);
      expect(failedRecord.failure).toMatchObject({ step: 'each', child: 1 });
      // The map step failed with its child (not cancelled as the steps after it are).
      const state = (child?: number) =>
        failedRecord.steps.find((s) => s.step === 'each' && s.child === child)?.state;
      expect([state(), state(0), state(1), state(2)]).toEqual([
        'failed',
        'completed',
        'failed',
        'cancelled',
      ]);
      expect(failedRecord.steps.find((s) => s.step === 'join')?.state).toBe('cancelled');
    });

    it("[W9] get with children: false answers the record without map children, the rest as a full get has it (states, jobs, errors, a map step's count of children); anything but a boolean is refused", async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = mapPlan('continue');
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: { order: 7 } });
      await workflows.record(id, { step: 'split' }, ok(null));
      await workflows.expand(id, 'each', ['a', 'b', 'c'], 10);
      await workflows.record(id, { step: 'each', child: 1 }, failed('bad b'));
      await workflows.record(id, { step: 'each', child: 0 }, ok('A'));
      const full = await recordOf(workflows, id);
      expect(full.steps.filter((step) => step.child !== undefined)).toHaveLength(3);
      // The map step's own record counts its children; no other step's has a count.
      expect(full.steps.filter((step) => step.children !== undefined)).toEqual([
        expect.objectContaining({ step: 'each', children: 3 }),
      ]);
      const summary = await workflows.get(id, { children: false });
      expect(summary).toEqual({
        ...full,
        steps: full.steps.filter((step) => step.child === undefined),
      });
      expect(await workflows.get(id, {})).toEqual(full);
      // A failed plan step keeps its error in the summary too.
      const order = orderPlan('fail');
      const other = newWorkflowId();
      await workflows.start({ id: other, plan: order.plan, input: null });
      await workflows.record(other, { step: 'reserve' }, failed('out of stock'));
      const failedRecord = await recordOf(workflows, other);
      expect(failedRecord.steps.find((step) => step.step === 'reserve')?.error?.message).toBe(
        'out of stock',
      );
      expect(await workflows.get(other, { children: false })).toEqual(failedRecord);
      expect(await workflows.get(newWorkflowId(), { children: false })).toBeNull();
      await expect(
        workflows.get(id, { children: 'no' } as unknown as { children: boolean }),
      ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
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
      await enqueued(workflows, id);
      const expanded = await workflows.expand(id, 'each', items, 10_000);
      expect(expanded.dispatch).toEqual([]);
      expect(expanded.children?.open).toHaveLength(count);
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
      // The last child cleared the children entry: only the fan-in's job is left.
      expect(stepsOf(await workflows.outbox(id))).toEqual(['join']);
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
