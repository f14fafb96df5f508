import { cancelJobs, defineTask, defineWorkflow } from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resultOf, settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

// On a private redis-server: workflow state under {wf:<id>} hash tags, step jobs on their
// queues, hand-offs through the outbox, exactly as on the memory transport.

let redis: RedisServer;
const transports: RedisTransport[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await redis?.stop();
});

/** A transport on the private server; the same `prefix` is the same broker's key space. */
function transport(prefix: string): RedisTransport {
  const made = redisTransport({ url: redis.url, prefix });
  transports.push(made);
  return made;
}

const uniquePrefix = () => `wf-${Math.random().toString(36).slice(2, 8)}`;

const runs: Record<string, number> = {};
const count = (name: string) => {
  runs[name] = (runs[name] ?? 0) + 1;
};

const split = defineTask({
  name: 'rw.split',
  queue: 'rw',
  input: z.object({ words: z.string() }),
  run: ({ words }) => {
    count('split');
    return words.split(' ');
  },
});
const upper = defineTask({
  name: 'rw.upper',
  queue: 'rw-map',
  input: z.string(),
  run: async (word) => {
    count('upper');
    await new Promise((resolve) => setTimeout(resolve, word.length % 3));
    return word.toUpperCase();
  },
});
const join = defineTask({
  name: 'rw.join',
  queue: 'rw',
  input: z.array(z.string()),
  run: (words) => {
    count('join');
    return words.join('-');
  },
});
const shout = defineWorkflow({
  name: 'rw.shout',
  input: z.object({ words: z.string() }),
  steps: (flow) =>
    flow
      .step('split', split)
      .map('upper', upper, { items: (words) => words })
      .step('join', join),
});

describe('workflows on Redis', () => {
  const workers = useWorkflowWorkers();

  it('runs a chain with a map stage and a fan-in to completion, results in order, each step once', async () => {
    const prefix = uniquePrefix();
    const broker = transport(prefix);
    workers.start({ workflows: [shout] }, broker);
    // A second worker process shares the map's children.
    workers.start({ workflows: [shout] }, transport(prefix));
    const words = 'the quick brown fox jumps over the lazy dog again and again';
    const id = await startWorkflow(broker, shout, { words });
    await settledAs(broker, id, 'completed');
    expect(await resultOf(broker, id, 'join')).toBe(words.toUpperCase().split(' ').join('-'));
    expect(runs).toEqual({ split: 1, upper: 12, join: 1 });
  });

  it("cancelling from another client aborts the running step's signal", async () => {
    let started = false;
    const reasons: unknown[] = [];
    const wait = defineTask({
      name: 'rw.wait',
      queue: 'rw',
      input: z.unknown(),
      run: (_input, ctx) =>
        new Promise((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            reasons.push(ctx.signal.reason);
            reject(ctx.signal.reason);
          });
        }),
    });
    const waiting = defineWorkflow({
      name: 'rw.waiting',
      input: z.object({}),
      steps: (flow) => flow.step('wait', wait).step('join', join, { input: () => [] }),
    });
    const prefix = uniquePrefix();
    const broker = transport(prefix);
    workers.start({ workflows: [waiting] }, broker);
    const id = await startWorkflow(broker, waiting, {});
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 15_000 });
    const client = transport(prefix);
    const cancelled = await client.workflows.cancel(id);
    await cancelJobs(client, cancelled.cancel);
    await vi.waitFor(() => expect(reasons).toMatchObject([{ code: 'JOB_CANCEL_REQUESTED' }]), {
      timeout: 15_000,
    });
    const record = await settledAs(broker, id, 'cancelled');
    await vi.waitFor(
      async () =>
        expect((await broker.getJob(record.steps[0]?.jobId as string))?.state).toBe('cancelled'),
      { timeout: 15_000 },
    );
  });
});
