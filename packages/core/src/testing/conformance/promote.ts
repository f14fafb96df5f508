import { describe, expect, it } from 'vitest';
import { AT_ONCE_UNITS, capabilityOf, idsOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** Long enough never to come due during a test: 1,000 units. */
const LONG = 1_000;

/**
 * A14: `admin.promoteDelayed`, which runs delayed jobs now (`conveyor promote`, the
 * dashboard's Run now). Skipped for transports without `admin`.
 */
export function promoteRules(harness: ConformanceHarness): void {
  describe('promote', () => {
    const ctx = useSuiteContext(harness);

    it('[A14] promoteDelayed makes the given delayed jobs waiting, in the order they were due, after the jobs already waiting', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('promote-ids');
      const [late, kept, early] = [makeEnvelope(queue), makeEnvelope(queue), makeEnvelope(queue)];
      await ctx.enqueue(transport, late, { delayMs: ctx.ms(3 * LONG) });
      await ctx.enqueue(transport, kept, { delayMs: ctx.ms(2 * LONG) });
      await ctx.enqueue(transport, early, { delayMs: ctx.ms(LONG) });
      const [waiting] = await ctx.jobs(transport, queue, 1);
      const waitingId = waiting?.id as string;
      // The waiting job and an id of another queue are not delayed there: left as they are.
      const elsewhere = makeEnvelope(uniqueQueue('promote-other'));
      await ctx.enqueue(transport, elsewhere, { delayMs: ctx.ms(LONG) });
      expect(await admin.promoteDelayed(queue, [late.id, early.id, waitingId, elsewhere.id])).toBe(
        2,
      );
      for (const id of [late.id, early.id]) {
        const record = await ctx.record(transport, id);
        expect(record.state).toBe('waiting');
        expect(record.dueAt).toBeUndefined();
      }
      expect(await ctx.record(transport, kept.id)).toMatchObject({ state: 'delayed' });
      expect(await ctx.record(transport, elsewhere.id)).toMatchObject({ state: 'delayed' });
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        waitingId,
        early.id,
        late.id,
      ]);
      // Promoted jobs run once: they are gone from the delayed schedule.
      expect(await admin.promoteDelayed(queue, [late.id, early.id])).toBe(0);
    });

    it('[A14] promoteDelayed without ids promotes every delayed job of the queue, and no other', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const [queue, other] = [uniqueQueue('promote-all'), uniqueQueue('promote-keep')];
      const delayed = [makeEnvelope(queue), makeEnvelope(queue), makeEnvelope(queue)];
      for (const [index, envelope] of delayed.entries()) {
        await ctx.enqueue(transport, envelope, { delayMs: ctx.ms((3 - index) * LONG) });
      }
      const kept = makeEnvelope(other);
      await ctx.enqueue(transport, kept, { delayMs: ctx.ms(LONG) });
      expect(await admin.promoteDelayed(queue)).toBe(3);
      expect((await admin.queueCounts([queue]))[0]).toMatchObject({ waiting: 3, delayed: 0 });
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual(
        delayed.map((envelope) => envelope.id).reverse(),
      );
      expect(await ctx.record(transport, kept.id)).toMatchObject({ state: 'delayed' });
      expect(await admin.promoteDelayed(queue)).toBe(0);
    });

    it('[A14] a delayed job past its expiresAt is not promoted: it becomes expired [R9]', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('promote-expired');
      const now = await ctx.now(transport);
      const expiring = makeEnvelope(queue, { expiresAt: now + ctx.ms(2) });
      const kept = makeEnvelope(queue);
      await ctx.enqueue(transport, [expiring, kept], { delayMs: ctx.ms(LONG) });
      await ctx.advance(4);
      expect(await admin.promoteDelayed(queue, [expiring.id, kept.id])).toBe(1);
      expect(await ctx.record(transport, expiring.id)).toMatchObject({ state: 'expired' });
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([kept.id]);
    });

    it('[A14] a reserve blocked on the queue takes a promoted job at once', async ({ skip }) => {
      const transport = await ctx.transport();
      const admin = capabilityOf(transport, 'admin', skip);
      const queue = uniqueQueue('promote-wake');
      const job = makeEnvelope(queue);
      await ctx.enqueue(transport, job, { delayMs: ctx.ms(LONG) });
      const reserved = ctx.reserve(transport, queue, { waitUnits: LONG / 2 });
      await ctx.expectPending(reserved, 1, 'reserve on a queue with only a delayed job');
      expect(await admin.promoteDelayed(queue, [job.id])).toBe(1);
      const delivered = await ctx.within(reserved, AT_ONCE_UNITS, 'reserve after a promote');
      expect(idsOf(delivered)).toEqual([job.id]);
    });
  });
}
