import { describe, expect, it } from 'vitest';
import { newWorkflowId } from '../../ids.js';
import type { EndedWorkflowStatus, IdleWorkflow } from '../../transport-workflows.js';
import { useSuiteContext } from './context.js';
import type { ConformanceHarness } from './harness.js';
import { failed, orderPlan, recordOf, workflowsOf } from './workflow-fixtures.js';

/**
 * W15a: running workflows listed in the order they began to run, a page at a time; W15b:
 * ended ones by status, the most recently ended first.
 */
export function workflowListingRules(harness: ConformanceHarness): void {
  describe('workflows: the running list', () => {
    const ctx = useSuiteContext(harness);

    it('[W15a] running lists running workflows in the order they began, a change moving none; an ended one leaves, a retried one comes back at its retry', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan('fail');
      const first = newWorkflowId();
      const second = newWorkflowId();
      await workflows.start({ id: first, plan, input: null });
      await ctx.advance(2);
      await workflows.start({ id: second, plan, input: null });
      // Other tests' workflows may be running too: look at these two only.
      const mine = async () =>
        (await workflows.running(1_000)).filter(({ id }) => id === first || id === second);
      expect(await mine()).toEqual([
        { id: first, at: (await recordOf(workflows, first)).createdAt },
        { id: second, at: (await recordOf(workflows, second)).createdAt },
      ]);
      // A change (a claim, an outcome) moves none: the order is by start, not by change.
      await ctx.advance(2);
      expect(await workflows.claim(first, { step: 'reserve' })).toBe('claimed');
      await workflows.record(second, { step: 'reserve' }, { ok: true, result: 1 });
      expect((await mine()).map(({ id }) => id)).toEqual([first, second]);
      // The first fails: it is not running any more.
      await workflows.record(first, { step: 'reserve' }, failed('out of stock'));
      expect((await recordOf(workflows, first)).status).toBe('failed');
      expect((await mine()).map(({ id }) => id)).toEqual([second]);
      // Retried, it runs again, and began to run at its retry: after the second.
      await ctx.advance(2);
      expect((await workflows.retry(first)).retried).toBe(true);
      const listed = await mine();
      expect(listed.map(({ id }) => id)).toEqual([second, first]);
      expect(listed[1]?.at).toBeGreaterThan(listed[0]?.at as number);
      expect(listed[1]?.at).toBeLessThanOrEqual((await recordOf(workflows, first)).updatedAt);
      await workflows.cancel(second);
      expect((await mine()).map(({ id }) => id)).toEqual([first]);
    });

    it('[W15a] running goes on after a cursor: pages of `limit` walk through every running workflow once, in order', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) {
        const id = newWorkflowId();
        await workflows.start({ id, plan, input: null });
        ids.push(id);
        await ctx.advance(2);
      }
      const mine = (found: IdleWorkflow[]) => found.filter((entry) => ids.includes(entry.id));
      const full = await workflows.running(1_000);
      expect(mine(full).map((entry) => entry.id)).toEqual(ids);
      // Pages of 2 (other tests' workflows may be among them): each workflow once, in order.
      const walked: IdleWorkflow[] = [];
      let after: IdleWorkflow | undefined;
      for (;;) {
        const page = await workflows.running(2, after);
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        walked.push(...page);
        after = page[page.length - 1];
      }
      expect(mine(walked)).toEqual(mine(full));
      const third = mine(full)[2] as IdleWorkflow;
      expect(mine(await workflows.running(1_000, third)).map((entry) => entry.id)).toEqual(
        ids.slice(3),
      );
      // Ended ones are left out of every page, and the pages still reach the rest.
      await workflows.cancel(ids[0] as string);
      await workflows.cancel(ids[1] as string);
      const firstPage = mine(await workflows.running(2));
      expect(firstPage.map((entry) => entry.id)).not.toContain(ids[0]);
      expect(firstPage.map((entry) => entry.id)).not.toContain(ids[1]);
    });

    it('[W15a] running refuses a limit out of range and a cursor that is not an entry of its answer', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const code = async (call: () => Promise<unknown>) =>
        call().then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        );
      expect(await code(() => workflows.running(0))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.running(Number.NaN))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.running(1, { at: Number.NaN, id: newWorkflowId() }))).toBe(
        'INVALID_OPTION',
      );
      expect(await code(() => workflows.running(1, { at: 1, id: 'not an id' }))).toBe(
        'INVALID_OPTION',
      );
    });
  });

  describe('workflows: the ended lists', () => {
    const ctx = useSuiteContext(harness);

    it('[W15b] ended lists each status newest first with its finishedAt; a retried run leaves the failed list and comes back when it fails again', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan('fail');
      const [a, b, c, d] = [newWorkflowId(), newWorkflowId(), newWorkflowId(), newWorkflowId()];
      for (const id of [a, b, c, d]) await workflows.start({ id, plan, input: null });
      const mine = async (status: EndedWorkflowStatus) =>
        (await workflows.ended(status, 1_000)).filter(({ id }) => [a, b, c, d].includes(id));
      expect(await mine('failed')).toEqual([]);
      await workflows.record(a, { step: 'reserve' }, failed('out of stock'));
      await ctx.advance(2);
      await workflows.record(b, { step: 'reserve' }, failed('card declined'));
      await ctx.advance(2);
      await workflows.cancel(c);
      const finishedAt = async (id: string) => (await recordOf(workflows, id)).finishedAt;
      // Newest first: b failed after a.
      expect(await mine('failed')).toEqual([
        { id: b, at: await finishedAt(b) },
        { id: a, at: await finishedAt(a) },
      ]);
      expect(await mine('cancelled')).toEqual([{ id: c, at: await finishedAt(c) }]);
      expect(await mine('completed')).toEqual([]);
      expect(await mine('compensated')).toEqual([]);
      // The running one is in none of them.
      for (const status of ['failed', 'cancelled', 'completed', 'compensated'] as const) {
        expect((await mine(status)).map(({ id }) => id)).not.toContain(d);
      }
      // Retried, a runs again: it leaves the failed list.
      await ctx.advance(2);
      expect((await workflows.retry(a)).retried).toBe(true);
      expect((await mine('failed')).map(({ id }) => id)).toEqual([b]);
      // It fails again later: back on the list, now the newest, at its new finishedAt.
      await ctx.advance(2);
      await workflows.record(a, { step: 'reserve' }, failed('still out'));
      expect((await recordOf(workflows, a)).status).toBe('failed');
      const listed = await mine('failed');
      expect(listed).toEqual([
        { id: a, at: await finishedAt(a) },
        { id: b, at: await finishedAt(b) },
      ]);
    });

    it('[W15b] ended goes on after a cursor: pages of `limit` walk through every ended workflow once, newest first', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const { plan } = orderPlan();
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) {
        const id = newWorkflowId();
        await workflows.start({ id, plan, input: null });
        await workflows.cancel(id);
        ids.push(id);
        await ctx.advance(2);
      }
      const newestFirst = [...ids].reverse();
      const mine = (found: IdleWorkflow[]) => found.filter((entry) => ids.includes(entry.id));
      const full = await workflows.ended('cancelled', 1_000);
      expect(mine(full).map((entry) => entry.id)).toEqual(newestFirst);
      const walked: IdleWorkflow[] = [];
      let after: IdleWorkflow | undefined;
      for (;;) {
        const page = await workflows.ended('cancelled', 2, after);
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        walked.push(...page);
        after = page[page.length - 1];
      }
      expect(mine(walked)).toEqual(mine(full));
      const second = mine(full)[1] as IdleWorkflow;
      expect(mine(await workflows.ended('cancelled', 1_000, second)).map((e) => e.id)).toEqual(
        newestFirst.slice(2),
      );
    });

    it('[W15b] ended refuses a status that is not an ended one, a limit out of range and a cursor that is not an entry of its answer', async ({
      skip,
    }) => {
      const { workflows } = await workflowsOf(ctx, skip);
      const code = async (call: () => Promise<unknown>) =>
        call().then(
          () => 'resolved',
          (error: { code?: string }) => error.code,
        );
      expect(await code(() => workflows.ended('running' as never, 10))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.ended('dead' as never, 10))).toBe('INVALID_OPTION');
      expect(await code(() => workflows.ended('failed', 0))).toBe('INVALID_OPTION');
      expect(
        await code(() => workflows.ended('failed', 1, { at: Number.NaN, id: newWorkflowId() })),
      ).toBe('INVALID_OPTION');
      expect(await code(() => workflows.ended('failed', 1, { at: 1, id: 'not an id' }))).toBe(
        'INVALID_OPTION',
      );
    });
  });
}
