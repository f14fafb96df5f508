import { describe, expect, it } from 'vitest';
import { scheduleJobId } from '../../ids.js';
import type { ScheduleSpec, ScheduleState } from '../../transport-schedules.js';
import { capabilityOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import { firer, schedulesOf, slot, slotJob, specOf, stateOf } from './schedule-fixtures.js';

/** A cron spec (no `every`) of `queue`. */
function cronSpec(queue: string, id: string, cron = '0 7 * * *'): ScheduleSpec {
  const { every: _every, ...spec } = specOf(queue, id, { cron, tz: 'Europe/Berlin' });
  return spec;
}

/** The stored state, failing the test when there is none. */
function present(state: ScheduleState | undefined): ScheduleState {
  expect(state, 'stored schedule').toBeDefined();
  return state as ScheduleState;
}

/** S7–S14: the schedules a transport stores, and what `fire` checks against them. */
export function scheduleStoreRules(harness: ConformanceHarness): void {
  describe('schedules: the stored schedules', () => {
    const ctx = useSuiteContext(harness);

    it('[S7] upsert answers created (revision 1, no mark), unchanged for the same spec, changed (revision + 1) for another', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-upsert');
      const other = uniqueQueue('sched-upsert');
      const spec = cronSpec(queue, 'daily');
      const before = await ctx.now(transport);
      expect(await schedules.upsert([spec, specOf(other, 'daily')])).toEqual([
        'created',
        'created',
      ]);
      const after = await ctx.now(transport);
      const created = present(await stateOf(schedules, queue, 'daily'));
      expect(created).toEqual({
        spec,
        paused: false,
        revision: 1,
        updatedAt: expect.any(Number),
        mark: null,
      });
      expect(created.updatedAt).toBeGreaterThanOrEqual(before);
      expect(created.updatedAt).toBeLessThanOrEqual(after);
      await ctx.advance(1);
      // The same spec, its fields in another order: nothing moves.
      const reordered = Object.fromEntries(Object.entries(spec).reverse()) as ScheduleSpec;
      expect(await schedules.upsert([reordered])).toEqual(['unchanged']);
      expect(await stateOf(schedules, queue, 'daily')).toEqual(created);
      const newInput = { ...spec, input: { conformance: 'changed' } };
      const newCron = { ...newInput, cron: '0 8 * * *' };
      expect(await schedules.upsert([newInput, newCron])).toEqual(['changed', 'changed']);
      const changed = present(await stateOf(schedules, queue, 'daily'));
      expect(changed).toMatchObject({ spec: newCron, paused: false, revision: 3 });
      expect(changed.updatedAt).toBeGreaterThan(created.updatedAt);
      // Another queue's schedule of the same id is another schedule.
      expect(await stateOf(schedules, other, 'daily')).toMatchObject({ revision: 1, mark: null });
      expect(await schedules.upsert([{ ...newCron, source: 'code' }])).toEqual(['changed']);
    });

    it('[S8] a changed timing moves the mark to the time of the change, so no slot up to it fires; an unchanged spec moves nothing', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-change');
      await schedules.upsert([
        specOf(queue, 'tick'),
        specOf(queue, 'fresh'),
        specOf(queue, 'off', { enabled: false }),
      ]);
      const fire = firer(schedules, queue, 'tick');
      const first = await fire(slot(1));
      expect(first.fired).toBe(true);
      const marked = present(await stateOf(schedules, queue, 'tick')).mark;
      expect(marked).toMatchObject({ slotAt: slot(1), jobId: first.jobId, jobSlotAt: slot(1) });
      await ctx.advance(1);
      expect(await schedules.upsert([specOf(queue, 'tick')])).toEqual(['unchanged']);
      expect(present(await stateOf(schedules, queue, 'tick')).mark).toEqual(marked);
      const before = await ctx.now(transport);
      expect(await schedules.upsert([specOf(queue, 'tick', { every: 120_000 })])).toEqual([
        'changed',
      ]);
      const changed = present(await stateOf(schedules, queue, 'tick'));
      expect(changed.updatedAt).toBeGreaterThanOrEqual(before);
      expect(changed.mark).toEqual({ ...marked, slotAt: changed.updatedAt });
      // No slot at or before the change fires, at the new revision either.
      expect((await fire(changed.updatedAt, slotJob(queue), 2)).reason).toBe('claimed-before');
      expect((await fire(slot(2), slotJob(queue), 2)).reason).toBe('claimed-before');
      await ctx.advance(1);
      expect((await fire(changed.updatedAt + 1, slotJob(queue), 2)).fired).toBe(true);
      // A schedule that never fired gets a mark at the change, with no job; so does one
      // enabled again: its disabled time's slots are not missed, as after a resume [S11].
      const cron = specOf(queue, 'fresh', { cron: '0 7 * * *', tz: 'Europe/Berlin' });
      const { every: _every, ...fresh } = cron;
      expect(
        await schedules.upsert([fresh, specOf(queue, 'off', { enabled: true, input: 'on' })]),
      ).toEqual(['changed', 'changed']);
      for (const id of ['fresh', 'off']) {
        const state = present(await stateOf(schedules, queue, id));
        expect(state.mark).toEqual({ slotAt: state.updatedAt });
      }
      const { now } = await schedules.list([queue]);
      expect(await schedules.upsert([{ ...fresh, tz: 'UTC' }])).toEqual(['changed']);
      expect(present(await stateOf(schedules, queue, 'fresh')).mark?.slotAt).toBeGreaterThanOrEqual(
        now,
      );
    });

    it('[S8a] a change of anything but the timing keeps the mark: a slot missed before it still fires, at the new revision', async ({
      skip,
    }) => {
      const { schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-keep');
      await schedules.upsert([specOf(queue, 'half'), specOf(queue, 'never'), specOf(queue, 'off')]);
      const fire = firer(schedules, queue, 'half');
      expect((await fire(slot(1))).fired).toBe(true);
      const marked = present(await stateOf(schedules, queue, 'half')).mark;
      // A deploy during an outage: the task's options, schema, input or policies change.
      const changes: Array<Partial<ScheduleSpec>> = [
        { maxAttempts: 5 },
        { schema: 'fingerprint-2' },
        { priority: 1, index: ['conformance'] },
        { input: { conformance: 'changed' } },
        { misfire: { catchUp: 3 } },
        { source: 'code', task: 'conformance.renamed' },
      ];
      let spec = specOf(queue, 'half');
      for (const [n, change] of changes.entries()) {
        await ctx.advance(1);
        spec = { ...spec, ...change };
        expect(await schedules.upsert([spec])).toEqual(['changed']);
        const state = present(await stateOf(schedules, queue, 'half'));
        expect(state).toMatchObject({ spec, revision: n + 2 });
        expect(state.mark).toEqual(marked);
      }
      // The slot missed while the spec changed fires, at the new revision.
      const missed = await fire(slot(2), slotJob(queue), changes.length + 1);
      expect(missed.fired).toBe(true);
      expect(present(await stateOf(schedules, queue, 'half')).mark).toMatchObject({
        slotAt: slot(2),
        jobId: missed.jobId,
      });
      // One that never fired keeps no mark; one disabled keeps its mark (enabling moves it [S8]).
      expect((await firer(schedules, queue, 'off')(slot(1))).fired).toBe(true);
      const off = present(await stateOf(schedules, queue, 'off')).mark;
      expect(
        await schedules.upsert([
          specOf(queue, 'never', { input: 'v2', overlap: 'skip' }),
          specOf(queue, 'off', { enabled: false }),
        ]),
      ).toEqual(['changed', 'changed']);
      expect(present(await stateOf(schedules, queue, 'never')).mark).toBeNull();
      expect(present(await stateOf(schedules, queue, 'off')).mark).toEqual(off);
    });

    it('[S9] of 20 concurrent upserts of one schedule (on two instances when it can), one creates it and the rest see it unchanged', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const peer = ctx.hasPeer ? await ctx.peer(transport) : transport;
      const other = capabilityOf(peer, 'schedules', skip);
      const queue = uniqueQueue('sched-upsert-race');
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 === 0 ? schedules : other).upsert([specOf(queue, 'tenant-42')]),
        ),
      );
      const flat = outcomes.flat();
      expect(flat.filter((outcome) => outcome === 'created')).toHaveLength(1);
      expect(flat.filter((outcome) => outcome === 'unchanged')).toHaveLength(19);
      const { schedules: states } = await schedules.list([queue]);
      expect(states.map((state) => [state.spec.id, state.revision])).toEqual([['tenant-42', 1]]);
    });

    it('[S10] remove deletes the schedule and its mark: no slot fires after, and a new upsert creates it afresh', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-remove');
      await schedules.upsert([specOf(queue, 'a'), specOf(queue, 'b')]);
      const fire = firer(schedules, queue, 'a');
      expect((await fire(slot(1))).fired).toBe(true);
      expect(await schedules.remove(queue, 'a')).toBe(true);
      const { schedules: states } = await schedules.list([queue]);
      expect(states.map((state) => state.spec.id)).toEqual(['b']);
      expect(await fire(slot(2))).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 'a', slot(2)),
        reason: 'unknown',
      });
      expect(await transport.getJob(scheduleJobId(queue, 'a', slot(2)))).toBeNull();
      expect(await schedules.remove(queue, 'a')).toBe(false);
      expect(await schedules.remove(uniqueQueue('sched-remove'), 'b')).toBe(false);
      expect(await stateOf(schedules, queue, 'b')).toBeDefined();
      expect(await schedules.upsert([specOf(queue, 'a')])).toEqual(['created']);
      expect(await stateOf(schedules, queue, 'a')).toMatchObject({ revision: 1, mark: null });
      // The job of a slot fired before is still stored: that slot does not fire again.
      expect((await fire(slot(1))).reason).toBe('claimed-before');
      expect((await fire(slot(2))).fired).toBe(true);
    });

    it('[S11] a paused or disabled schedule fires nothing; paused is kept across upserts; a resumed one fires from its next slot', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-pause');
      await schedules.upsert([specOf(queue, 'p'), specOf(queue, 'off', { enabled: false })]);
      const created = present(await stateOf(schedules, queue, 'p'));
      expect(await schedules.setPaused(queue, 'p', true)).toBe(true);
      expect(await stateOf(schedules, queue, 'p')).toEqual({ ...created, paused: true });
      const fire = firer(schedules, queue, 'p');
      expect(await fire(slot(1))).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 'p', slot(1)),
        reason: 'paused',
      });
      expect(await transport.getJob(scheduleJobId(queue, 'p', slot(1)))).toBeNull();
      expect((await firer(schedules, queue, 'off')(slot(1))).reason).toBe('paused');
      expect(await schedules.upsert([specOf(queue, 'p', { input: 2 })])).toEqual(['changed']);
      expect(await schedules.upsert([specOf(queue, 'p', { input: 2 })])).toEqual(['unchanged']);
      const changed = present(await stateOf(schedules, queue, 'p'));
      expect(changed).toMatchObject({ paused: true, revision: 2 });
      // A resume starts with the next slot: a slot of the pause is not fired as missed.
      await ctx.advance(5);
      const paused = (await schedules.list([queue])).now;
      expect(paused).toBeGreaterThan(changed.updatedAt);
      expect(await schedules.setPaused(queue, 'p', false)).toBe(true);
      expect(present(await stateOf(schedules, queue, 'p')).mark?.slotAt).toBeGreaterThanOrEqual(
        paused,
      );
      expect((await fire(paused, slotJob(queue), 2)).reason).toBe('claimed-before');
      await ctx.advance(1);
      const resumedAt = present(await stateOf(schedules, queue, 'p')).mark?.slotAt as number;
      expect((await fire(resumedAt + 1, slotJob(queue), 2)).fired).toBe(true);
      expect(await schedules.setPaused(queue, 'missing', true)).toBe(false);
      const { schedules: states } = await schedules.list([queue]);
      expect(states.map((state) => [state.spec.id, state.paused])).toEqual([
        ['off', false],
        ['p', false],
      ]);
    });

    it('[S12] list answers the schedules of the given queues (every queue when none), by queue then id, and the transport clock', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const first = uniqueQueue('sched-list-a');
      const second = uniqueQueue('sched-list-b');
      await schedules.upsert([
        specOf(second, 'b'),
        specOf(second, 'a'),
        specOf(first, 'z'),
        cronSpec(first, 'm'),
      ]);
      const names = (states: readonly ScheduleState[]) =>
        states.map((state) => `${state.spec.queue}/${state.spec.id}`);
      const before = await ctx.now(transport);
      const listed = await schedules.list([second, first, second]);
      const after = await ctx.now(transport);
      const all = [`${first}/m`, `${first}/z`, `${second}/a`, `${second}/b`];
      expect(names(listed.schedules)).toEqual(all);
      expect(listed.schedules[0]?.spec).toEqual(cronSpec(first, 'm'));
      expect(listed.now).toBeGreaterThanOrEqual(before);
      expect(listed.now).toBeLessThanOrEqual(after);
      expect(names((await schedules.list([first])).schedules)).toEqual(all.slice(0, 2));
      expect((await schedules.list([uniqueQueue('sched-list')])).schedules).toEqual([]);
      const none = await schedules.list([]);
      expect(none.schedules).toEqual([]);
      expect(none.now).toBeGreaterThanOrEqual(before);
      // Without queues: every queue's, ours among them, still in order.
      const everything = names((await schedules.list()).schedules);
      expect(everything.filter((name) => all.includes(name))).toEqual(all);
      const keys = (await schedules.list()).schedules.map((s) => [s.spec.queue, s.spec.id]);
      const sorted = [...keys].sort(([qa, ia], [qb, ib]) =>
        qa === qb ? compare(ia, ib) : compare(qa, qb),
      );
      expect(keys).toEqual(sorted);
    });

    it('[S13] fire refuses an unknown schedule, a stale revision and a slot later than the transport clock, and changes nothing', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-refuse');
      await schedules.upsert([specOf(queue, 's')]);
      const fire = firer(schedules, queue, 's');
      expect((await firer(schedules, queue, 'never')(slot(1))).reason).toBe('unknown');
      expect((await firer(schedules, uniqueQueue('sched-refuse'), 's')(slot(1))).reason).toBe(
        'unknown',
      );
      expect(await fire(slot(1), slotJob(queue), 2)).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 's', slot(1)),
        reason: 'changed',
      });
      const now = await ctx.now(transport);
      const early = now + 3_600_000;
      expect(await fire(early)).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 's', early),
        reason: 'early',
      });
      for (const at of [slot(1), early]) {
        expect(await transport.getJob(scheduleJobId(queue, 's', at))).toBeNull();
      }
      expect(present(await stateOf(schedules, queue, 's')).mark).toBeNull();
      expect((await fire(slot(1))).fired).toBe(true);
      await schedules.upsert([specOf(queue, 's', { input: 'v2' })]);
      expect((await fire(slot(2), slotJob(queue), 1)).reason).toBe('changed');
      // The revision is checked before the paused flag, the paused flag before the mark.
      await schedules.setPaused(queue, 's', true);
      expect((await fire(slot(2), slotJob(queue), 1)).reason).toBe('changed');
      expect((await fire(slot(2), slotJob(queue), 2)).reason).toBe('paused');
      await schedules.setPaused(queue, 's', false);
      expect((await fire(slot(2), slotJob(queue), 2)).reason).toBe('claimed-before');
    });

    it('[S14] a fired job is enqueued at the transport clock, its fire time: envelope.enqueuedAt is the mark’s firedAt', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-fire-time');
      await schedules.upsert([specOf(queue, 'late')]);
      const job = slotJob(queue);
      job.envelope.enqueuedAt = 1;
      const before = await ctx.now(transport);
      const { fired, jobId } = await firer(schedules, queue, 'late')(slot(1), job);
      const after = await ctx.now(transport);
      expect(fired).toBe(true);
      const record = await ctx.record(transport, jobId);
      expect(record.envelope.enqueuedAt).toBeGreaterThanOrEqual(before);
      expect(record.envelope.enqueuedAt).toBeLessThanOrEqual(after);
      const { mark } = present(await stateOf(schedules, queue, 'late'));
      expect(mark?.firedAt).toBe(record.envelope.enqueuedAt);
      const reserved = await ctx.reserveOne(transport, queue);
      expect(reserved.envelope.enqueuedAt).toBe(record.envelope.enqueuedAt);
    });
  });
}

/** Code-unit order, as `list` sorts. */
function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
