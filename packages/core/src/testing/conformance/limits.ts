import { describe, expect, it } from 'vitest';
import type { TransportLimits } from '../../transport-limits.js';
import { type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, uniqueQueue } from './harness.js';

/** Long enough never to run out during a test: 1,000 units. */
const LONG = 1_000;

/** The transport's limits; skips the test for a transport without them. */
async function limitsOf(
  ctx: SuiteContext,
  skip: (note?: string) => never,
): Promise<TransportLimits> {
  const transport = await ctx.transport();
  return transport.limits ?? skip(`transport ${transport.name} has no limits`);
}

function granted(answers: ReadonlyArray<{ granted: boolean }>): number {
  return answers.filter((answer) => answer.granted).length;
}

/**
 * L1–L9: `transport.limits` (rate limits and concurrency slots shared by all workers).
 * Registered only for transports that have `limits`.
 */
export function limitRules(harness: ConformanceHarness): void {
  describe('limits', () => {
    const ctx = useSuiteContext(harness);

    it('[L1] takeRate grants `limit` permits per window, then denies with a retry hint inside the window', async ({
      skip,
    }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('rate');
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await limits.takeRate(key, 3, ctx.ms(LONG)));
      expect(answers.slice(0, 3)).toEqual([
        { granted: true },
        { granted: true },
        { granted: true },
      ]);
      const denied = answers[3];
      expect(denied?.granted).toBe(false);
      if (denied && !denied.granted) {
        expect(denied.retryInMs).toBeGreaterThanOrEqual(1);
        expect(denied.retryInMs).toBeLessThanOrEqual(ctx.ms(LONG));
      }
    });

    it('[L2] takeRate uses a sliding window: each permit frees one window after it was taken', async ({
      skip,
    }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('rate-sliding');
      const window = ctx.ms(20);
      expect(await limits.takeRate(key, 2, window)).toEqual({ granted: true });
      await ctx.advance(10);
      expect(await limits.takeRate(key, 2, window)).toEqual({ granted: true });
      const denied = await limits.takeRate(key, 2, window);
      expect(denied.granted).toBe(false);
      if (!denied.granted) expect(denied.retryInMs).toBeLessThanOrEqual(window);
      // The first permit has aged out; the second has not.
      await ctx.advance(11);
      expect(await limits.takeRate(key, 2, window)).toEqual({ granted: true });
      expect((await limits.takeRate(key, 2, window)).granted).toBe(false);
    });

    it('[L3] keeps keys apart', async ({ skip }) => {
      const limits = await limitsOf(ctx, skip);
      const [a, b] = [uniqueQueue('rate-a'), uniqueQueue('rate-b')];
      expect(await limits.takeRate(a, 1, ctx.ms(LONG))).toEqual({ granted: true });
      expect((await limits.takeRate(a, 1, ctx.ms(LONG))).granted).toBe(false);
      expect(await limits.takeRate(b, 1, ctx.ms(LONG))).toEqual({ granted: true });
      expect(await limits.acquireSlot(a, 1, 'holder-1', ctx.ms(LONG))).toEqual({ granted: true });
      expect(await limits.acquireSlot(b, 1, 'holder-2', ctx.ms(LONG))).toEqual({ granted: true });
    });

    it('[L4] never grants more than the limit or the cap to concurrent callers', async ({
      skip,
    }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('concurrent');
      const permits = await Promise.all(
        Array.from({ length: 20 }, () => limits.takeRate(key, 7, ctx.ms(LONG))),
      );
      expect(granted(permits)).toBe(7);
      const slots = await Promise.all(
        Array.from({ length: 20 }, (_, i) => limits.acquireSlot(key, 5, `h${i}`, ctx.ms(LONG))),
      );
      expect(granted(slots)).toBe(5);
    });

    it.skipIf(!ctx.hasPeer)(
      '[L5] shares permits and slots between instances on the same broker',
      async ({ skip }) => {
        const first = await ctx.transport();
        if (!first.limits) skip(`transport ${first.name} has no limits`);
        const peer = await ctx.peer(first);
        const key = uniqueQueue('shared');
        expect(await first.limits?.takeRate(key, 1, ctx.ms(LONG))).toEqual({ granted: true });
        expect((await peer.limits?.takeRate(key, 1, ctx.ms(LONG)))?.granted).toBe(false);
        expect(await first.limits?.acquireSlot(key, 1, 'h1', ctx.ms(LONG))).toEqual({
          granted: true,
        });
        expect((await peer.limits?.acquireSlot(key, 1, 'h2', ctx.ms(LONG)))?.granted).toBe(false);
        await first.limits?.freeSlots([{ key, holder: 'h1' }]);
        expect(await peer.limits?.acquireSlot(key, 1, 'h2', ctx.ms(LONG))).toEqual({
          granted: true,
        });
      },
    );

    it('[L6] acquireSlot grants `cap` holders; a holder taking its slot again renews it and uses no other', async ({
      skip,
    }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('slots');
      expect(await limits.acquireSlot(key, 2, 'a', ctx.ms(LONG))).toEqual({ granted: true });
      expect(await limits.acquireSlot(key, 2, 'b', ctx.ms(LONG))).toEqual({ granted: true });
      expect(await limits.acquireSlot(key, 2, 'a', ctx.ms(LONG))).toEqual({ granted: true });
      const denied = await limits.acquireSlot(key, 2, 'c', ctx.ms(LONG));
      expect(denied.granted).toBe(false);
      if (!denied.granted) expect(denied.retryInMs).toBeGreaterThanOrEqual(1);
    });

    it('[L7] freeSlots frees slots at once and ignores unknown holders', async ({ skip }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('free');
      expect(await limits.acquireSlot(key, 1, 'a', ctx.ms(LONG))).toEqual({ granted: true });
      expect((await limits.acquireSlot(key, 1, 'b', ctx.ms(LONG))).granted).toBe(false);
      await limits.freeSlots([
        { key, holder: 'nobody' },
        { key: uniqueQueue('unknown'), holder: 'a' },
      ]);
      expect((await limits.acquireSlot(key, 1, 'b', ctx.ms(LONG))).granted).toBe(false);
      await limits.freeSlots([{ key, holder: 'a' }]);
      expect(await limits.acquireSlot(key, 1, 'b', ctx.ms(LONG))).toEqual({ granted: true });
    });

    it('[L8] a slot nobody renews frees itself after its lease; renewSlots keeps it but never revives an expired one', async ({
      skip,
    }) => {
      const limits = await limitsOf(ctx, skip);
      const key = uniqueQueue('slot-lease');
      const lease = ctx.ms(10);
      expect(await limits.acquireSlot(key, 1, 'x', lease)).toEqual({ granted: true });
      await ctx.advance(6);
      await limits.renewSlots([{ key, holder: 'x' }], lease);
      await ctx.advance(6);
      // Past x's first lease, inside its renewed one.
      expect((await limits.acquireSlot(key, 1, 'y', lease)).granted).toBe(false);
      await ctx.advance(5);
      expect(await limits.acquireSlot(key, 1, 'y', ctx.ms(LONG))).toEqual({ granted: true });
      // x's slot expired and y holds the only one: renewing x must not take a second.
      await limits.renewSlots([{ key, holder: 'x' }], ctx.ms(LONG));
      await limits.freeSlots([{ key, holder: 'y' }]);
      expect(await limits.acquireSlot(key, 1, 'z', ctx.ms(LONG))).toEqual({ granted: true });
    });

    it('[L9] rejects bad arguments with INVALID_OPTION and calls after close with TRANSPORT_CLOSED', async ({
      skip,
    }) => {
      const transport = await ctx.transport();
      const limits = transport.limits ?? skip(`transport ${transport.name} has no limits`);
      const key = uniqueQueue('bad');
      await expect(limits.takeRate(key, 0, 1_000)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.takeRate('', 1, 1_000)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.takeRate(key, 1, Number.NaN)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.acquireSlot(key, 1.5, 'h', 1_000)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.acquireSlot(key, 1, '', 1_000)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.renewSlots([{ key, holder: 'h' }], 0)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await expect(limits.freeSlots([{ key: '', holder: 'h' }])).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await transport.close();
      await expect(limits.takeRate(key, 1, 1_000)).rejects.toMatchObject({
        code: 'TRANSPORT_CLOSED',
      });
      await expect(limits.acquireSlot(key, 1, 'h', 1_000)).rejects.toMatchObject({
        code: 'TRANSPORT_CLOSED',
      });
    });
  });
}
