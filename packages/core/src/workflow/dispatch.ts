import { ENVELOPE_VERSION } from '../envelope.js';
import type { EnqueueRequest, Transport } from '../transport.js';
import type { TransportWith } from '../transport-capabilities.js';
import type { DispatchEntry } from '../transport-workflows.js';

// The one path from a workflow's outbox to its step jobs (docs/workflows.md §3): the
// producer after `start`, the worker after `record` and `expand`, the sweeper for entries
// left behind, and `retry` all go through it, so a step job looks the same whoever
// enqueued it.

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

/** Cancels each job (waiting ones never run; running ones are signalled), side by side. */
export async function cancelJobs(transport: Transport, jobIds: readonly string[]): Promise<void> {
  await Promise.all(jobIds.map((id) => transport.cancel(id)));
}
