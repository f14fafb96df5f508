/**
 * BullMQ's flows for the flow case: one parent with its children added in one
 * `FlowProducer.add`, and a worker that runs both (the parent is processed once every child
 * has completed, and reads their values with `job.getChildrenValues()`).
 */
import { FlowProducer, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type BenchPayload, payload } from '../payload.js';
import { checkValues } from './flow-check.js';
import type { Consumer, ConsumerHooks, FlowOutcome, FlowSet, Flows } from './types.js';

const CHILD = 'child';
const PARENT = 'parent';
const PARENT_ID = 'bench-flow-parent';

/** The harness's side: adds the flow, and reads what its parent returned. */
export async function bullmqFlows({ url }: { url: string }): Promise<Flows> {
  const connection = new Redis(url);
  const producer = new FlowProducer({ connection });
  let queue: Queue | undefined;
  return {
    async start(set: FlowSet) {
      queue ??= new Queue(set.queue, { connection });
      await producer.add({
        name: PARENT,
        queueName: set.queue,
        data: payload(0),
        // Kept, so that the harness can read what it returned.
        opts: { jobId: PARENT_ID },
        children: Array.from({ length: set.children }, (_, i) => ({
          name: CHILD,
          queueName: set.queue,
          data: payload(i),
          opts: { removeOnComplete: true, removeOnFail: true },
        })),
      });
    },
    async outcome() {
      const parent = await queue?.getJob(PARENT_ID);
      if (!parent || !(await parent.isCompleted())) return undefined;
      return parent.returnvalue as FlowOutcome;
    },
    async close() {
      await queue?.close();
      await producer.close();
      connection.disconnect();
    },
  };
}

/**
 * A worker for the flow's queue: a child returns its payload's `n`; the parent reads every
 * child's value (`getChildrenValues`, keyed by child job, in no order), puts them in the
 * children's order by value, and returns the check.
 */
export async function bullmqFlowConsumer(
  options: { url: string; concurrency: number },
  set: FlowSet,
  hooks: ConsumerHooks,
): Promise<Consumer> {
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  const worker = new Worker<BenchPayload>(
    set.queue,
    async (job) => {
      if (job.name === CHILD) return job.data.n;
      const values = Object.values(await job.getChildrenValues<number>());
      // BullMQ keeps the values in a hash: the order of the children is not kept.
      values.sort((a, b) => a - b);
      return checkValues(values);
    },
    { connection, concurrency: options.concurrency, autorun: false },
  );
  worker.on('completed', (job) => {
    hooks.onCompleted();
    if (job.name === PARENT) hooks.onParentCompleted?.();
  });
  worker.on('error', () => {
    // Connection errors surface as a parent that never completes: the run is invalid.
  });
  await worker.waitUntilReady();
  let running: Promise<void> | undefined;
  return {
    async start() {
      running = worker.run();
    },
    async stop() {
      await worker.close();
      await running;
      connection.disconnect();
    },
  };
}
