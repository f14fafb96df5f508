import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../../ids.js';
import { useSuiteContext } from './context.js';
import type { ConformanceHarness } from './harness.js';
import { uniqueQueue } from './harness.js';
import {
  failed,
  groupStage,
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

/** W10 and W5: what `results` answers for a step that has no result, and why. */
export function workflowResultRules(harness: ConformanceHarness): void {
  describe('workflows: steps without a result', () => {
    const ctx = useSuiteContext(harness);

    it('[W10] a completion without a result (its task returned nothing) completes the step, counts by first write, and reads back undefined, never null; a stored null stays null', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-none');
      const plan = planOf([
        groupStage(planStep('a', queue), planStep('b', queue)),
        mapStage(planStep('each', queue)),
        stepStage(planStep('last', queue)),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const first = await workflows.record(id, { step: 'a' }, { ok: true });
      expect(first).toMatchObject({ recorded: true, status: 'running', dispatch: [] });
      // First write: a second outcome, with a result or a failure, finds it done.
      expect((await workflows.record(id, { step: 'a' }, ok('late'))).recorded).toBe(false);
      expect((await workflows.record(id, { step: 'a' }, failed('late'))).recorded).toBe(false);
      expect(await workflows.claim(id, { step: 'a' })).toBe('done');
      const next = await workflows.record(id, { step: 'b' }, ok(null));
      expect(stepsOf(next.dispatch)).toEqual(['each']);
      expect(await workflows.results(id, 'a')).toEqual([undefined]);
      expect(await workflows.results(id, 'b')).toEqual([null]);
      await workflows.expand(id, 'each', [0, 1, 2], 10);
      // Children in one batch and one by one: none, null, a value.
      await workflows.recordMany(id, [
        { address: { step: 'each', child: 0 }, outcome: { ok: true } },
        { address: { step: 'each', child: 1 }, outcome: ok(null) },
      ]);
      const last = await workflows.record(id, { step: 'each', child: 2 }, { ok: true });
      expect(stepsOf(last.dispatch)).toEqual(['last']);
      expect(await workflows.results(id, 'each')).toEqual([undefined, null, undefined]);
      expect(await workflows.results(id, 'each', { from: 1, count: 2 })).toEqual([null, undefined]);
      const done = await workflows.record(id, { step: 'last' }, { ok: true, result: undefined });
      expect(done.status).toBe('completed');
      expect(await workflows.results(id, 'last')).toEqual([undefined]);
      expect(Object.values(await statesOf(workflows, id))).toEqual(Array(7).fill('completed'));
    });

    it("[W5] a map step skipped (onFailure 'continue') before it expanded has no children: no count in either read, no results", async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-none');
      const plan = planOf([
        mapStage(planStep('each', queue, 'continue')),
        stepStage(planStep('after', queue)),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const skipped = await workflows.expand(id, 'each', [1, 2, 3], 2);
      expect(stepsOf(skipped.dispatch)).toEqual(['after']);
      for (const children of [true, false]) {
        const record = children
          ? await recordOf(workflows, id)
          : await workflows.get(id, { children });
        const each = record?.steps.filter((step) => step.step === 'each');
        expect(each).toEqual([
          expect.objectContaining({
            state: 'skipped',
            error: expect.objectContaining({ code: 'WORKFLOW_TOO_LARGE' }),
          }),
        ]);
        expect(each?.[0]?.children).toBeUndefined();
      }
      expect(await workflows.results(id, 'each')).toEqual([]);
    });
  });
}
