import { describe, expect, it } from 'vitest';
import type { JobState, Transport } from '../../transport.js';
import { complete, fail, idsOf, type SuiteContext, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R5: idempotency keys. */
export function dedupeRules(harness: ConformanceHarness): void {
  describe('idempotency keys', () => {
    const ctx = useSuiteContext(harness);

    it('[R5] answers a repeated key with the earlier id and adds nothing', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('dedupe');
      const first = makeEnvelope(queue, { idempotencyKey: 'order-1' });
      const second = makeEnvelope(queue, { idempotencyKey: 'order-1', input: { other: true } });
      expect(await ctx.enqueue(transport, first)).toEqual([{ id: first.id, duplicate: false }]);
      expect(await ctx.enqueue(transport, second)).toEqual([{ id: first.id, duplicate: true }]);
      expect(await transport.getJob(second.id)).toBeNull();
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(idsOf(delivered)).toEqual([first.id]);
      expect(delivered[0]?.envelope.input).toEqual(first.input);
    });

    it('[R5] dedupes whatever state the earlier job is in', async () => {
      const transport = await ctx.transport();
      const states: JobState[] = [
        'waiting',
        'delayed',
        'active',
        'completed',
        'failed',
        'dead',
        'cancelled',
      ];
      for (const state of states) {
        const queue = uniqueQueue(`dedupe-${state}`);
        const earlierId = await jobInState(ctx, transport, queue, state, `key-${state}`);
        expect((await ctx.record(transport, earlierId)).state).toBe(state);
        const again = makeEnvelope(queue, { idempotencyKey: `key-${state}` });
        expect(await ctx.enqueue(transport, again), `duplicate of a ${state} job`).toEqual([
          { id: earlierId, duplicate: true },
        ]);
        expect(await transport.getJob(again.id)).toBeNull();
      }
    });

    it('[R5] lets the first occurrence win within one batch', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('dedupe-batch');
      const envelopes = [
        makeEnvelope(queue, { idempotencyKey: 'a' }),
        makeEnvelope(queue, { idempotencyKey: 'a' }),
        makeEnvelope(queue, { idempotencyKey: 'b' }),
        makeEnvelope(queue, { idempotencyKey: 'b' }),
      ];
      const [a1, a2, b1, b2] = envelopes.map((envelope) => envelope.id);
      expect(await ctx.enqueue(transport, envelopes)).toEqual([
        { id: a1, duplicate: false },
        { id: a1, duplicate: true },
        { id: b1, duplicate: false },
        { id: b1, duplicate: true },
      ]);
      expect(await transport.getJob(a2 as string)).toBeNull();
      expect(await transport.getJob(b2 as string)).toBeNull();
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([a1, b1]);
    });

    it('[R5] scopes keys to their queue', async () => {
      const transport = await ctx.transport();
      const first = makeEnvelope(uniqueQueue('scope'), { idempotencyKey: 'shared' });
      const second = makeEnvelope(uniqueQueue('scope'), { idempotencyKey: 'shared' });
      expect(await ctx.enqueue(transport, [first, second])).toEqual([
        { id: first.id, duplicate: false },
        { id: second.id, duplicate: false },
      ]);
      expect((await ctx.record(transport, second.id)).state).toBe('waiting');
    });

    it('[R5] scopes keys to their task: the same key on another task is a new job', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('task-scope');
      const charge = makeEnvelope(queue, { task: 'shop.charge', idempotencyKey: 'order-1' });
      const email = makeEnvelope(queue, { task: 'shop.email', idempotencyKey: 'order-1' });
      // A task name ending in another's prefix and a key starting with the rest: still apart.
      const tricky = makeEnvelope(queue, { task: 'shop', idempotencyKey: '.email:order-1' });
      expect(await ctx.enqueue(transport, [charge, email, tricky])).toEqual([
        { id: charge.id, duplicate: false },
        { id: email.id, duplicate: false },
        { id: tricky.id, duplicate: false },
      ]);
      const chargeAgain = makeEnvelope(queue, { task: 'shop.charge', idempotencyKey: 'order-1' });
      const emailAgain = makeEnvelope(queue, { task: 'shop.email', idempotencyKey: 'order-1' });
      expect(await ctx.enqueue(transport, [emailAgain, chargeAgain])).toEqual([
        { id: email.id, duplicate: true },
        { id: charge.id, duplicate: true },
      ]);
      expect((await ctx.record(transport, email.id)).envelope.task).toBe('shop.email');
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        charge.id,
        email.id,
        tricky.id,
      ]);
    });

    it('[R5a] answers a duplicate with the fingerprint its key was claimed with', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('fingerprint');
      const first = makeEnvelope(queue, { idempotencyKey: 'order-1' });
      const same = makeEnvelope(queue, { idempotencyKey: 'order-1' });
      expect(await ctx.enqueue(transport, first, { inputFingerprint: 'f1rst' })).toEqual([
        { id: first.id, duplicate: false },
      ]);
      expect(await ctx.enqueue(transport, same, { inputFingerprint: 'f1rst' })).toEqual([
        { id: first.id, duplicate: true, inputFingerprint: 'f1rst' },
      ]);
    });

    it('[R5a] reports a repeated key with a different input through the first fingerprint', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('mismatch');
      const first = makeEnvelope(queue, { idempotencyKey: 'order-1', input: { total: 10 } });
      const changed = makeEnvelope(queue, { idempotencyKey: 'order-1', input: { total: 99 } });
      await ctx.enqueue(transport, first, { inputFingerprint: 'f1rst' });
      // The transport does not judge: it hands back what was stored, and adds nothing.
      expect(await ctx.enqueue(transport, changed, { inputFingerprint: 'changed' })).toEqual([
        { id: first.id, duplicate: true, inputFingerprint: 'f1rst' },
      ]);
      expect(await transport.getJob(changed.id)).toBeNull();
      const [delivered] = await ctx.reserve(transport, queue, { max: 10 });
      expect(delivered?.envelope.input).toEqual({ total: 10 });
    });

    it('[R5a] gives no fingerprint when the first job had none, and none for a repeated id', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('no-fingerprint');
      const first = makeEnvelope(queue, { idempotencyKey: 'k' });
      await ctx.enqueue(transport, first);
      const [keyDuplicate] = await ctx.enqueue(
        transport,
        makeEnvelope(queue, { idempotencyKey: 'k' }),
        {
          inputFingerprint: 'later',
        },
      );
      expect(keyDuplicate).toEqual({ id: first.id, duplicate: true });
      expect(keyDuplicate).not.toHaveProperty('inputFingerprint');
      const [idDuplicate] = await ctx.enqueue(
        transport,
        { ...first, idempotencyKey: 'other' },
        {
          inputFingerprint: 'x',
        },
      );
      expect(idDuplicate).toEqual({ id: first.id, duplicate: true });
      expect(idDuplicate).not.toHaveProperty('inputFingerprint');
    });

    it("[R5a] within one batch, later jobs with the key get the first one's fingerprint", async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('fingerprint-batch');
      const envelopes = [0, 1, 2].map((n) =>
        makeEnvelope(queue, { idempotencyKey: 'k', input: { n } }),
      );
      const results = await transport.enqueue(
        envelopes.map((envelope, n) => ({ envelope, inputFingerprint: `fp${n}` })),
      );
      const [first] = envelopes;
      expect(results).toEqual([
        { id: first?.id, duplicate: false },
        { id: first?.id, duplicate: true, inputFingerprint: 'fp0' },
        { id: first?.id, duplicate: true, inputFingerprint: 'fp0' },
      ]);
    });

    it('[R5] never dedupes jobs without a key, even with equal inputs', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('no-key');
      const first = makeEnvelope(queue, { input: { same: 1 } });
      const second = makeEnvelope(queue, { input: { same: 1 } });
      await ctx.enqueue(transport, first);
      expect(await ctx.enqueue(transport, second)).toEqual([{ id: second.id, duplicate: false }]);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([
        first.id,
        second.id,
      ]);
    });

    it('[R5] holds a key for dedupeWindowMs only; then a new job claims it', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('window');
      const first = makeEnvelope(queue, { idempotencyKey: 'k' });
      await ctx.enqueue(transport, first, { dedupeWindowMs: ctx.ms(3) });
      await ctx.advance(1);
      const early = makeEnvelope(queue, { idempotencyKey: 'k' });
      expect(await ctx.enqueue(transport, early)).toEqual([{ id: first.id, duplicate: true }]);
      await ctx.advance(4);
      const late = makeEnvelope(queue, { idempotencyKey: 'k' });
      expect(await ctx.enqueue(transport, late)).toEqual([{ id: late.id, duplicate: false }]);
      const later = makeEnvelope(queue, { idempotencyKey: 'k' });
      expect(await ctx.enqueue(transport, later)).toEqual([{ id: late.id, duplicate: true }]);
      expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual([first.id, late.id]);
    });
  });
}

/** Enqueues a job with `key` and drives it into `state`; returns its id. */
async function jobInState(
  ctx: SuiteContext,
  transport: Transport,
  queue: string,
  state: JobState,
  key: string,
): Promise<string> {
  const envelope = makeEnvelope(queue, { idempotencyKey: key });
  const delayMs = state === 'delayed' ? ctx.ms(10_000) : undefined;
  await ctx.enqueue(transport, envelope, delayMs === undefined ? {} : { delayMs });
  if (state === 'cancelled') expect(await transport.cancel(envelope.id)).toBe('cancelled');
  if (state === 'waiting' || state === 'delayed' || state === 'cancelled') return envelope.id;
  const reservation = await ctx.reserveOne(transport, queue);
  if (state === 'completed') expect(await ctx.settle(transport, complete(reservation))).toBe('ok');
  if (state === 'failed') expect(await ctx.settle(transport, fail(reservation, false))).toBe('ok');
  if (state === 'dead') expect(await ctx.settle(transport, fail(reservation, true))).toBe('ok');
  return envelope.id;
}
