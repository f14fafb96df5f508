import { describe, expect, it } from 'vitest';
import { scheduleJobId } from '../../ids.js';
import type { EnqueueRequest, Transport } from '../../transport.js';
import type { FireResult, TransportSchedules } from '../../transport-schedules.js';
import { capabilityOf, complete, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Slot times a minute apart; any fixed times do (slots need not be near the clock). */
const BASE = 1_764_054_000_000;
const slot = (n: number) => BASE + n * 60_000;

/** A slot's job request; the transport sets its id. */
function slotJob(queue: string, extra: Omit<EnqueueRequest, 'envelope'> = {}): EnqueueRequest {
  return { envelope: makeEnvelope(queue, { task: 'conformance.scheduled' }), ...extra };
}

async function schedulesOf(
  ctx: SuiteContext,
  skip: (note?: string) => never,
): Promise<{ transport: Transport; schedules: TransportSchedules }> {
  const transport = await ctx.transport();
  return { transport, schedules: capabilityOf(transport, 'schedules', skip) };
}

/** S1–S6: `transport.schedules`, the atomic claim of a schedule's slot. */
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
      const fires = Array.from({ length: 20 }, (_, n) =>
        (n % 2 === 0 ? schedules : other).fire({
          scheduleId: 'every-minute',
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
      const fire = (n: number) =>
        schedules.fire({ scheduleId: 'nightly', slotAt: slot(n), job: slotJob(queue) });
      expect((await fire(5)).fired).toBe(true);
      const refused: FireResult[] = [await fire(5), await fire(4), await fire(0)];
      expect(refused.map((result) => result.reason)).toEqual([
        'claimed-before',
        'claimed-before',
        'claimed-before',
      ]);
      expect(refused[1]?.jobId).toBe(scheduleJobId(queue, 'nightly', slot(4)));
      expect(await transport.getJob(refused[1]?.jobId as string)).toBeNull();
      expect((await fire(6)).fired).toBe(true);
      // Schedules and queues are independent of each other.
      expect(
        (await schedules.fire({ scheduleId: 'hourly', slotAt: slot(0), job: slotJob(queue) }))
          .fired,
      ).toBe(true);
      const otherQueue = uniqueQueue('sched-order');
      expect(
        (await schedules.fire({ scheduleId: 'nightly', slotAt: slot(0), job: slotJob(otherQueue) }))
          .fired,
      ).toBe(true);
    });

    it("[S3] overlap 'skip' fires nothing while the last job is waiting, delayed or active, and fires once it finished", async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-overlap');
      const fire = (n: number, job = slotJob(queue)) =>
        schedules.fire({ scheduleId: 'report', slotAt: slot(n), job, overlap: 'skip' });
      const first = await fire(1);
      expect(first.fired).toBe(true);
      // Waiting.
      expect(await fire(2)).toEqual({
        fired: false,
        jobId: scheduleJobId(queue, 'report', slot(2)),
        reason: 'overlap',
      });
      // A skipped slot is claimed: it never fires later.
      expect((await fire(2)).reason).toBe('claimed-before');
      // Active.
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(first.jobId);
      expect((await fire(3)).reason).toBe('overlap');
      expect(await schedules.lastFired(queue, ['report'])).toEqual([
        expect.objectContaining({ slotAt: slot(3), jobId: first.jobId, jobSlotAt: slot(1) }),
      ]);
      // Finished.
      expect(await ctx.settle(transport, complete(reservation, 'done'))).toBe('ok');
      const fourth = await fire(4, slotJob(queue, { delayMs: ctx.ms(1_000) }));
      expect(fourth).toEqual({ fired: true, jobId: scheduleJobId(queue, 'report', slot(4)) });
      // Delayed.
      expect((await ctx.record(transport, fourth.jobId)).state).toBe('delayed');
      expect((await fire(5)).reason).toBe('overlap');
      // 'allow' (the default) fires whatever the last job is doing.
      const allowed = await schedules.fire({
        scheduleId: 'report',
        slotAt: slot(6),
        job: slotJob(queue),
      });
      expect(allowed.fired).toBe(true);
    });

    it('[S4] the job has the deterministic id of its schedule and slot, and is an ordinary job', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-job');
      const job = slotJob(queue);
      const result = await schedules.fire({ scheduleId: 'sync.crm:eu-1', slotAt: slot(2), job });
      expect(result).toEqual({
        fired: true,
        jobId: scheduleJobId(queue, 'sync.crm:eu-1', slot(2)),
      });
      const longId = `tenant-${'x'.repeat(120)}`;
      const hashed = await schedules.fire({ scheduleId: longId, slotAt: slot(2), job });
      expect(hashed.jobId).toBe(scheduleJobId(queue, longId, slot(2)));
      expect(hashed.jobId.length).toBeLessThan(queue.length + 32);
      const record = await ctx.record(transport, result.jobId);
      expect(record).toMatchObject({
        state: 'waiting',
        envelope: { ...job.envelope, id: result.jobId },
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
    });

    it('[S5] lastFired answers each schedule’s last slot and job, null for one never fired', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-last');
      const before = await ctx.now(transport);
      const { jobId } = await schedules.fire({
        scheduleId: 'a',
        slotAt: slot(7),
        job: slotJob(queue),
      });
      const after = await ctx.now(transport);
      const [a, b] = await schedules.lastFired(queue, ['a', 'b']);
      expect(b).toBeNull();
      expect(a).toMatchObject({ slotAt: slot(7), jobId, jobSlotAt: slot(7) });
      expect(a?.firedAt).toBeGreaterThanOrEqual(before);
      expect(a?.firedAt).toBeLessThanOrEqual(after);
      expect(await schedules.lastFired(uniqueQueue('sched-last'), ['a'])).toEqual([null]);
      expect(await schedules.lastFired(queue, [])).toEqual([]);
    });

    it('[S6] bad schedule ids, slots and overlaps reject with INVALID_OPTION; calls after close with TRANSPORT_CLOSED', async ({
      skip,
    }) => {
      const { transport, schedules } = await schedulesOf(ctx, skip);
      const queue = uniqueQueue('sched-bad');
      const fire = (scheduleId: unknown, slotAt: unknown, overlap?: unknown) =>
        schedules.fire({
          scheduleId,
          slotAt,
          job: slotJob(queue),
          overlap,
        } as Parameters<TransportSchedules['fire']>[0]);
      const invalid = { code: 'INVALID_OPTION' };
      await expect(fire('', slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('has space', slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('x'.repeat(129), slot(1))).rejects.toMatchObject(invalid);
      await expect(fire(42, slot(1))).rejects.toMatchObject(invalid);
      await expect(fire('ok', -1)).rejects.toMatchObject(invalid);
      await expect(fire('ok', 1.5)).rejects.toMatchObject(invalid);
      await expect(fire('ok', String(slot(1)))).rejects.toMatchObject(invalid);
      await expect(fire('ok', slot(1), 'sometimes')).rejects.toMatchObject(invalid);
      await expect(schedules.lastFired(queue, ['bad id'])).rejects.toMatchObject(invalid);
      // Nothing was claimed by the refused calls.
      expect((await fire('ok', slot(1))).fired).toBe(true);
      await transport.close();
      const closed = { code: 'TRANSPORT_CLOSED' };
      await expect(fire('ok', slot(2))).rejects.toMatchObject(closed);
      await expect(schedules.lastFired(queue, ['ok'])).rejects.toMatchObject(closed);
    });
  });
}
