import { describe, expect, it } from 'vitest';
import { newWorkflowId, workflowJobId } from '../../ids.js';
import { describeWorkflow } from '../../workflow/describe.js';
import { useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import {
  failed,
  groupStage,
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

/** W17: completions that come after their run ended, and what a retry then does. */
export function workflowLateRules(harness: ConformanceHarness): void {
  describe('workflows: completions after the end', () => {
    const ctx = useSuiteContext(harness);

    it('[W17] children that complete after a sibling failed the run are completed with their results (same batch or later), move nothing, and a retry runs only the failed child', async ({
      skip,
    }) => {
      // A sibling's fast failure came first in a batch, or a child finished a few ms after
      // it: the record said `cancelled`, and a retry ran the finished children again.
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-late');
      const plan = planOf([
        stepStage(planStep('fetch', queue)),
        mapStage(planStep('each', queue)),
        stepStage(planStep('sum', queue)),
      ]);
      const id = newWorkflowId();
      const job = (child: number, retries = 0) => workflowJobId(queue, id, 'each', child, retries);
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'fetch' }, ok(null));
      await workflows.claim(id, { step: 'each' });
      await workflows.expand(id, 'each', ['a', 'b', 'c'], 10);
      expect(
        await workflows.claimMany(
          id,
          [0, 1, 2].map((child) => ({ step: 'each', child })),
        ),
      ).toEqual(['claimed', 'claimed', 'claimed']);
      const batch = await workflows.recordMany(id, [
        { address: { step: 'each', child: 0, job: job(0) }, outcome: failed('account 0') },
        { address: { step: 'each', child: 1, job: job(1) }, outcome: ok('B') },
      ]);
      expect(batch).toMatchObject({ recorded: [true, true], status: 'failed', dispatch: [] });
      const late = await workflows.record(id, { step: 'each', child: 2, job: job(2) }, ok('C'));
      expect(late).toEqual({ recorded: true, status: 'failed', dispatch: [], cancel: [] });
      // First write still wins; a late failure changes nothing.
      const again = await workflows.record(id, { step: 'each', child: 2 }, ok('other'));
      expect(again.recorded).toBe(false);
      expect(await statesOf(workflows, id)).toEqual({
        fetch: 'completed',
        each: 'failed',
        'each#0': 'failed',
        'each#1': 'completed',
        'each#2': 'completed',
        sum: 'cancelled',
      });
      const record = await recordOf(workflows, id);
      expect(record).toMatchObject({ status: 'failed', failure: { step: 'each', child: 0 } });
      expect(await workflows.outbox(id)).toEqual([]);
      expect(await workflows.results(id, 'each')).toEqual([undefined, 'B', 'C']);
      const map = describeWorkflow(record).stages[1]?.steps[0];
      expect(map?.children?.counts).toMatchObject({ completed: 2, failed: 1, cancelled: 0 });
      // The retry runs the failed child alone, then the stage after it with every result.
      const retried = await workflows.retry(id);
      const expandJob = workflowJobId(queue, id, 'each', undefined, 1);
      expect(retried.dispatch).toEqual([
        expect.objectContaining({ step: 'each', kind: 'expand', jobId: expandJob, children: 3 }),
      ]);
      expect(await workflows.claim(id, { step: 'each', job: expandJob })).toBe('claimed');
      const expanded = await workflows.expand(id, 'each', ['a', 'b', 'c'], 10);
      expect(expanded.children?.open).toEqual([{ child: 0, retries: 1 }]);
      await workflows.dispatched(id, [expanded.children?.key as string]);
      expect(await workflows.claim(id, { step: 'each', child: 1 })).toBe('done');
      expect(await workflows.claim(id, { step: 'each', child: 0, job: job(0, 1) })).toBe('claimed');
      const fanIn = await workflows.record(id, { step: 'each', child: 0, job: job(0, 1) }, ok('A'));
      expect(fanIn).toMatchObject({ recorded: true, status: 'running' });
      expect(stepsOf(fanIn.dispatch)).toEqual(['sum']);
      expect(await workflows.results(id, 'each')).toEqual(['A', 'B', 'C']);
      const states = await statesOf(workflows, id);
      expect([states.each, states['each#1'], states['each#2']]).toEqual([
        'completed',
        'completed',
        'completed',
      ]);
      const done = await workflows.record(id, { step: 'sum' }, ok('ABC'));
      expect(done.status).toBe('completed');
    });

    it('[W17] a step that completes after a cancel, a time-out, or while compensating is completed, moves nothing, and a retry does not dispatch it', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      // Cancelled: the running step's result is kept, and nothing starts.
      const cancelled = orderPlan();
      const a = newWorkflowId();
      await workflows.start({ id: a, plan: cancelled.plan, input: null });
      await workflows.record(a, { step: 'reserve' }, ok(1));
      await workflows.claim(a, { step: 'ship' });
      await workflows.cancel(a);
      const shipped = await workflows.record(a, { step: 'ship' }, ok('shipped'));
      expect(shipped).toEqual({ recorded: true, status: 'cancelled', dispatch: [], cancel: [] });
      expect(await statesOf(workflows, a)).toMatchObject({
        ship: 'completed',
        confirm: 'cancelled',
        fulfil: 'cancelled',
      });
      expect(await workflows.results(a, 'ship')).toEqual(['shipped']);
      expect(await workflows.record(a, { step: 'confirm' }, failed('late'))).toMatchObject({
        recorded: false,
      });
      // Compensating (running, its failure recorded): the compensation alone moves the run.
      const queue = uniqueQueue('wf-late');
      const compensated = planOf(
        [
          stepStage(planStep('reserve', queue)),
          groupStage(planStep('ship', queue, { compensate: 'reject' }), planStep('confirm', queue)),
          stepStage(planStep('fulfil', queue)),
        ],
        [planStep('reject', queue)],
      );
      const b = newWorkflowId();
      await workflows.start({ id: b, plan: compensated, input: null });
      await workflows.record(b, { step: 'reserve' }, ok(1));
      await workflows.claim(b, { step: 'confirm' });
      await workflows.record(b, { step: 'ship' }, failed('no truck'));
      const confirmed = await workflows.record(b, { step: 'confirm' }, ok('mailed'));
      expect(confirmed).toEqual({ recorded: true, status: 'running', dispatch: [], cancel: [] });
      expect(await statesOf(workflows, b)).toMatchObject({
        ship: 'failed',
        confirm: 'completed',
        fulfil: 'cancelled',
        reject: 'ready',
      });
      expect((await workflows.record(b, { step: 'reject' }, ok('undone'))).status).toBe(
        'compensated',
      );
      // Timed out: the late result is kept; a retry runs only what did not complete.
      const timed = orderPlan('fail');
      const c = newWorkflowId();
      const now = await ctx.now(transport);
      await workflows.start({ id: c, plan: timed.plan, input: null, deadline: now + ctx.ms(5) });
      await workflows.record(c, { step: 'reserve' }, ok(1));
      await workflows.claim(c, { step: 'ship' });
      await ctx.advance(10);
      expect((await recordOf(workflows, c)).status).toBe('failed');
      const job = workflowJobId(timed.queue, c, 'ship');
      const lateShip = await workflows.record(c, { step: 'ship', job }, ok('shipped'));
      expect(lateShip).toMatchObject({ recorded: true, status: 'failed', dispatch: [] });
      const retried = await workflows.retry(c);
      expect(retried.dispatch.map((entry) => entry.jobId)).toEqual([
        workflowJobId(timed.queue, c, 'confirm', undefined, 1),
      ]);
      expect(await workflows.claim(c, { step: 'ship' })).toBe('done');
      const next = await workflows.record(c, { step: 'confirm' }, ok('mailed'));
      expect(stepsOf(next.dispatch)).toEqual(['fulfil']);
      expect(await workflows.results(c, 'ship')).toEqual(['shipped']);
    });

    it('[W17] not stored after the end: a step that never had a job, a map step’s own result, a child of a map step skipped before the end', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan('fail');
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'reserve' }, failed('out of stock'));
      // `fulfil` was pending: no job of it ran.
      expect((await workflows.record(id, { step: 'fulfil' }, ok('x'))).recorded).toBe(false);
      expect((await statesOf(workflows, id)).fulfil).toBe('cancelled');
      const queue = uniqueQueue('wf-late');
      const soft = planOf([
        stepStage(planStep('split', queue)),
        mapStage(planStep('each', queue, 'continue')),
        stepStage(planStep('join', queue)),
      ]);
      const other = newWorkflowId();
      await workflows.start({ id: other, plan: soft, input: null });
      await workflows.record(other, { step: 'split' }, ok(null));
      await workflows.claim(other, { step: 'each' });
      await workflows.expand(other, 'each', ['a', 'b'], 10);
      // Another count: the map step fails, is skipped ('continue'), its children cancelled.
      await workflows.expand(other, 'each', ['a'], 10);
      const ended = await workflows.record(other, { step: 'join' }, failed('join broke'));
      expect(ended.status).toBe('failed');
      const late = await workflows.recordMany(other, [
        { address: { step: 'each', child: 0 }, outcome: ok('A') },
        { address: { step: 'each' }, outcome: ok(['A']) },
      ]);
      expect(late.recorded).toEqual([false, false]);
      expect(await statesOf(workflows, other)).toMatchObject({
        each: 'skipped',
        'each#0': 'cancelled',
        'each#1': 'cancelled',
      });
      expect(await workflows.results(other, 'each')).toEqual([undefined, undefined]);
    });
  });
}
