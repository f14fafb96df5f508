import { describe, expect, it } from 'vitest';
import { idsOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** R4: delayed jobs (`delayMs`, `runAt`). */
export function delayRules(harness: ConformanceHarness): void {
  describe('delays', () => {
    const ctx = useSuiteContext(harness);

    it('[R4] never delivers a delayMs job before it is due, and delivers it once when due', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('delay');
      const envelope = makeEnvelope(queue);
      await ctx.enqueue(transport, envelope, { delayMs: ctx.ms(4) });
      const record = await ctx.record(transport, envelope.id);
      expect(record.state).toBe('delayed');
      expect(record.dueAt).toBe(record.enqueuedAt + ctx.ms(4));
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(1);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, envelope.id)).state).toBe('delayed');
      await ctx.advance(3);
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(delivered)).toEqual([envelope.id]);
      expect(delivered[0]?.envelope.attempt).toBe(1);
      await ctx.advance(1);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
    });

    it('[R4] holds a runAt job until that absolute time; its dueAt is runAt', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('run-at');
      const runAt = (await ctx.now(transport)) + ctx.ms(4);
      const envelope = makeEnvelope(queue);
      await ctx.enqueue(transport, envelope, { runAt });
      expect(await ctx.record(transport, envelope.id)).toMatchObject({
        state: 'delayed',
        dueAt: runAt,
      });
      await ctx.advance(1);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(4);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([envelope.id]);
    });

    it('[R4] treats a due time in the past as waiting', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('past');
      const past = makeEnvelope(queue);
      const zero = makeEnvelope(queue);
      await ctx.enqueue(transport, past, { runAt: (await ctx.now(transport)) - ctx.ms(50) });
      await ctx.enqueue(transport, zero, { delayMs: 0 });
      expect((await ctx.record(transport, past.id)).state).toBe('waiting');
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(delivered).sort()).toEqual([past.id, zero.id].sort());
    });

    it('[R4] lets delayMs win over runAt when both are given', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('both');
      const now = await ctx.now(transport);
      const delayWinsLater = makeEnvelope(queue);
      const delayWinsSooner = makeEnvelope(queue);
      await ctx.enqueue(transport, delayWinsLater, { delayMs: ctx.ms(4), runAt: now - ctx.ms(50) });
      await ctx.enqueue(transport, delayWinsSooner, {
        delayMs: ctx.ms(2),
        runAt: now + ctx.ms(10_000),
      });
      expect((await ctx.record(transport, delayWinsLater.id)).state).toBe('delayed');
      await ctx.advance(1);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(5);
      const delivered = idsOf(await ctx.reserve(transport, queue, { max: 10 }));
      expect(delivered.sort()).toEqual([delayWinsLater.id, delayWinsSooner.id].sort());
    });

    it('[R4] keeps a delay longer than 2^31 ms delayed (no timer overflow)', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('long');
      const envelope = makeEnvelope(queue);
      await ctx.enqueue(transport, envelope, { delayMs: 30 * DAY_MS });
      const record = await ctx.record(transport, envelope.id);
      expect(record.state).toBe('delayed');
      expect(record.dueAt).toBe(record.enqueuedAt + 30 * DAY_MS);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      await ctx.advance(2);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, envelope.id)).state).toBe('delayed');
    });

    it('[R4] delivers each due job once even when reservers race for them', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('due-race');
      const envelopes = [makeEnvelope(queue), makeEnvelope(queue), makeEnvelope(queue)];
      await ctx.enqueue(transport, envelopes, { delayMs: ctx.ms(2) });
      await ctx.advance(4);
      const batches = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          ctx.reserve(transport, queue, { max: 2, consumer: `racer-${index}` }),
        ),
      );
      const delivered = batches.flatMap(idsOf);
      expect(new Set(delivered).size).toBe(delivered.length);
      expect(delivered.sort()).toEqual(envelopes.map((envelope) => envelope.id).sort());
    });
  });
}
