import { describe, expect, it } from 'vitest';
import { scheduleJobId } from '../../ids.js';
import type { FireResult, ScheduleSpec, TransportSchedules } from '../../transport-schedules.js';
import { capabilityOf, complete, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';
import { scheduleFingerprintRules } from './schedule-fingerprint.js';
import { firer, schedulesOf, slot, slotJob, specOf, stateOf } from './schedule-fixtures.js';
import { scheduleStoreRules } from './schedule-store.js';

/** S1–S6: `transport.schedules`, the atomic claim of a schedule's slot; S7–S14 follow. */
export function scheduleRules(harness: ConformanceHarness): void {
  describe('schedules', () => {
    const ctx = useSuiteContext(harness);

    it('[S1] of 20 concurrent fires of one slot (on two instances when it can), exactly one fires', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const peer = ctx.hasPeer ? await ctx.peer(transport) : transport;
      const other = capabilityOf(peer, 'schedules', skip);
      const queue = uniqueQueue('sched-race');
      await schedules.upsert([specOf(queue, 'every-minute')]);
      const fires = Array.from({ length: 20 }, (_, n) =>
        (n % 2 === 0 ? schedules : other).fire({
          scheduleId: 'every-minute',
          revision: 1,
          slotAt: slot(1),
          job: slotJob(queue),
        }),
      );
      const results = await Promise.all(fires);
      const jobId = scheduleJobId(queue, 'every-minute', slot(1));
      expect(results.filter((result) => result.fired)).toEqual([{ fired: true, jobId }]);
      for (const result of results.filter((r) => !r.fired)) {
        expect(result).toEqual({ fired: false, jobId, reason: 'claimed-before' });
      }
      const reserved = await ctx.reserve(transport, queue, { max: 20 });
      expect(reserved.map((r) => r.envelope.id)).toEqual([jobId]);
    });

    it('[S2] a slot at or before the last claimed one is refused; later ones fire', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-order');
      const otherQueue = uniqueQueue('sched-order');
      await schedules.upsert([
        specOf(queue, 'nightly'),
        specOf(queue, 'hourly'),
        specOf(otherQueue, 'nightly'),
      ]);
      const fire = firer(schedules, queue, 'nightly');
      expect((await fire(slot(5))).fired).toBe(true);
      const refused: FireResult[] = [await fire(slot(5)), await fire(slot(4)), await fire(slot(0))];
      expect(refused.map((result) => result.reason)).toEqual([
        'claimed-before',
        'claimed-before',
        'claimed-before',
      ]);
      expect(refused[1]?.jobId).toBe(scheduleJobId(queue, 'nightly', slot(4)));
      expect(await transport.getJob(refused[1]?.jobId as string)).toBeNull();
      expect((await fire(slot(6))).fired).toBe(true);
      // Schedules and queues are independent of each other.
      expect((await firer(schedules, queue, 'hourly')(slot(0))).fired).toBe(true);
      expect((await firer(schedules, otherQueue, 'nightly')(slot(0))).fired).toBe(true);
    });

    it("[S3] overlap 'skip' fires nothing while the last job is waiting, delayed or active, and fires once it finished", async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-overlap');
      await schedules.upsert([
        specOf(queue, 'report', { overlap: 'skip' }),
        specOf(queue, 'allowed', { overlap: 'allow' }),
      ]);
      const fire = firer(schedules, queue, 'report');
      const first = await fire(slot(1));
      expect(first.fired).toBe(true);
      // Waiting.
      expect(await fire(slot(2))).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 'report', slot(2)),
        reason: 'overlap',
      });
      // A skipped slot is claimed: it never fires later.
      expect((await fire(slot(2))).reason).toBe('claimed-before');
      // Active.
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(first.jobId);
      expect((await fire(slot(3))).reason).toBe('overlap');
      expect((await stateOf(schedules, queue, 'report'))?.mark).toMatchObject({
        slotAt: slot(3),
        jobId: first.jobId,
        jobSlotAt: slot(1),
      });
      // Finished.
      expect(await ctx.settle(transport, complete(reservation, 'done'))).toBe('ok');
      const fourth = await fire(slot(4), slotJob(queue, { delayMs: ctx.ms(1_000) }));
      expect(fourth).toEqual({ fired: true, jobId: scheduleJobId(queue, 'report', slot(4)) });
      // Delayed.
      expect((await ctx.record(transport, fourth.jobId)).state).toBe('delayed');
      expect((await fire(slot(5))).reason).toBe('overlap');
      // 'allow' fires whatever the last job is doing.
      const allow = firer(schedules, queue, 'allowed');
      expect((await allow(slot(1))).fired).toBe(true);
      expect((await allow(slot(2))).fired).toBe(true);
    });

    it('[S4] the job has the deterministic id of its schedule and slot, and is an ordinary job', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-job');
      const longId = `tenant-${'x'.repeat(120)}`;
      await schedules.upsert([specOf(queue, 'sync.crm:eu-1'), specOf(queue, longId)]);
      const job = slotJob(queue);
      const result = await firer(schedules, queue, 'sync.crm:eu-1')(slot(2), job);
      expect(result).toEqual({
        fired: true,
        jobId: scheduleJobId(queue, 'sync.crm:eu-1', slot(2)),
      });
      const hashed = await firer(schedules, queue, longId)(slot(2), job);
      expect(hashed.jobId).toBe(scheduleJobId(queue, longId, slot(2)));
      expect(hashed.jobId.length).toBeLessThan(queue.length + 32);
      const record = await ctx.record(transport, result.jobId);
      const { enqueuedAt: _fireTime, ...asSent } = job.envelope;
      expect(record).toMatchObject({
        state: 'waiting',
        envelope: { ...asSent, id: result.jobId },
      });
      const reserved = await ctx.reserve(transport, queue, { max: 5 });
      expect(reserved.map((r) => r.envelope.id)).toEqual([result.jobId, hashed.jobId]);
      const [first] = reserved;
      if (!first) throw new Error('nothing reserved');
      expect(first.envelope).toMatchObject({ task: 'conformance.scheduled', attempt: 1 });
      expect(await ctx.settle(transport, complete(first, { sent: 3 }))).toBe('ok');
      expect(await ctx.record(transport, result.jobId)).toMatchObject({
        state: 'completed',
        result: { sent: 3 },
      });
      // A job whose idempotency key holds an earlier job: 'duplicate', the slot claimed.
      const keyed = slotJob(queue);
      keyed.envelope.idempotencyKey = 'one-per-day';
      const [earlier] = await transport.enqueue([keyed]);
      const again = slotJob(queue);
      again.envelope.idempotencyKey = 'one-per-day';
      const fire = firer(schedules, queue, 'sync.crm:eu-1');
      expect(await fire(slot(3), again)).toEqual({
        fired: false,
        jobId: earlier?.id,
        reason: 'duplicate',
      });
      expect((await fire(slot(3))).reason).toBe('claimed-before');
    });

    it('[S5] list answers each schedule’s mark: its last slot, job and fire time; null before any', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-last');
      await schedules.upsert([specOf(queue, 'a'), specOf(queue, 'b')]);
      const before = await ctx.now(transport);
      const { jobId } = await firer(schedules, queue, 'a')(slot(7));
      const after = await ctx.now(transport);
      const { schedules: states } = await schedules.list([queue]);
      const [a, b] = states;
      expect(b?.mark).toBeNull();
      expect(a?.mark).toMatchObject({ slotAt: slot(7), jobId, jobSlotAt: slot(7) });
      expect(a?.mark?.firedAt).toBeGreaterThanOrEqual(before);
      expect(a?.mark?.firedAt).toBeLessThanOrEqual(after);
    });

    it('[S6] bad specs, ids, revisions and slots reject with INVALID_OPTION; calls after close with TRANSPORT_CLOSED', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-bad');
      await schedules.upsert([specOf(queue, 'ok')]);
      const fire = (scheduleId: unknown, slotAt: unknown, revision: unknown = 1) =>
        schedules.fire({
          scheduleId,
          revision,
          slotAt,
          job: slotJob(queue),
        } as Parameters<TransportSchedules['fire']>[0]);
      const invalid = { code: 'INVALID_OPTION' };
      await expect(fire('', slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('has space', slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('x'.repeat(129), slot(1))).rejects.toMatchObject(invalid);
      await expect(fire(42, slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('ok', -1)).rejects.toMatchObject(invalid);
      await expect(fire('ok', 1.5)).rejects.toMatchObject(invalid);
      await expect(fire('ok', String(slot(1)))).rejects.toMatchObject(invalid);
      for (const revision of [0, -1, 1.5, '1', undefined]) {
        await expect(fire('ok', slot(1), revision ?? null)).rejects.toMatchObject(invalid);
      }
      const bad = (overrides: Record<string, unknown>) =>
        schedules.upsert([{ ...specOf(queue, 'ok'), ...overrides } as ScheduleSpec]);
      for (const overrides of [
        { id: 'bad id' },
        { queue: 'bad queue' },
        { task: '' },
        { every: undefined },
        { cron: '0 7 * * *', tz: 'UTC' },
        { every: 999 },
        { every: undefined, cron: '', tz: 'UTC' },
        { every: undefined, cron: '0 7 * * *', tz: 'Mars/Olympus' },
        // Patterns no worker can read, or that never fire: stored, they never fired, silently.
        { every: undefined, cron: 'not a cron', tz: 'UTC' },
        { every: undefined, cron: '0 0 * 13 *', tz: 'UTC' },
        { every: undefined, cron: '0 0 31 2 *', tz: 'UTC' },
        { misfire: 'sometimes' },
        { misfire: { catchUp: 0 } },
        { misfire: { catchUp: 1001 } },
        { overlap: 'sometimes' },
        { enabled: 'yes' },
        { source: 'elsewhere' },
        { priority: 10 },
        { maxAttempts: Number.NaN },
        { input: undefined },
      ]) {
        await expect(bad(overrides), JSON.stringify(overrides)).rejects.toMatchObject(invalid);
      }
      await expect(bad({ input: { at: () => 1 } })).rejects.toMatchObject({ code: 'NOT_JSON' });
      await expect(bad({ input: 'x'.repeat(600 * 1024) })).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      await expect(schedules.remove(queue, 'bad id')).rejects.toMatchObject(invalid);
      await expect(schedules.setPaused('bad queue', 'ok', true)).rejects.toMatchObject(invalid);
      await expect(schedules.setPaused(queue, 'ok', 'yes' as never)).rejects.toMatchObject(invalid);
      await expect(schedules.list(['bad queue'])).rejects.toMatchObject(invalid);
      // Nothing was stored or claimed by the refused calls.
      expect((await stateOf(schedules, queue, 'ok'))?.revision).toBe(1);
      expect((await fire('ok', slot(1))).fired).toBe(true);
      await transport.close();
      const closed = { code: 'TRANSPORT_CLOSED' };
      await expect(fire('ok', slot(2))).rejects.toMatchObject(closed);
      await expect(schedules.upsert([specOf(queue, 'ok')])).rejects.toMatchObject(closed);
      await expect(schedules.remove(queue, 'ok')).rejects.toMatchObject(closed);
      await expect(schedules.setPaused(queue, 'ok', true)).rejects.toMatchObject(closed);
      await expect(schedules.list()).rejects.toMatchObject(closed);
    });
  });

  scheduleStoreRules(harness);
  scheduleFingerprintRules(harness);
}
