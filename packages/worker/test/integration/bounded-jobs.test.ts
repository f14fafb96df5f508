// Hostile sizes against a private Redis, in this process: a task throwing a 5 MB message,
// an input written straight into Redis past every producer check, and a result over the
// cap. What is stored and what is logged must stay small.
import { defineTask, type JobRecord } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { JOB_ERROR_LIMITS } from '@conveyor/core/transport';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { captureLogger } from '../helpers.js';
import { useRedisWorkers } from './harness.js';

const MIB = 1024 * 1024;
const queue = uniqueQueue('bounded');
const jobKey = (id: string) => `conveyor:{${queue}}:j:${id.slice(queue.length + 1)}`;

const ran = vi.fn();
const tasks = [
  defineTask({
    name: 'bounded.throws',
    queue,
    input: z.object({ text: z.string() }),
    retry: { attempts: 1 },
    run({ text }) {
      throw new Error(`bad input: ${text.repeat(5 * MIB)}`);
    },
  }),
  defineTask({
    name: 'bounded.echo',
    queue,
    input: z.unknown(),
    run: (input) => {
      ran(input);
      return 'ran';
    },
  }),
  defineTask({
    name: 'bounded.bigResult',
    queue,
    input: z.object({}),
    run: () => ({ blob: 'r'.repeat(MIB) }),
  }),
];

const redis = useRedisWorkers();
const logger = captureLogger();

/** Starts a worker on the queue; stopped after the test. */
function startWorker(): void {
  redis.startWorker({ tasks, queues: [queue], logger, reserveWaitMs: 200 });
}

async function enqueue(task: string, input: unknown): Promise<string> {
  const envelope = makeEnvelope(queue, { task, input: input as never, maxAttempts: 1 });
  await redis.producer().enqueue([{ envelope }]);
  return envelope.id;
}

async function finished(id: string): Promise<JobRecord> {
  const [record] = await redis.finished([id]);
  return record as JobRecord;
}

describe('a task throwing a 5 MB message', () => {
  it('stores and logs a bounded error, with a marker saying how much was cut', async () => {
    startWorker();
    const id = await enqueue('bounded.throws', { text: 'x' });
    const record = await finished(id);
    expect(record.state).toBe('dead');
    const { error } = record;
    expect(error?.message.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.message);
    expect(error?.message).toMatch(/^bad input: x+… \[truncated 5,2\d\d,\d{3} characters\]$/);
    expect(error?.stack?.length).toBeLessThanOrEqual(JOB_ERROR_LIMITS.stack);
    // The job's hash, error field included, stays small (it was 12.6 MB).
    expect(await redis.admin().hstrlen(jobKey(id), 'e')).toBeLessThan(24 * 1024);
    expect(Number(await redis.admin().call('MEMORY', 'USAGE', jobKey(id)))).toBeLessThan(32 * 1024);

    const line = logger.lines.find(
      (l) => l.message === 'job dead-lettered' && l.fields.jobId === id,
    );
    const logged = line?.fields.err as Error | undefined;
    expect(logged?.message).toBe(error?.message);
    expect(logged?.stack).toBe(error?.stack);
    expect(JSON.stringify({ ...line?.fields, err: { ...logged } }).length).toBeLessThan(24 * 1024);
  });
});

describe('payload and result caps in the worker', () => {
  it('dead-letters a 5 MiB input written straight into Redis with PAYLOAD_TOO_LARGE, without running it', async () => {
    // Enqueued small, then overwritten behind the transport's back: no producer check applies.
    const id = await enqueue('bounded.echo', {});
    const raw = JSON.stringify({ blob: 'x'.repeat(5 * MIB) });
    // The waiting job is packed: `<d> <input>` in the queue's hash of packed jobs.
    const packedKey = `conveyor:{${queue}}:j:`;
    const unique = id.slice(queue.length + 1);
    const packed = (await redis.admin().hget(packedKey, unique)) ?? '';
    await redis.admin().hset(packedKey, unique, `${packed.slice(0, packed.indexOf(' '))} ${raw}`);
    startWorker();
    const record = await finished(id);
    expect(ran).not.toHaveBeenCalled();
    expect(record.state).toBe('dead');
    expect(record.error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(record.error?.message).toContain(
      `Job "${id}"'s input for task "bounded.echo" is ${Buffer.byteLength(raw)} bytes, over the ${512 * 1024}-byte limit`,
    );
  });

  it('fails a result over the cap with RESULT_TOO_LARGE and stores no result', async () => {
    startWorker();
    const id = await enqueue('bounded.bigResult', {});
    const record = await finished(id);
    expect(record.state).toBe('failed');
    expect(record.error?.code).toBe('RESULT_TOO_LARGE');
    expect(record.error?.message).toContain('Store large results elsewhere');
    expect(record).not.toHaveProperty('result');
    expect(await redis.admin().hexists(jobKey(id), 'o')).toBe(0);
  });
});
