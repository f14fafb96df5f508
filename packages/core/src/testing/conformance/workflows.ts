import { describe, expect, it } from 'vitest';
import { newWorkflowId, workflowJobId } from '../../ids.js';
import { useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import { workflowBatchRules } from './workflow-batch.js';
import { workflowDeadlineRules } from './workflow-deadline.js';
import {
  dispatchOf,
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
import { workflowLateRules } from './workflow-late.js';
import { workflowListingRules } from './workflow-listing.js';
import { workflowMapRules } from './workflow-maps.js';
import { workflowResultRules } from './workflow-results.js';
import { workflowStoreRules } from './workflow-store.js';

/** W1–W6: `transport.workflows`, the record and its atomic hand-offs; W7–W17 follow. */
export function workflowRules(harness: ConformanceHarness): void {
  describe('workflows', () => {
    const ctx = useSuiteContext(harness);

    it('[W1] start stores the record and puts the first stage in the outbox; a second start with its key or id answers it', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = orderPlan();
      const id = newWorkflowId();
      const started = await workflows.start({
        id,
        plan,
        input: { order: 1 },
        idempotencyKey: 'k1',
      });
      const jobId = workflowJobId(queue, id, 'reserve');
      expect(started).toEqual({
        id,
        duplicate: false,
        dispatch: [
          {
            step: 'reserve',
            kind: 'run',
            jobId,
            task: 'conformance.reserve',
            queue,
            maxAttempts: 3,
            priority: 5,
            at: expect.any(Number),
          },
        ],
      });
      expect(await workflows.outbox(id)).toEqual(started.dispatch);
      const record = await recordOf(workflows, id);
      expect(record).toMatchObject({ id, plan, input: { order: 1 }, status: 'running', stage: 0 });
      expect(record.steps).toEqual([
        { step: 'reserve', state: 'ready', retries: 0, jobId },
        { step: 'ship', state: 'pending', retries: 0 },
        { step: 'confirm', state: 'pending', retries: 0 },
        { step: 'fulfil', state: 'pending', retries: 0 },
        { step: 'reject', state: 'pending', retries: 0 },
      ]);
      // The same key, or the same id: the first workflow, nothing new.
      const again = await workflows.start({
        id: newWorkflowId(),
        plan,
        input: 2,
        idempotencyKey: 'k1',
      });
      expect(again).toEqual({ id, duplicate: true, dispatch: [] });
      // The same id is the same start sent again (its reply lost with the connection): not a
      // duplicate, and what it put in the outbox is still to dispatch.
      expect(await workflows.start({ id, plan, input: 3 })).toEqual({
        id,
        duplicate: false,
        dispatch: started.dispatch,
      });
      expect((await recordOf(workflows, id)).input).toEqual({ order: 1 });
      expect(await workflows.get(newWorkflowId())).toBeNull();
      // The job ids are not those of the queue's other jobs.
      expect(await transport.getJob(jobId)).toBeNull();
    });

    it('[W1] an idempotency key is scoped by workflow: another workflow starts a run of its own; a duplicate by key answers the first run and its input fingerprint', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const other = { ...plan, workflow: 'conformance.other' };
      const key = uniqueQueue('order');
      const start = (p: typeof plan, inputFingerprint?: string, id = newWorkflowId()) =>
        workflows.start({
          id,
          plan: p,
          input: { p: p.workflow },
          idempotencyKey: key,
          ...(inputFingerprint === undefined ? {} : { inputFingerprint }),
        });
      const first = await start(plan, 'fp-flow');
      const second = await start(other, 'fp-other');
      expect(first.duplicate).toBe(false);
      expect(second).toMatchObject({ duplicate: false, dispatch: [{ step: 'reserve' }] });
      expect(second.id).not.toBe(first.id);
      expect((await recordOf(workflows, second.id)).plan.workflow).toBe('conformance.other');
      // Each workflow's key answers its own run, with the fingerprint it was started with.
      expect(await start(plan, 'fp-new')).toEqual({
        id: first.id,
        duplicate: true,
        dispatch: [],
        inputFingerprint: 'fp-flow',
      });
      expect(await start(other)).toEqual({
        id: second.id,
        duplicate: true,
        dispatch: [],
        inputFingerprint: 'fp-other',
      });
      // A run started without a fingerprint answers none; a start sent again answers none.
      const bare = { ...plan, workflow: 'conformance.bare' };
      const unmarked = await start(bare);
      expect(await start(bare, 'fp-late')).toEqual({
        id: unmarked.id,
        duplicate: true,
        dispatch: [],
      });
      const resent = await workflows.start({ id: first.id, plan, input: null });
      expect(resent).toMatchObject({ id: first.id, duplicate: false });
      expect(resent.inputFingerprint).toBeUndefined();
    });

    it('[W2] claim: ready → claimed (again while running), done after its outcome, ended when not started or the workflow ended, unknown without workflow or step', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      expect(await workflows.claim(id, { step: 'ship' })).toBe('ended');
      expect(await workflows.claim(id, { step: 'reserve' })).toBe('claimed');
      expect((await statesOf(workflows, id)).reserve).toBe('running');
      // A redelivery of the job while the step runs (its worker stopped) runs it again.
      expect(await workflows.claim(id, { step: 'reserve' })).toBe('claimed');
      await workflows.record(id, { step: 'reserve' }, ok({ reserved: true }));
      expect(await workflows.claim(id, { step: 'reserve' })).toBe('done');
      expect(await workflows.claim(id, { step: 'nope' })).toBe('unknown');
      expect(await workflows.claim(newWorkflowId(), { step: 'reserve' })).toBe('unknown');
      await workflows.cancel(id);
      expect(await workflows.claim(id, { step: 'ship' })).toBe('ended');
      expect(await workflows.claim(id, { step: 'reserve' })).toBe('done');
    });

    it("[W2, W3] an earlier try's job neither claims (ended) nor records once its step (or map child) was retried; the new try's job does", async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-tries');
      const plan = planOf([
        stepStage(planStep('charge', queue)),
        mapStage(planStep('each', queue)),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const first = workflowJobId(queue, id, 'charge');
      expect(await workflows.claim(id, { step: 'charge' })).toBe('claimed');
      // The step fails, and with it the workflow, which is retried.
      await workflows.record(id, { step: 'charge', job: first }, failed('declined'));
      expect((await workflows.retry(id)).retried).toBe(true);
      const second = workflowJobId(queue, id, 'charge', undefined, 1);
      // The first try's job, redelivered or enqueued late, claims: it is not to run.
      expect(await workflows.claim(id, { step: 'charge', job: first })).toBe('ended');
      expect(await workflows.claimMany(id, [{ step: 'charge', job: first }])).toEqual(['ended']);
      // The first try's job, still running when the workflow failed, ends late: no change.
      expect(await workflows.record(id, { step: 'charge', job: first }, ok('stale'))).toMatchObject(
        { recorded: false, status: 'running' },
      );
      const many = await workflows.recordMany(id, [
        { address: { step: 'charge', job: first }, outcome: ok('stale') },
      ]);
      expect(many.recorded).toEqual([false]);
      expect((await recordOf(workflows, id)).steps[0]).toMatchObject({
        state: 'ready',
        retries: 1,
        jobId: second,
      });
      expect(await workflows.results(id, 'charge')).toEqual([undefined]);
      // The retry's own job claims and records.
      expect(await workflows.claim(id, { step: 'charge', job: second })).toBe('claimed');
      const fresh = await workflows.record(id, { step: 'charge', job: second }, ok('fresh'));
      expect(fresh.recorded).toBe(true);
      expect(await workflows.results(id, 'charge')).toEqual(['fresh']);
      // A map child retried: its earlier job's result is refused, on the children's own path
      // (results only, of one map) as one by one.
      await workflows.expand(id, 'each', [0, 1], 10);
      const child0 = workflowJobId(queue, id, 'each', 0);
      await workflows.record(id, { step: 'each', child: 0, job: child0 }, failed('child 0'));
      expect((await workflows.retry(id)).retried).toBe(true);
      expect(await workflows.claim(id, { step: 'each' })).toBe('claimed');
      await workflows.expand(id, 'each', [0, 1], 10);
      expect(await workflows.claim(id, { step: 'each', child: 0, job: child0 })).toBe('ended');
      const stale = await workflows.recordMany(id, [
        { address: { step: 'each', child: 0, job: child0 }, outcome: ok('stale') },
        { address: { step: 'each', child: 1 }, outcome: ok(1) },
      ]);
      expect(stale.recorded).toEqual([false, true]);
      const current = workflowJobId(queue, id, 'each', 0, 1);
      const done = await workflows.recordMany(id, [
        { address: { step: 'each', child: 0, job: current }, outcome: ok(0) },
      ]);
      expect(done.recorded).toEqual([true]);
      expect(done.status).toBe('completed');
      expect(await workflows.results(id, 'each')).toEqual([0, 1]);
    });

    it('[W3] record stores an outcome once and moves the stage; a fan-in becomes ready exactly once under concurrent and repeated outcomes', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-fanin');
      const members = Array.from({ length: 8 }, (_, n) => planStep(`m${n}`, queue));
      const plan = planOf([
        stepStage(planStep('first', queue)),
        groupStage(...members),
        stepStage(planStep('join', queue)),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const first = await workflows.record(id, { step: 'first' }, ok(1));
      expect(first).toMatchObject({ recorded: true, status: 'running', cancel: [] });
      expect(stepsOf(first.dispatch)).toEqual(members.map((m) => m.name));
      // The same outcome again (a redelivery), or another one: nothing changes.
      expect(await workflows.record(id, { step: 'first' }, ok(2))).toEqual({
        recorded: false,
        status: 'running',
        dispatch: [],
        cancel: [],
      });
      expect(await workflows.results(id, 'first')).toEqual([1]);
      // Every member's outcome three times, all at once.
      const calls = members.flatMap((m, n) =>
        [0, 1, 2].map(() => workflows.record(id, { step: m.name }, ok({ n }))),
      );
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.recorded)).toHaveLength(members.length);
      const joins = dispatchOf(results);
      expect(stepsOf(joins)).toEqual(['join']);
      expect(joins[0]?.jobId).toBe(workflowJobId(queue, id, 'join'));
      for (const [n, m] of members.entries()) {
        expect(await workflows.results(id, m.name)).toEqual([{ n }]);
      }
      const last = await workflows.record(id, { step: 'join' }, ok('joined'));
      expect(last).toMatchObject({ recorded: true, status: 'completed', dispatch: [] });
      const record = await recordOf(workflows, id);
      expect(record).toMatchObject({ status: 'completed', stage: 3 });
      expect(record.finishedAt).toEqual(expect.any(Number));
      expect(record.steps.every((s) => s.state === 'completed')).toBe(true);
      expect(await workflows.outbox(id)).toEqual([]);
      expect((await workflows.record(id, { step: 'nope' }, ok(1))).status).toBe('unknown');
    });

    it("[W4] onFailure 'fail': the workflow fails, open steps are cancelled and their jobs listed, later failures change nothing", async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = orderPlan('fail');
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      await workflows.record(id, { step: 'reserve' }, ok(1));
      await workflows.claim(id, { step: 'ship' });
      const error = { name: 'ConformanceError', message: 'warehouse down', code: 'E_SHIP' };
      const result = await workflows.record(id, { step: 'ship' }, { ok: false, error });
      expect(result).toEqual({
        recorded: true,
        status: 'failed',
        dispatch: [],
        cancel: [workflowJobId(queue, id, 'confirm')],
      });
      expect(await statesOf(workflows, id)).toEqual({
        reserve: 'completed',
        ship: 'failed',
        confirm: 'cancelled',
        fulfil: 'cancelled',
        reject: 'pending',
      });
      const record = await recordOf(workflows, id);
      expect(record.failure).toEqual({ step: 'ship', error });
      expect(record.finishedAt).toEqual(expect.any(Number));
      expect(await workflows.outbox(id)).toEqual([]);
      // A late failure; a late completion is stored and moves nothing (W17).
      expect((await workflows.record(id, { step: 'confirm' }, failed('late'))).recorded).toBe(
        false,
      );
      expect(await workflows.results(id, 'confirm')).toEqual([undefined]);
      expect((await statesOf(workflows, id)).confirm).toBe('cancelled');
    });

    it("[W5] onFailure 'continue': the step is skipped, counts as done, and has no result", async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const queue = uniqueQueue('wf-continue');
      const plan = planOf([
        groupStage(planStep('a', queue, 'continue'), planStep('b', queue)),
        stepStage(planStep('last', queue, 'continue')),
      ]);
      const id = newWorkflowId();
      await workflows.start({ id, plan, input: null });
      const skipped = await workflows.record(id, { step: 'a' }, failed('optional'));
      expect(skipped).toMatchObject({
        recorded: true,
        status: 'running',
        dispatch: [],
        cancel: [],
      });
      const next = await workflows.record(id, { step: 'b' }, ok('b'));
      expect(stepsOf(next.dispatch)).toEqual(['last']);
      expect(await workflows.results(id, 'a')).toEqual([undefined]);
      const done = await workflows.record(id, { step: 'last' }, failed('optional too'));
      expect(done.status).toBe('completed');
      const record = await recordOf(workflows, id);
      expect(record.steps.map((s) => s.state)).toEqual(['skipped', 'completed', 'skipped']);
      expect(record.steps[0]?.error?.message).toBe('optional');
      expect(record.failure).toBeUndefined();
    });

    it('[W6] onFailure { compensate }: the compensation becomes ready, the rest is cancelled; the workflow ends compensated, or failed when the compensation fails', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      for (const compensation of [ok('rejected'), failed('mail down')]) {
        const { queue, plan } = orderPlan();
        const id = newWorkflowId();
        await workflows.start({ id, plan, input: null });
        const out = failed('out of stock', 'E_STOCK');
        const result = await workflows.record(id, { step: 'reserve' }, out);
        expect(result).toMatchObject({ recorded: true, status: 'running', cancel: [] });
        expect(result.dispatch).toEqual([expect.objectContaining({ step: 'reject', kind: 'run' })]);
        expect(result.dispatch[0]?.jobId).toBe(workflowJobId(queue, id, 'reject'));
        expect((await recordOf(workflows, id)).failure).toMatchObject({ step: 'reserve' });
        expect(await statesOf(workflows, id)).toEqual({
          reserve: 'failed',
          ship: 'cancelled',
          confirm: 'cancelled',
          fulfil: 'cancelled',
          reject: 'ready',
        });
        expect(await workflows.claim(id, { step: 'reject' })).toBe('claimed');
        const end = await workflows.record(id, { step: 'reject' }, compensation);
        const status = compensation.ok ? 'compensated' : 'failed';
        expect(end).toEqual({ recorded: true, status, dispatch: [], cancel: [] });
        expect((await recordOf(workflows, id)).finishedAt).toEqual(expect.any(Number));
      }
    });
  });

  workflowMapRules(harness);
  workflowStoreRules(harness);
  workflowDeadlineRules(harness);
  workflowListingRules(harness);
  workflowBatchRules(harness);
  workflowLateRules(harness);
  workflowResultRules(harness);
}
