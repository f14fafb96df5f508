import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../envelope.js';
import { baseQueueOf } from '../../partitions.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../payload-size.js';
import { complete, fail, idsOf, useSuiteContext } from './context.js';
import { type ConformanceHarness, makeEnvelope, storedQueue, uniqueQueue } from './harness.js';

/** An envelope of `queue` whose JSON is exactly `bytes` UTF-8 bytes long. */
function envelopeOfSize(queue: string, bytes: number): JobEnvelope {
  const envelope = makeEnvelope(queue, { input: '' });
  const base = Buffer.byteLength(JSON.stringify(envelope), 'utf8');
  envelope.input = 'x'.repeat(bytes - base);
  return envelope;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Long enough never to come due during a test: 1,000 units. */
const LONG = 1_000;

/** R1–R3b: job ids, queues, batch enqueue, ids never reused (R3a), and the payload cap. */
export function enqueueRules(harness: ConformanceHarness): void {
  describe('jobs, queues and enqueue', () => {
    const ctx = useSuiteContext(harness);

    it('[R1] keeps the producer-chosen id through enqueue, getJob and reserve', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('ids');
      const envelope = makeEnvelope(queue);
      expect(envelope.id.startsWith(`${queue}:`)).toBe(true);
      expect(await ctx.enqueue(transport, envelope)).toEqual([
        { id: envelope.id, duplicate: false },
      ]);
      expect((await ctx.record(transport, envelope.id)).id).toBe(envelope.id);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope.id).toBe(envelope.id);
    });

    it('[R1] stores the envelope as JSON: every field and the nested input come back unchanged', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('json');
      const now = await ctx.now(transport);
      const envelope = makeEnvelope(queue, {
        task: 'shop.sendWelcomeEmail',
        input: {
          text: 'héllo "wörld" \n ✓',
          zero: 0,
          negative: -1.5,
          flag: false,
          nothing: null,
          list: [1, 'two', { three: [3] }, []],
          nested: { deep: { deeper: { deepest: 'yes' } }, empty: {} },
        },
        maxAttempts: 7,
        priority: 2,
        enqueuedAt: 1_764_000_000_000,
        idempotencyKey: `key-${queue}`,
        expiresAt: now + ctx.ms(100_000),
        schema: 'sha256:abc',
      });
      await ctx.enqueue(transport, envelope);
      expect((await ctx.record(transport, envelope.id)).envelope).toEqual(envelope);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope).toEqual({ ...envelope, attempt: 1 });
    });

    it('[R1] keeps its own copy: mutating the enqueued envelope or a returned record changes nothing', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('copy');
      const envelope = makeEnvelope(queue, { input: { list: [1, 2] }, priority: 5 });
      const original = structuredClone(envelope);
      await ctx.enqueue(transport, envelope);
      envelope.priority = 9;
      envelope.task = 'mutated';
      (envelope.input as { list: number[] }).list.push(3);
      const record = await ctx.record(transport, original.id);
      record.state = 'completed';
      record.envelope.task = 'mutated again';
      expect(await ctx.record(transport, original.id)).toMatchObject({
        state: 'waiting',
        envelope: original,
      });
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope).toEqual({ ...original, attempt: 1 });
    });

    it('[R2] never mixes jobs of different queues, even when one name prefixes the other', async () => {
      const transport = await ctx.transport();
      const base = baseQueueOf(uniqueQueue('mix'));
      const first = storedQueue(base);
      const second = storedQueue(`${base}.b`);
      const firstJobs = await ctx.jobs(transport, first, 3);
      const secondJobs = await ctx.jobs(transport, second, 2);
      expect(idsOf(await ctx.reserve(transport, second, { max: 10 }))).toEqual(
        secondJobs.map((job) => job.id),
      );
      expect(idsOf(await ctx.reserve(transport, second, { max: 10 }))).toEqual([]);
      expect(idsOf(await ctx.reserve(transport, first, { max: 10 }))).toEqual(
        firstJobs.map((job) => job.id),
      );
    });

    it('[R2] accepts queue names using every allowed character, up to 64 long', async () => {
      const transport = await ctx.transport();
      const queues = [uniqueQueue('Az09_.x'), uniqueQueue('q'.repeat(80))];
      expect(baseQueueOf(queues[1] as string)).toHaveLength(64);
      for (const queue of queues) {
        const [job] = await ctx.jobs(transport, queue, 1);
        const reservation = await ctx.reserveOne(transport, queue);
        expect(reservation.envelope.id).toBe(job?.id);
        expect(reservation.envelope.queue).toBe(queue);
      }
    });

    it('[R3] answers a batch in request order with duplicate: false; each job is waiting', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('batch');
      const envelopes = Array.from({ length: 5 }, (_, index) =>
        makeEnvelope(queue, { input: { index } }),
      );
      const results = await ctx.enqueue(transport, envelopes);
      expect(results).toEqual(envelopes.map((envelope) => ({ id: envelope.id, duplicate: false })));
      for (const envelope of envelopes) {
        const record = await ctx.record(transport, envelope.id);
        expect(record).toMatchObject({ id: envelope.id, state: 'waiting', attempts: 0 });
        expect(Number.isFinite(record.enqueuedAt)).toBe(true);
      }
    });

    it('[R3] answers an empty batch with an empty list', async () => {
      const transport = await ctx.transport();
      expect(await transport.enqueue([])).toEqual([]);
    });

    it('[R3a] never overwrites a stored job, whether it waits, is delayed, runs or has finished', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('reuse');
      const envelopes: Record<string, JobEnvelope> = {};
      const jobOf = (state: string) => {
        const envelope = makeEnvelope(queue, { input: { state } });
        envelopes[state] = envelope;
        return envelope;
      };
      // One job in each state, made one at a time so that each reserve takes the right one.
      await ctx.enqueue(transport, jobOf('completed'));
      await ctx.settle(transport, complete(await ctx.reserveOne(transport, queue), 'first'));
      await ctx.enqueue(transport, jobOf('dead'));
      await ctx.settle(transport, fail(await ctx.reserveOne(transport, queue), true));
      await ctx.enqueue(transport, jobOf('active'));
      const running = await ctx.reserveOne(transport, queue);
      await ctx.enqueue(transport, jobOf('waiting'));
      await ctx.enqueue(transport, jobOf('delayed'), { delayMs: ctx.ms(LONG) });
      const states = Object.keys(envelopes);
      const before = await Promise.all(
        states.map((state) => ctx.record(transport, envelopes[state]?.id as string)),
      );
      expect(before.map((record) => record.state)).toEqual(states);

      // The same ids again, with everything else changed.
      const again = states.map((state) => ({
        envelope: {
          ...(envelopes[state] as JobEnvelope),
          task: 'conformance.other',
          input: { overwritten: true },
          priority: 9,
          maxAttempts: 1,
        },
      }));
      const ids = before.map((record) => record.id);
      const duplicates = ids.map((id) => ({ id, duplicate: true }));
      expect(await transport.enqueue(again)).toEqual(duplicates);
      const delayedAgain = again.map((request) => ({ ...request, delayMs: ctx.ms(LONG) }));
      expect(await transport.enqueue(delayedAgain)).toEqual(duplicates);
      const dueAgain = again.map((request) => ({ ...request, delayMs: 0 }));
      expect(await transport.enqueue(dueAgain)).toEqual(duplicates);

      for (const [index, id] of ids.entries()) {
        expect(await ctx.record(transport, id), `the ${states[index]} job`).toEqual(before[index]);
      }
      // The running job's lease still holds, and only the original waiting job is delivered.
      expect(await ctx.settle(transport, complete(running, 'second'))).toBe('ok');
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(delivered.map((reservation) => reservation.envelope)).toEqual([
        { ...envelopes.waiting, attempt: 1 },
      ]);
      await ctx.expectDeadLetters(transport, queue, [envelopes.dead?.id as string]);
    });

    it('[R3a] stores an id given twice in one batch once: the first, and the second is a duplicate', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('reuse-batch');
      const first = makeEnvelope(queue, { input: { first: true } });
      const second = { ...first, input: { first: false }, priority: 9 };
      expect(await ctx.enqueue(transport, [first, second])).toEqual([
        { id: first.id, duplicate: false },
        { id: first.id, duplicate: true },
      ]);
      const delivered = await ctx.reserve(transport, queue, { max: 10 });
      expect(delivered.map((reservation) => reservation.envelope)).toEqual([
        { ...first, attempt: 1 },
      ]);
    });

    it('[R3b] refuses a call holding a job over 512 KiB with PAYLOAD_TOO_LARGE, storing none of it', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('payload');
      const small = makeEnvelope(queue);
      const big = makeEnvelope(queue, { input: { blob: 'x'.repeat(2 * 1024 * 1024) } });
      const error = await rejection(transport.enqueue([{ envelope: small }, { envelope: big }]));
      expect(error).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        limit: DEFAULT_MAX_PAYLOAD_BYTES,
        jobId: big.id,
      });
      const bytes = Buffer.byteLength(JSON.stringify(big), 'utf8');
      expect((error as Error).message).toContain(
        `Job ${JSON.stringify(big.id)} for task "conformance.task" is ${bytes} bytes, over the ${DEFAULT_MAX_PAYLOAD_BYTES}-byte limit`,
      );
      // The producer's inputJson (what the client passes) is measured the same way.
      const withJson = { envelope: big, inputJson: JSON.stringify(big.input) };
      expect(await rejection(transport.enqueue([withJson]))).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        bytes,
      });
      expect(await transport.getJob(small.id)).toBeNull();
      expect(await transport.getJob(big.id)).toBeNull();
      expect(await ctx.reserve(transport, queue, { max: 10 })).toEqual([]);
    });

    it('[R3b] measures the whole envelope in UTF-8 bytes: a job of exactly 512 KiB is accepted, one byte more is not', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('payload-edge');
      const over = envelopeOfSize(queue, DEFAULT_MAX_PAYLOAD_BYTES + 1);
      expect(await rejection(transport.enqueue([{ envelope: over }]))).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        bytes: DEFAULT_MAX_PAYLOAD_BYTES + 1,
      });
      const at = envelopeOfSize(queue, DEFAULT_MAX_PAYLOAD_BYTES);
      await ctx.enqueue(transport, at);
      const reservation = await ctx.reserveOne(transport, queue);
      expect(reservation.envelope).toEqual({ ...at, attempt: 1 });
    });

    it('[R6] a reservation that reports inputBytes gives the UTF-8 size of the input JSON', async () => {
      const transport = await ctx.transport();
      const queue = uniqueQueue('input-bytes');
      const envelope = makeEnvelope(queue, { input: { text: 'héllo ✓ 😀', list: [1, 2] } });
      await ctx.enqueue(transport, envelope);
      const { inputBytes } = await ctx.reserveOne(transport, queue);
      if (inputBytes === undefined) return;
      expect(inputBytes).toBe(Buffer.byteLength(JSON.stringify(envelope.input), 'utf8'));
    });

    it('[R3] accepts one batch spanning several queues', async () => {
      const transport = await ctx.transport();
      const queues = [uniqueQueue('span'), uniqueQueue('span'), uniqueQueue('span')];
      const envelopes: JobEnvelope[] = [0, 1, 2, 0, 1].map((index) =>
        makeEnvelope(queues[index] as string),
      );
      const results = await ctx.enqueue(transport, envelopes);
      expect(results.map((result) => result.id)).toEqual(envelopes.map((envelope) => envelope.id));
      for (const queue of queues) {
        const expected = envelopes.filter((envelope) => envelope.queue === queue);
        expect(idsOf(await ctx.reserve(transport, queue, { max: 10 }))).toEqual(
          expected.map((envelope) => envelope.id),
        );
      }
    });
  });
}
