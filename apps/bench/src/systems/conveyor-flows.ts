/**
 * Conveyor's flows for the flow case: a workflow whose `map` stage has one child per
 * payload and whose fan-in step receives the children's results in order, started through
 * `client.workflows.start` and run by `createWorker({ workflows })`, all public API.
 */
import { createClient, defineTask, defineWorkflow, silentLogger } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { createWorker } from '@conveyor/worker';
import { z } from 'zod';
import { type BenchPayload, benchPayloadSchema, payload } from '../payload.js';
import { checkValues } from './flow-check.js';
import type { Consumer, ConsumerHooks, FlowOutcome, FlowSet, Flows } from './types.js';

const PARENT_TASK = 'bench.flowParent';

/**
 * The flow on `queue`: `children` (the workflow's input) children that return their
 * payload's `n`, then the parent, which gets their results in the order of the items and
 * checks them. A workflow's steps go to their tasks' queues, so the tasks are made per queue
 * (as the schedules case does); the harness and the workers make the same ones.
 */
export function flowWorkflow(queue: string) {
  const child = defineTask({
    name: 'bench.flowChild',
    input: benchPayloadSchema,
    queue,
    retry: { attempts: 1 },
    // As BullMQ's children are removed on completion: the parent reads their results from
    // the workflow's record, not from their jobs.
    removeOnComplete: true,
    run: (job: BenchPayload) => job.n,
  });
  const parent = defineTask({
    name: PARENT_TASK,
    input: z.array(z.number()),
    queue,
    retry: { attempts: 1 },
    run: (values: number[]): FlowOutcome => checkValues(values),
  });
  const workflow = defineWorkflow({
    name: 'bench.flow',
    input: z.object({ children: z.number().int().min(1) }),
    steps: (flow) =>
      flow
        .map('children', child, {
          items: (_, input) => Array.from({ length: input.children }, (_, i) => payload(i)),
        })
        .step('parent', parent),
  });
  return { child, parent, workflow };
}

/** The harness's side: starts the workflow, and reads its result once it has completed. */
export async function conveyorFlows({ url }: { url: string }): Promise<Flows> {
  const transport = redisTransport({ url, logger: silentLogger });
  const client = createClient({ transport });
  let read: (() => Promise<FlowOutcome | undefined>) | undefined;
  return {
    async start(set: FlowSet) {
      const { workflow } = flowWorkflow(set.queue);
      const run = await client.workflows.start(workflow, { children: set.children });
      read = async () => {
        if ((await run.status())?.status !== 'completed') return undefined;
        return (await run.result({ timeout: 1_000 })) as FlowOutcome;
      };
    },
    outcome: () => read?.() ?? Promise.resolve(undefined),
    close: () => client.close(),
  };
}

/** A worker given the workflow (`createWorker({ workflows })`): it runs the children and the parent. */
export async function conveyorFlowConsumer(
  options: { url: string; concurrency: number; prefetch: number },
  set: FlowSet,
  hooks: ConsumerHooks,
): Promise<Consumer> {
  const transport = redisTransport({ url: options.url, logger: silentLogger });
  // One read opens the connection, so that start-up is not timed.
  await transport.getJob(`${set.queue}:warmup`);
  const { child, parent, workflow } = flowWorkflow(set.queue);
  const worker = createWorker({
    transport,
    tasks: [child, parent],
    workflows: [workflow],
    queues: [set.queue],
    concurrency: options.concurrency,
    prefetch: options.prefetch,
    logger: silentLogger,
  });
  worker.on((event) => {
    if (event.type !== 'completed') return;
    hooks.onCompleted();
    if (event.task === PARENT_TASK) hooks.onParentCompleted?.();
  });
  let running: Promise<void> | undefined;
  return {
    async start() {
      running = worker.start();
    },
    async stop() {
      if (running) {
        await worker.stop();
        await running;
      }
      await transport.close();
    },
  };
}
