import {
  type AnyWorkflow,
  type JsonValue,
  memoryTransport,
  newWorkflowId,
  planForRun,
  type TransportWith,
  type WorkflowRecord,
  type WorkflowStatus,
  workflowPlan,
} from '@conveyor/core';
import { applyWorkflowEffects } from '@conveyor/core/worker';
import { afterEach, expect, vi } from 'vitest';
import { createWorker, type Worker, type WorkerOptions } from '../src/index.js';
import { captureLogger } from './helpers.js';

export type WorkflowTransport = TransportWith<'workflows'>;

/** Starts a workflow as a producer does: `start`, then its first stage's jobs enqueued. */
export async function startWorkflow(
  transport: WorkflowTransport,
  workflow: AnyWorkflow,
  input: JsonValue,
): Promise<string> {
  const id = newWorkflowId();
  const plan = planForRun(workflowPlan(workflow), id);
  const started = await transport.workflows.start({ id, plan, input });
  await applyWorkflowEffects(transport, id, started);
  return id;
}

/** Waits until the workflow's status is `status` (condition wait); answers its record. */
export async function settledAs(
  transport: WorkflowTransport,
  id: string,
  status: WorkflowStatus,
  timeout = 30_000,
): Promise<WorkflowRecord> {
  let record: WorkflowRecord | null = null;
  await vi.waitFor(
    async () => {
      record = await transport.workflows.get(id);
      expect(record?.status).toBe(status);
    },
    { timeout, interval: 10 },
  );
  return record as unknown as WorkflowRecord;
}

/** The result of step `step` as stored (one for a step). */
export async function resultOf(transport: WorkflowTransport, id: string, step: string) {
  const [result] = await transport.workflows.results(id, step);
  return result;
}

/**
 * Workers on the real clock for the calling file: `start` makes one (on a memory transport
 * unless one is given), stopped after each test, its transport closed when made here.
 */
export function useWorkflowWorkers(): {
  start(
    options: Partial<WorkerOptions> & Pick<WorkerOptions, 'workflows'>,
    transport?: WorkflowTransport,
  ): { transport: WorkflowTransport; worker: Worker };
} {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });
  return {
    start(options, given) {
      const transport = given ?? memoryTransport();
      const worker = createWorker({
        transport,
        tasks: [],
        logger: captureLogger(),
        reserveWaitMs: 50,
        // No test here waits out a lease of this default, and many count runs exactly: a
        // lease the busy machine's event-loop delays could outlast would run a job twice.
        leaseMs: 10_000,
        concurrency: 20,
        ...options,
      });
      const running = worker.start();
      cleanup.push(async () => {
        await worker.stop({ graceMs: 0 });
        await running;
        if (!given) await transport.close();
      });
      return { transport, worker };
    },
  };
}
