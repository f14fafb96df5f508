import { describe, expect, it } from 'vitest';
import { complete, idsOf, leaseOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R9: `expiresAt`. */
export function expiryRules(harness: ConformanceHarness): void {
  describe('expiry', () => {
    const ctx = useSuiteContext(harness);

    it('[R9] never delivers a job past its expiresAt, marks it expired and still fills max', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expiry');
      const now = await ctx.now(transport);
      const alreadyExpired = makeEnvelope(queue, { expiresAt: now - ctx.ms(1) });
      const expiresSoon = makeEnvelope(queue, { expiresAt: now + ctx.ms(2) });
      const expiresLater = makeEnvelope(queue, { expiresAt: now + ctx.ms(10_000) });
      const neverExpires = makeEnvelope(queue);
      await ctx.enqueue(transport, [alreadyExpired, expiresSoon, expiresLater, neverExpires]);
      await ctx.advance(4);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 1 }))).toEqual([expiresLater.id]);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([neverExpires.id]);
      for (const expired of [alreadyExpired, expiresSoon]) {
        expect(await ctx.record(transport, expired.id)).toMatchObject({
          state: 'expired',
          attempts: 0,
        });
      }
      const waited = await ctx.within(
        transport.waitFor(expiresSoon.id, { timeoutMs: ctx.ms(100) }),
        2,
        'waitFor on an expired job',
      );
      expect(waited?.state).toBe('expired');
      expect(await transport.cancel(expiresSoon.id)).toBe('finished');
    });

    it('[R9] never delivers a delayed job whose expiresAt passes before it is due', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expiry-delayed');
      const now = await ctx.now(transport);
      const envelope = makeEnvelope(queue, { expiresAt: now + ctx.ms(2) });
      await ctx.enqueue(transport, envelope, { delayMs: ctx.ms(4) });
      await ctx.advance(6);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, envelope.id)).state).toBe('expired');
    });

    it('[R9] lets a job delivered before its expiresAt finish normally', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expiry-running');
      const now = await ctx.now(transport);
      const envelope = makeEnvelope(queue, { expiresAt: now + ctx.ms(3) });
      await ctx.enqueue(transport, envelope);
      const reservation = await ctx.reserveOne(transport, queue);
      await ctx.advance(5);
      expect(await transport.renew([leaseOf(reservation)], ctx.ms(1_000))).toEqual(['held']);
      expect(await ctx.settle(transport, complete(reservation, 'done'))).toBe('ok');
      expect(await ctx.record(transport, envelope.id)).toMatchObject({
        state: 'completed',
        result: 'done',
      });
    });

    it('[R9] does not re-deliver a job whose lease expired after its expiresAt passed', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('expiry-lease');
      const now = await ctx.now(transport);
      const envelope = makeEnvelope(queue, { expiresAt: now + ctx.ms(3) });
      await ctx.enqueue(transport, envelope);
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(5);
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
      expect((await ctx.record(transport, envelope.id)).state).toBe('expired');
    });
  });
}
