import { describe, expect, it } from 'vitest';
import { ATTEMPT_MESSAGE_LIMIT, attemptError, type JobError } from '../../job-error.js';
import { ATTEMPT_HISTORY_LIMIT } from '../../transport.js';
import { complete, fail, jobError, retry, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, uniqueQueue } from './harness.js';

/** R26: `JobRecord.history`, the attempts that ended in an error. Every transport keeps it. */
export function historyRules(harness: ConformanceHarness): void {
  describe('history', () => {
    const ctx = useSuiteContext(harness);

    it('[R26] records each attempt that ends in a retry, a failure or a dead letter, oldest first', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('history');
      const envelope = makeEnvelope(queue, { maxAttempts: 3 });
      await ctx.enqueue(transport, envelope);
      const before = await ctx.now(transport);
      const errors = [1, 2, 3].map((attempt) =>
        jobError(`attempt ${attempt} failed`, `E${attempt}`),
      );
      for (const [index, error] of errors.entries()) {
        const reservation = await ctx.reserveOne(transport, queue);
        expect(reservation.envelope.attempt).toBe(index + 1);
        const last = index === errors.length - 1;
        const settlement = last ? fail(reservation, true, { error }) : retry(reservation, 0, error);
        expect(await ctx.settle(transport, settlement)).toBe('ok');
      }
      const after = await ctx.now(transport);
      const record = await ctx.record(transport, envelope.id);
      expect(record.state).toBe('dead');
      expect(record.history).toHaveLength(3);
      expect(record.history?.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
      expect(record.history?.map((attempt) => attempt.error)).toEqual(errors);
      for (const attempt of record.history ?? []) {
        expect(attempt.endedAt).toBeGreaterThanOrEqual(before);
        expect(attempt.endedAt).toBeLessThanOrEqual(after);
        if (attempt.startedAt !== undefined) {
          expect(attempt.startedAt).toBeGreaterThanOrEqual(before);
          expect(attempt.startedAt).toBeLessThanOrEqual(attempt.endedAt);
        }
      }
      expect(record.error).toEqual(errors[2]);
    });

    it("[R26] keeps an attempt's error without its stack and with the message cut; the job keeps the latest whole", async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('history-compact');
      const [envelope] = await ctx.jobs(transport, queue, 1, { maxAttempts: 2 });
      const long: JobError = {
        ...jobError(`bad input: ${'x'.repeat(3 * ATTEMPT_MESSAGE_LIMIT)}`, 'E_LONG'),
        stack: `ConformanceError: bad input\n${'    at frame (file.js:1:1)\n'.repeat(200)}`,
      };
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, retry(reservation, 0, long))).toBe('ok');
      const record = await ctx.record(transport, envelope?.id as string);
      expect(record.error).toEqual(long);
      const kept = record.history?.[0]?.error;
      expect(kept).toEqual(attemptError(long));
      expect(kept?.stack).toBeUndefined();
      expect(kept?.code).toBe('E_LONG');
      expect(kept?.message.length).toBeLessThanOrEqual(ATTEMPT_MESSAGE_LIMIT);
      expect(kept?.message).toMatch(/^bad input: x+… \[truncated [\d,]+ characters\]$/);
    });

    it('[R26] records nothing for an attempt that completes or is released', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('history-ok');
      const [envelope] = await ctx.jobs(transport, queue, 1);
      const released = await ctx.reserveOne(transport, queue);
      expect(
        await ctx.settle(transport, {
          type: 'release',
          id: released.envelope.id,
          token: released.token,
        }),
      ).toBe('ok');
      const reservation = await ctx.reserveOne(transport, queue);
      expect(await ctx.settle(transport, complete(reservation, 'ok'))).toBe('ok');
      const record = await ctx.record(transport, envelope?.id as string);
      expect(record.history ?? []).toEqual([]);
    });

    it('[R26] records a lease that ran out, with code LEASE_EXPIRED', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('history-lease');
      const [envelope] = await ctx.jobs(transport, queue, 1, { maxAttempts: 2 });
      await ctx.reserveOne(transport, queue, { leaseUnits: 2 });
      await ctx.advance(3);
      const record = await ctx.record(transport, envelope?.id as string);
      expect(record.state).toBe('waiting');
      expect(record.history).toHaveLength(1);
      expect(record.history?.[0]).toMatchObject({
        attempt: 1,
        error: { code: 'LEASE_EXPIRED' },
      });
    });

    it(`[R26] keeps the newest ${ATTEMPT_HISTORY_LIMIT} attempts`, async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('history-bound');
      const failures = ATTEMPT_HISTORY_LIMIT + 3;
      const [envelope] = await ctx.jobs(transport, queue, 1, { maxAttempts: failures + 5 });
      for (let attempt = 1; attempt <= failures; attempt++) {
        const reservation = await ctx.reserveOne(transport, queue);
        const error = jobError(`attempt ${attempt}`);
        const settlement =
          attempt === failures ? fail(reservation, false, { error }) : retry(reservation, 0, error);
        expect(await ctx.settle(transport, settlement)).toBe('ok');
      }
      const record = await ctx.record(transport, envelope?.id as string);
      expect(record.state).toBe('failed');
      expect(record.history?.map((attempt) => attempt.attempt)).toEqual(
        Array.from(
          { length: ATTEMPT_HISTORY_LIMIT },
          (_, index) => failures - ATTEMPT_HISTORY_LIMIT + index + 1,
        ),
      );
      expect(record.history?.at(-1)?.error.message).toBe(`attempt ${failures}`);
    });
  });
}
