import { createClient, defineTask, defineWorkflow } from '@conveyor/core';
import { parsePartitionName } from '@conveyor/core/transport';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger } from './helpers.js';
import { settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

// A partitioned queue on a private redis-server: each partition is a queue of its own to
// the transport, and the worker reserves from all of them.

let redis: RedisServer;
const transports: RedisTransport[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(transports.map((transport) => transport.close()));
  await redis?.stop();
});

function transport(): RedisTransport {
  const made = redisTransport({
    url: redis.url,
    prefix: `part-${Math.random().toString(36).slice(2, 8)}`,
  });
  transports.push(made);
  return made;
}

describe('partitioned queues on Redis', () => {
  it('runs every job of every partition, each partitionBy key in order', async () => {
    const ran: { key: string; n: number }[] = [];
    const task = defineTask({
      name: 'pr.note',
      queue: { name: 'pr', partitions: 3, partitionBy: 'key' },
      input: z.object({ key: z.string(), n: z.number() }),
      run: (input) => {
        ran.push(input);
        return input.n;
      },
    });
    const shared = transport();
    const client = createClient({ transport: shared });
    const inputs = Array.from({ length: 90 }, (_, n) => ({ key: `k${n % 5}`, n }));
    const handles = await client.enqueueMany(task, inputs);
    const used = new Set(
      handles.map(({ id }) => parsePartitionName(id.split(':')[0] ?? '')?.partition),
    );
    expect(used.size).toBeGreaterThan(1);
    const worker = createWorker({
      transport: shared,
      tasks: [task],
      logger: captureLogger(),
      concurrency: 1,
      reserveWaitMs: 100,
    });
    const running = worker.start();
    await vi.waitFor(() => expect(ran).toHaveLength(90), { timeout: 20_000, interval: 20 });
    for (let key = 0; key < 5; key++) {
      const order = ran.filter((input) => input.key === `k${key}`).map((input) => input.n);
      expect(order).toEqual(inputs.filter((input) => input.key === `k${key}`).map((i) => i.n));
    }
    for (const handle of handles.slice(0, 5)) {
      expect((await client.getJob(handle.id))?.state).toBe('completed');
    }
    await worker.stop({ graceMs: 0 });
    await running;
  });

  const workers = useWorkflowWorkers();

  it('completes a workflow whose steps run on partitions', async () => {
    const add = defineTask({
      name: 'pr.add',
      queue: { name: 'prwf', partitions: 3 },
      input: z.object({ n: z.number() }),
      run: ({ n }) => ({ n: n + 1 }),
    });
    const flow = defineWorkflow({
      name: 'pr.flow',
      input: z.object({ n: z.number() }),
      steps: (f) =>
        f
          .step('first', add, { input: (_, input) => input })
          .map('each', add, { items: (first) => [first, first] }),
    });
    const { transport: shared } = workers.start({ workflows: [flow] }, transport());
    const id = await startWorkflow(shared, flow, { n: 1 });
    const record = await settledAs(shared, id, 'completed', 20_000);
    expect(record.steps.every((step) => /^prwf~\dof3:/.test(step.jobId ?? ''))).toBe(true);
  });

  it("spreads a step's jobs over the partitions run by run, a run's jobs of one step together", async () => {
    const add = defineTask({
      name: 'pr.spread',
      queue: { name: 'prspread', partitions: 3 },
      input: z.object({ n: z.number() }),
      run: ({ n }) => ({ n: n + 1 }),
    });
    const flow = defineWorkflow({
      name: 'pr.spreadFlow',
      input: z.object({ n: z.number() }),
      steps: (f) =>
        f
          .step('first', add, { input: (_, input) => input })
          .map('each', add, { items: (first) => [first, first, first] }),
    });
    const { transport: shared } = workers.start({ workflows: [flow] }, transport());
    const client = createClient({ transport: shared });
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, n) => client.workflows.start(flow, { n })),
    );
    const records = await Promise.all(
      runs.map((run) => settledAs(shared, run.id, 'completed', 30_000)),
    );
    const partitionOf = (jobId: string | undefined) =>
      parsePartitionName((jobId ?? '').split(':')[0] ?? '')?.partition;
    // 12 runs whose ids pick among 3 partitions: all on one would be a 1 in 177,147 chance.
    const firsts = new Set(
      records.map((record) => partitionOf(record.steps.find((s) => s.step === 'first')?.jobId)),
    );
    expect(firsts.size).toBeGreaterThan(1);
    for (const record of records) {
      const stepQueues = record.plan.stages.map((stage) => stage.steps[0]?.queue);
      const each = record.steps.filter((s) => s.step === 'each' && s.child !== undefined);
      expect(each).toHaveLength(3);
      for (const child of each) {
        expect(child.jobId?.startsWith(`${stepQueues[1]}:`)).toBe(true);
      }
    }
  });
});
