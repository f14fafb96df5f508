import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../../ids.js';
import type { TransportWith } from '../../transport-capabilities.js';
import { applyWorkflowEffects } from '../../workflow/dispatch.js';
import { useSuiteContext } from './context.js';
import type { ConformanceHarness } from './harness.js';
import { failed, orderPlan, recordOf, statesOf, workflowsOf } from './workflow-fixtures.js';

/** W14: a workflow's deadline, and the step its time-out names. */
export function workflowDeadlineRules(harness: ConformanceHarness): void {
  describe('workflows: deadlines', () => {
    const ctx = useSuiteContext(harness);

    it('[W14] a running workflow past its deadline fails with WORKFLOW_TIMED_OUT', async ({
      skip,
    }) => {
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const id = newWorkflowId();
      const untimed = newWorkflowId();
      const now = await ctx.now(transport);
      await workflows.start({ id, plan, input: null, deadline: now + ctx.ms(5) });
      await workflows.start({ id: untimed, plan, input: null });
      await workflows.claim(id, { step: 'reserve' });
      await ctx.advance(10);
      // A late failure; a late completion is stored and moves nothing (W17).
      const late = await workflows.record(id, { step: 'reserve' }, failed('late'));
      expect(late).toMatchObject({ recorded: false, status: 'failed', dispatch: [] });
      const record = await recordOf(workflows, id);
      expect(record.failure?.error.code).toBe('WORKFLOW_TIMED_OUT');
      expect(record.failure?.step).toBe('reserve');
      expect((await statesOf(workflows, id)).reserve).toBe('cancelled');
      expect((await recordOf(workflows, untimed)).status).toBe('running');
    });

    it("[W14] a deadline cancels the open steps' jobs, whichever call finds it passed: a running one is signalled, a waiting one cancelled", async ({
      skip,
    }) => {
      // A read found the deadline passed and the record said "cancelled", but nothing
      // cancelled the jobs: the steps ran on, and ran again after a retry.
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { queue, plan } = orderPlan();
      const now = await ctx.now(transport);
      // Started with its first step's job enqueued, as a client starts one.
      const startWithJob = async (id: string) => {
        const started = await workflows.start({ id, plan, input: null, deadline: now + ctx.ms(5) });
        await applyWorkflowEffects(transport as TransportWith<'workflows'>, id, started);
        return started.dispatch[0]?.jobId as string;
      };
      const running = newWorkflowId();
      const waiting = newWorkflowId();
      await startWithJob(running);
      const job = await ctx.reserveOne(transport, queue);
      expect(await workflows.claim(running, { step: 'reserve' })).toBe('claimed');
      const waitingJob = await startWithJob(waiting);
      await ctx.advance(10);
      expect((await recordOf(workflows, running)).status).toBe('failed');
      expect((await recordOf(workflows, waiting)).status).toBe('failed');
      expect(await ctx.record(transport, job.envelope.id)).toMatchObject({
        state: 'active',
        cancelRequested: true,
      });
      expect((await ctx.record(transport, waitingJob)).state).toBe('cancelled');
    });

    it('[W14] a time-out while a compensation runs names the compensation', async ({ skip }) => {
      // Stage 0's first step was named, failed long before, as if it had timed out.
      const { transport, workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const id = newWorkflowId();
      const now = await ctx.now(transport);
      await workflows.start({ id, plan, input: null, deadline: now + ctx.ms(5) });
      await workflows.claim(id, { step: 'reserve' });
      await workflows.record(id, { step: 'reserve' }, failed('no stock'));
      expect(await workflows.claim(id, { step: 'reject' })).toBe('claimed');
      await ctx.advance(10);
      const record = await recordOf(workflows, id);
      expect(record.status).toBe('failed');
      expect(record.failure).toMatchObject({
        step: 'reject',
        error: { code: 'WORKFLOW_TIMED_OUT' },
      });
      expect((await statesOf(workflows, id)).reject).toBe('cancelled');
    });
  });
}
