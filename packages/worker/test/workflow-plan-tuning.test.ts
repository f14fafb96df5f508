import {
  type AnyTaskContract,
  defineTask,
  defineWorkflow,
  memoryTransport,
  type WorkflowRecord,
} from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  resultOf,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

// docs/workflows.md §2, "Skew": a run started with one definition, whose later steps run on
// workers deployed with another. Tuning a task's retry attempts or priority is no skew (the
// run keeps the values of its stored plan); another task in a step is.

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let opened: WorkflowTransport[] = [];
afterEach(async () => {
  // After the workers stopped: their afterEach is the inner suite's, which runs first.
  for (const transport of opened) await transport.close();
  opened = [];
});

const transports = {
  memory: () => memoryTransport(),
  redis: () =>
    redisTransport({ url: redis.url, prefix: `pt-${Math.random().toString(36).slice(2, 8)}` }),
};

const Input = z.object({ n: z.number() });
const task = (name: string, queue: string, options: { attempts?: number; priority?: number }) =>
  defineTask({
    name,
    queue,
    input: Input,
    ...(options.attempts === undefined ? {} : { retry: { attempts: options.attempts } }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    run: ({ n }) => ({ n: n + 1 }),
  });

/** fetch (on `pt-a`) → aggregate → email (both on `pt-b`). */
const report = (aggregate: AnyTaskContract, email: AnyTaskContract) =>
  defineWorkflow({
    name: 'pt.report',
    input: Input,
    steps: (flow) =>
      flow
        .step('fetch', task('pt.fetch', 'pt-a', {}))
        .step('aggregate', aggregate as ReturnType<typeof task>)
        .step('email', email as ReturnType<typeof task>),
  });

const started = report(task('pt.aggregate', 'pt-b', {}), task('pt.sendEmail', 'pt-b', {}));

/** The run's status once it left `running`, and its record. */
async function ended(transport: WorkflowTransport, id: string): Promise<WorkflowRecord> {
  let record: WorkflowRecord | null = null;
  await vi.waitFor(
    async () => {
      record = await transport.workflows.get(id);
      expect(record?.status).not.toBe('running');
    },
    { timeout: 30_000, interval: 10 },
  );
  return record as unknown as WorkflowRecord;
}

describe.each(Object.keys(transports) as Array<keyof typeof transports>)(
  'a run whose later steps run on a redeployed worker (%s)',
  (kind) => {
    const workers = useWorkflowWorkers();

    /** The run's first step on a worker with `started`; the rest on one with `deployed`. */
    function deploy(deployed: ReturnType<typeof report>): WorkflowTransport {
      const transport = transports[kind]();
      opened.push(transport);
      workers.start({ workflows: [started], queues: ['pt-a'] }, transport);
      workers.start({ workflows: [deployed], queues: ['pt-b'] }, transport);
      return transport;
    }

    it("completes when only the tasks' retry attempts and priority changed, with the run's own", async () => {
      const tuned = report(
        task('pt.aggregate', 'pt-b', { attempts: 5 }),
        task('pt.sendEmail', 'pt-b', { attempts: 5, priority: 7 }),
      );
      const transport = deploy(tuned);
      const id = await startWorkflow(transport, started, { n: 0 });
      const record = await ended(transport, id);
      expect(record.steps[2]?.error).toBeUndefined();
      expect(record.status).toBe('completed');
      expect(await resultOf(transport, id, 'email')).toEqual({ n: 3 });
      // `email` was enqueued after the tuned worker recorded `aggregate`: with the attempts
      // and priority of the run's stored plan, not the redeployed definition's.
      const job = await transport.getJob(record.steps[2]?.jobId as string);
      expect(job?.envelope).toMatchObject({ task: 'pt.sendEmail', maxAttempts: 3, priority: 5 });
    });

    it('fails WORKFLOW_SKEW, naming the step and both tasks, when the step has another task', async () => {
      const renamed = report(
        task('pt.summarize', 'pt-b', { attempts: 5 }),
        task('pt.sendEmail', 'pt-b', { priority: 7 }),
      );
      const transport = deploy(renamed);
      const id = await startWorkflow(transport, started, { n: 0 });
      const record = await ended(transport, id);
      expect(record.status).toBe('failed');
      expect(record.steps.map((step) => step.state)).toEqual(['completed', 'failed', 'cancelled']);
      const error = record.steps[1]?.error;
      expect(error?.code).toBe('WORKFLOW_SKEW');
      expect(error?.message).toContain(
        'they differ: step "aggregate": task "pt.aggregate" in the run, "pt.summarize" in this worker.',
      );
      expect(error?.message).toContain('Deploy the same definition to producers and workers');
    });
  },
);
