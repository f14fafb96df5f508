import { describe, expect, it } from 'vitest';
import { newWorkflowId, workflowJobId } from '../../ids.js';
import type { IdleWorkflow } from '../../transport-workflows.js';
import { useSuiteContext } from './context.js';
import type { ConformanceHarness } from './harness.js';
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

/** W8, W9 and W11–W15: the outbox, reads, cancel, retry, checks, deadlines and idle workflows. */
export function workflowStoreRules(harness: ConformanceHarness): void {
  describe('workflows: outbox, cancel, retry', () => {
    const ctx = useSuiteContext(harness);

    it('[W8] dispatched clears outbox entries by job id; stale lists workflows with entries written before a time, oldest first, up to a limit', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const first = newWorkflowId();
      const second = newWorkflowId();
      const a = await workflows.start({ id: first, plan, input: null });
      await ctx.advance(2);
      await workflows.start({ id: second, plan, input: null });
      const at = (a.dispatch[0]?.at ?? 0) + 1;
      // Other tests' workflows may be stale too: look at these two only.
      const mine = (ids: string[]) => ids.filter((id) => id === first || id === second);
      expect(mine(await workflows.stale(at, 1_000))).toEqual([first]);
      await ctx.advance(2);
      const later = (await workflows.outbox(second))[0]?.at ?? 0;
      expect(mine(await workflows.stale(later + 1, 1_000))).toEqual([first, second]);
      const next = await workflows.record(first, { step: 'reserve' }, ok(1));
      // The record's entries join the outbox; dispatching them clears only them.
      expect(stepsOf(await workflows.outbox(first))).toEqual(['reserve', 'ship', 'confirm']);
      await workflows.dispatched(
        first,
        next.dispatch.map((e) => e.jobId),
      );
      expect(stepsOf(await workflows.outbox(first))).toEqual(['reserve']);
      await workflows.dispatched(first, [a.dispatch[0]?.jobId as string, 'unknown:job']);
      expect(await workflows.outbox(first)).toEqual([]);
      expect(mine(await workflows.stale(later + 1, 1_000))).toEqual([second]);
      expect(await workflows.outbox(newWorkflowId())).toEqual([]);
    });

    it('[W9] get answers null for a workflow never started; a running one is kept however long it runs, with the input schema fingerprint it was started with', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      expect(await workflows.get(newWorkflowId())).toBeNull();
      const { plan } = orderPlan();
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: { big: 'x'.repeat(1000) } });
      await ctx.advance(20);
      const record = await recordOf(workflows, id);
      expect(record.status).toBe('running');
      expect(record.inputSchema).toBeUndefined();
      const stamped = newWorkflowId();
      await workflows.start({ id: stamped, plan, input: null, inputSchema: '6ba1551174c8a6b7' });
      expect((await recordOf(workflows, stamped)).inputSchema).toBe('6ba1551174c8a6b7');
      const children = await workflows.get(stamped, { children: false });
      expect(children?.inputSchema).toBe('6ba1551174c8a6b7');
    });

    it('[W11] cancel ends a running workflow: open steps cancelled, jobs of ready and running ones listed; nothing starts or moves after it', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = orderPlan();
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'reserve' }, ok(1));
      await workflows.claim(id, { step: 'ship' });
      const cancelled = await workflows.cancel(id);
      expect(cancelled.cancelled).toBe(true);
      expect([...cancelled.cancel].sort()).toEqual(
        [workflowJobId(queue, id, 'ship'), workflowJobId(queue, id, 'confirm')].sort(),
      );
      expect(await statesOf(workflows, id)).toEqual({
        reserve: 'completed',
        ship: 'cancelled',
        confirm: 'cancelled',
        fulfil: 'cancelled',
        reject: 'pending',
      });
      const record = await recordOf(workflows, id);
      expect(record.status).toBe('cancelled');
      expect(record.finishedAt).toEqual(expect.any(Number));
      expect(await workflows.outbox(id)).toEqual([]);
      expect(await workflows.claim(id, { step: 'confirm' })).toBe('ended');
      // A late failure; a late completion is stored and moves nothing (W17).
      expect(await workflows.record(id, { step: 'ship' }, failed('late'))).toMatchObject({
        recorded: false,
        status: 'cancelled',
        dispatch: [],
      });
      expect(await workflows.cancel(id)).toEqual({ cancelled: false, cancel: [] });
      expect(await workflows.cancel(newWorkflowId())).toEqual({ cancelled: false, cancel: [] });
    });

    it('[W12] retry runs a failed workflow again from its failed step with new job ids; completed steps keep their results and are not dispatched', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = `wf-retry-${newWorkflowId().slice(3, 11)}`.replace(/_/g, '-');
      const plan = planOf([
        stepStage(planStep('first', queue)),
        groupStage(planStep('ok', queue), planStep('flaky', queue), planStep('slow', queue)),
        mapStage(planStep('each', queue)),
        stepStage(planStep('last', queue)),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'first' }, ok('first'));
      expect(await workflows.retry(id)).toEqual({ retried: false, dispatch: [] });
      await workflows.record(id, { step: 'ok' }, ok('fine'));
      await workflows.claim(id, { step: 'slow' });
      const failure = await workflows.record(id, { step: 'flaky' }, failed('flaked'));
      expect(failure.cancel).toEqual([workflowJobId(queue, id, 'slow')]);
      const retried = await workflows.retry(id);
      expect(retried.retried).toBe(true);
      expect(retried.dispatch.map((e) => e.jobId)).toEqual([
        workflowJobId(queue, id, 'flaky', undefined, 1),
        workflowJobId(queue, id, 'slow', undefined, 1),
      ]);
      expect(await workflows.outbox(id)).toEqual(retried.dispatch);
      const record = await recordOf(workflows, id);
      expect(record).toMatchObject({ status: 'running', stage: 1 });
      expect(record.failure).toBeUndefined();
      expect(record.finishedAt).toBeUndefined();
      expect(record.steps.slice(0, 4)).toEqual([
        { step: 'first', state: 'completed', retries: 0, jobId: workflowJobId(queue, id, 'first') },
        { step: 'ok', state: 'completed', retries: 0, jobId: workflowJobId(queue, id, 'ok') },
        { step: 'flaky', state: 'ready', retries: 1, jobId: retried.dispatch[0]?.jobId },
        { step: 'slow', state: 'ready', retries: 1, jobId: retried.dispatch[1]?.jobId },
      ]);
      expect(await workflows.results(id, 'ok')).toEqual(['fine']);
      expect(await workflows.claim(id, { step: 'ok' })).toBe('done');
      // It goes on from there; a map child that fails is retried alone, through a new expand
      // job that enqueues only the open children.
      await workflows.record(id, { step: 'flaky' }, ok('again'));
      const expand = await workflows.record(id, { step: 'slow' }, ok('slow'));
      expect(stepsOf(expand.dispatch)).toEqual(['each']);
      await workflows.expand(id, 'each', [0, 1, 2], 10);
      await workflows.record(id, { step: 'each', child: 0 }, ok(0));
      await workflows.record(id, { step: 'each', child: 2 }, failed('child 2'));
      const again = await workflows.retry(id);
      const expandJob = workflowJobId(queue, id, 'each', undefined, 1);
      expect(again.dispatch).toEqual([
        expect.objectContaining({ step: 'each', kind: 'expand', jobId: expandJob, children: 3 }),
      ]);
      expect(await workflows.claim(id, { step: 'each' })).toBe('claimed');
      const reexpanded = await workflows.expand(id, 'each', [0, 1, 2], 10);
      expect(reexpanded).toMatchObject({ recorded: false, dispatch: [] });
      expect(reexpanded.children?.open).toEqual([
        { child: 1, retries: 1 },
        { child: 2, retries: 1 },
      ]);
      const children = (await recordOf(workflows, id)).steps.filter((s) => s.step === 'each');
      expect(children.map(({ state, jobId }) => [state, jobId])).toEqual([
        ['running', expandJob],
        ['completed', workflowJobId(queue, id, 'each', 0)],
        ['ready', workflowJobId(queue, id, 'each', 1, 1)],
        ['ready', workflowJobId(queue, id, 'each', 2, 1)],
      ]);
      await workflows.dispatched(id, [reexpanded.children?.key as string]);
      await workflows.record(id, { step: 'each', child: 1 }, ok(1));
      const last = await workflows.record(id, { step: 'each', child: 2 }, ok(2));
      expect(stepsOf(last.dispatch)).toEqual(['last']);
      expect(await workflows.results(id, 'each')).toEqual([0, 1, 2]);
      expect((await workflows.record(id, { step: 'last' }, ok('done'))).status).toBe('completed');
      expect(await workflows.retry(id)).toEqual({ retried: false, dispatch: [] });
    });

    it('[W13] bad arguments reject with INVALID_OPTION (NOT_JSON, PAYLOAD_TOO_LARGE) and store nothing; calls after close reject with TRANSPORT_CLOSED', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = orderPlan();
      const id = newWorkflowId();
      const code = async (call: () => Promise<unknown>) =>
        call().then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        );
      const badPlans: unknown[] = [
        null,
        { ...plan, stages: [] },
        { ...plan, stages: [{ kind: 'loop', steps: plan.stages[0]?.steps }] },
        { ...plan, stages: [{ kind: 'step', steps: [] }] },
        planOf([stepStage(planStep('bad name', queue))]),
        planOf([stepStage(planStep('a', queue)), stepStage(planStep('a', queue))]),
        planOf([stepStage({ ...planStep('a', queue), queue: 'bad queue' })]),
        planOf([stepStage({ ...planStep('a', queue), priority: 10 })]),
        planOf([stepStage(planStep('a', queue, { compensate: 'missing' }))]),
      ];
      for (const bad of badPlans) {
        expect(
          await code(() => workflows.start({ id, plan: bad as typeof plan, input: null })),
        ).toBe('INVALID_OPTION');
      }
      expect(await code(() => workflows.start({ id: 'not-a-workflow', plan, input: null }))).toBe(
        'INVALID_OPTION',
      );
      for (const inputSchema of ['', 'has space', 7, 'x'.repeat(129)]) {
        expect(
          await code(() => workflows.start({ id, plan, input: null, inputSchema } as never)),
        ).toBe('INVALID_OPTION');
      }
      for (const inputFingerprint of ['', 'has space', 7, 'x'.repeat(65)]) {
        const start = { id, plan, input: null, idempotencyKey: 'k', inputFingerprint };
        expect(await code(() => workflows.start(start as never))).toBe('INVALID_OPTION');
      }
      expect(await code(() => workflows.start({ id, plan, input: () => 1 } as never))).toBe(
        'NOT_JSON',
      );
      const huge = 'x'.repeat(600 * 1024);
      expect(await code(() => workflows.start({ id, plan, input: huge }))).toBe(
        'PAYLOAD_TOO_LARGE',
      );
      expect(await workflows.get(id)).toBeNull();
      await workflows.start({ id, plan, input: null });
      expect(await code(() => workflows.claim(id, { step: 'reserve', child: -1 }))).toBe(
        'INVALID_OPTION',
      );
      expect(
        await code(() => workflows.record(id, { step: 'reserve' }, { ok: 'yes' } as never)),
      ).toBe('INVALID_OPTION');
      // No result is `{ ok: true }` (W10); a result JSON cannot carry is refused.
      expect(
        await code(() =>
          workflows.record(id, { step: 'reserve' }, { ok: true, result: 1n } as never),
        ),
      ).toBe('NOT_JSON');
      expect(await code(() => workflows.record(id, { step: 'reserve' }, ok(huge)))).toBe(
        'PAYLOAD_TOO_LARGE',
      );
      expect(
        await code(() =>
          workflows.record(id, { step: 'reserve' }, { ok: false, error: 'boom' } as never),
        ),
      ).toBe('INVALID_OPTION');
      expect(await code(() => workflows.expand(id, 'reserve', [1], 0))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.expand(id, 'reserve', [1], 100_001))).toBe(
        'INVALID_OPTION',
      );
      expect(await code(() => workflows.dispatched(id, [1] as never))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.stale(0, 0))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.idle(Number.NaN, 1))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.results(id, 'reserve', { from: -1, count: 1 }))).toBe(
        'INVALID_OPTION',
      );
      expect(await statesOf(workflows, id)).toMatchObject({ reserve: 'ready' });
      await transport.close();
      for (const call of [
        () => workflows.get(id),
        () => workflows.start({ id, plan, input: null }),
        () => workflows.cancel(id),
      ]) {
        expect(await code(call)).toBe('TRANSPORT_CLOSED');
      }
    });

    it('[W15] idle lists running workflows unchanged since a time, least recently changed first; a change or the end removes one', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const first = newWorkflowId();
      const second = newWorkflowId();
      await workflows.start({ id: first, plan, input: null });
      await ctx.advance(2);
      await workflows.start({ id: second, plan, input: null });
      const startedSecond = (await recordOf(workflows, second)).updatedAt;
      expect(startedSecond).toBeGreaterThan((await recordOf(workflows, first)).updatedAt);
      // Other tests' workflows may be idle too: look at these two only.
      const mine = (found: IdleWorkflow[]) =>
        found.map((entry) => entry.id).filter((id) => id === first || id === second);
      expect(mine(await workflows.idle(startedSecond, 1_000))).toEqual([first]);
      await ctx.advance(2);
      const after = await ctx.now(transport);
      expect(mine(await workflows.idle(after, 1_000))).toEqual([first, second]);
      // A claim is a change: the first is no longer idle since `after`.
      await ctx.advance(2);
      expect(await workflows.claim(first, { step: 'reserve' })).toBe('claimed');
      expect((await recordOf(workflows, first)).updatedAt).toBeGreaterThan(after);
      expect(mine(await workflows.idle(after, 1_000))).toEqual([second]);
      // A finished workflow is never idle.
      await workflows.cancel(second);
      await ctx.advance(2);
      expect(mine(await workflows.idle(await ctx.now(transport), 1_000))).toEqual([first]);
    });

    it('[W15] idle goes on after a cursor: pages of `limit` walk through every idle workflow once, in order', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) {
        const id = newWorkflowId();
        await workflows.start({ id, plan, input: null });
        ids.push(id);
        await ctx.advance(2);
      }
      const before = await ctx.now(transport);
      const full = await workflows.idle(before, 1_000);
      const mine = (found: IdleWorkflow[]) => found.filter((entry) => ids.includes(entry.id));
      expect(mine(full).map((entry) => entry.id)).toEqual(ids);
      for (const entry of mine(full)) {
        expect(entry.at).toBe((await recordOf(workflows, entry.id)).updatedAt);
      }
      // Pages of 2 (other tests' workflows may be among them): each workflow once, in order.
      const walked: IdleWorkflow[] = [];
      let after: IdleWorkflow | undefined;
      for (;;) {
        const page = await workflows.idle(before, 2, after);
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        walked.push(...page);
        after = page[page.length - 1];
      }
      expect(mine(walked)).toEqual(mine(full));
      const third = mine(full)[2] as IdleWorkflow;
      expect(mine(await workflows.idle(before, 1_000, third)).map((entry) => entry.id)).toEqual(
        ids.slice(3),
      );
    });
  });
}
