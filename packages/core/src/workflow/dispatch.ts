import { ENVELOPE_VERSION } from '../envelope.js';
import { workflowJobId } from '../ids.js';
import type { JsonValue } from '../json.js';
import type { EnqueueRequest, Transport } from '../transport.js';
import type { TransportWith } from '../transport-capabilities.js';
import type { DispatchEntry, MapChildren } from '../transport-workflows.js';
import type { WorkflowPlan } from './plan.js';

// The one path from a workflow's outbox to its step jobs (docs/workflows.md §3): the
// producer after `start`, the worker after `record` and `expand`, the sweeper for entries
// left behind, and `retry` all go through it, so a step job looks the same whoever
// enqueued it. A map stage's children, which never sit in the outbox one by one, are
// enqueued by its expand job through `enqueueMapChildren`.

/** What a `workflows` call hands back for the caller to carry out. */
export interface WorkflowEffects {
  /** Step jobs to enqueue, from the outbox. */
  dispatch?: readonly DispatchEntry[];
  /** Jobs of steps the call ended, to cancel (running ones see `ctx.signal` fire). */
  cancel?: readonly string[];
}

/**
 * The enqueue request of a step job: its fixed id, the step's task, queue, attempts and
 * priority, and `workflow` in the envelope. Its input is the map child's item, or `null`
 * for a step whose input the worker resolves from stored results when it runs.
 */
export function stepJobRequest(
  workflowId: string,
  entry: DispatchEntry,
  now: number = Date.now(),
): EnqueueRequest {
  return {
    envelope: {
      v: ENVELOPE_VERSION,
      id: entry.jobId,
      task: entry.task,
      queue: entry.queue,
      input: entry.input ?? null,
      attempt: 0,
      maxAttempts: entry.maxAttempts,
      priority: entry.priority,
      enqueuedAt: now,
      workflow: {
        id: workflowId,
        step: entry.step,
        ...(entry.child === undefined ? {} : { child: entry.child }),
        kind: entry.kind,
      },
    },
  };
}

/**
 * Carries out a `workflows` call's effects: enqueues the step jobs (their ids are fixed, so
 * enqueueing one twice adds one job, rule R3a), then clears them from the outbox, then
 * cancels the jobs the call ended. A crash part-way leaves the entries in the outbox, where
 * any worker's sweeper finds them (`workflows.stale`) and calls this again.
 */
export async function applyWorkflowEffects(
  transport: TransportWith<'workflows'>,
  workflowId: string,
  effects: WorkflowEffects,
): Promise<void> {
  const dispatch = effects.dispatch ?? [];
  if (dispatch.length > 0) {
    const now = Date.now();
    await transport.enqueue(dispatch.map((entry) => stepJobRequest(workflowId, entry, now)));
    await transport.workflows.dispatched(
      workflowId,
      dispatch.map((entry) => entry.jobId),
    );
  }
  await cancelJobs(transport, effects.cancel ?? []);
}

/**
 * Enqueues whatever stands in a workflow's outbox (a writer that died before enqueueing it,
 * or a redelivery handing on what its recorder may not have) through
 * {@link applyWorkflowEffects}; answers the entries it enqueued, none when the outbox was
 * empty. A map's children entry re-enqueues its expand job, which enqueues the children.
 */
export async function flushWorkflowOutbox(
  transport: TransportWith<'workflows'>,
  workflowId: string,
): Promise<DispatchEntry[]> {
  const dispatch = await transport.workflows.outbox(workflowId);
  if (dispatch.length > 0) await applyWorkflowEffects(transport, workflowId, { dispatch });
  return dispatch;
}

/** Child jobs per enqueue call: the first children start while the rest are enqueued. */
export const MAP_CHILDREN_CHUNK = 1_000;
/** Child jobs in the first enqueue call: few, so that the first children start soon. */
export const MAP_CHILDREN_FIRST_CHUNK = 100;

/**
 * Enqueues the map children `expand` answered (docs/workflows.md §3, W7), chunk by chunk
 * (a small first chunk, then {@link MAP_CHILDREN_CHUNK} a call), each with its item as input, then clears the stage's children entry. Their ids are fixed
 * (`workflowJobId` of the child and its retry), so a repeat after a crash adds nothing (rule
 * R3a); until the entry is cleared, the expand job's redelivery comes back here.
 */
export async function enqueueMapChildren(
  transport: TransportWith<'workflows'>,
  workflowId: string,
  plan: WorkflowPlan,
  step: string,
  items: readonly JsonValue[],
  children: MapChildren,
): Promise<void> {
  const def = plan.stages.flatMap((stage) => stage.steps).find((s) => s.name === step);
  if (def === undefined) throw new Error(`map step "${step}" is not in the plan of ${workflowId}`);
  const { task, queue, maxAttempts, priority } = def;
  const { open } = children;
  let size = MAP_CHILDREN_FIRST_CHUNK;
  for (let from = 0; from < open.length; from += size, size = MAP_CHILDREN_CHUNK) {
    const now = Date.now();
    const chunk = open.slice(from, from + size);
    const requests = chunk.map(({ child, retries }) => {
      const jobId = workflowJobId(queue, workflowId, step, child, retries);
      const input = items[child] ?? null;
      const entry: DispatchEntry = {
        step,
        child,
        kind: 'run',
        jobId,
        task,
        queue,
        maxAttempts,
        priority,
        input,
        at: now,
      };
      return stepJobRequest(workflowId, entry, now);
    });
    await transport.enqueue(requests);
  }
  await transport.workflows.dispatched(workflowId, [children.key]);
}

/** Cancels each job (waiting ones never run; running ones are signalled), side by side. */
export async function cancelJobs(transport: Transport, jobIds: readonly string[]): Promise<void> {
  await Promise.all(jobIds.map((id) => transport.cancel(id)));
}
