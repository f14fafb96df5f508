import type { TransportWith } from '../transport-capabilities.js';
import type { WorkflowStatus } from '../transport-workflows.js';
import { applyWorkflowEffects, cancelJobs } from './dispatch.js';

/** What an operator does to a run: cancel a running one, retry a failed one. */
export type WorkflowAction = 'cancel' | 'retry';

/**
 * `done`: the jobs it cancelled (cancel) or enqueued (retry). Refused: the status the run
 * has now (`gone` when there is no such run, or its record expired).
 */
export type WorkflowActionResult =
  | { done: true; jobIds: string[] }
  | { done: false; status: WorkflowStatus | 'gone' };

/**
 * Cancels a running workflow (`workflows.cancel`, then its ready and running step jobs are
 * cancelled, so running ones see `ctx.signal` fire) or retries a failed one from its failed
 * steps (`workflows.retry`, then their new jobs are enqueued): what `handle.cancel()`,
 * `conveyor workflows cancel|retry` and the dashboard's buttons do.
 */
export async function actOnWorkflow(
  transport: TransportWith<'workflows'>,
  id: string,
  action: WorkflowAction,
): Promise<WorkflowActionResult> {
  const { workflows } = transport;
  if (action === 'cancel') {
    const { cancelled, cancel } = await workflows.cancel(id);
    if (cancelled) {
      await cancelJobs(transport, cancel);
      return { done: true, jobIds: cancel };
    }
  } else {
    const { retried, dispatch } = await workflows.retry(id);
    if (retried) {
      await applyWorkflowEffects(transport, id, { dispatch });
      return { done: true, jobIds: dispatch.map((entry) => entry.jobId) };
    }
  }
  const record = await workflows.get(id, { children: false });
  return { done: false, status: record?.status ?? 'gone' };
}

/** Why `action` was refused on a run in `status` (not `gone`), and what can be done. */
export function workflowConflictMessage(
  id: string,
  status: WorkflowStatus,
  action: WorkflowAction,
): string {
  return action === 'cancel'
    ? `Workflow ${JSON.stringify(id)} is ${status}, not running: there is nothing to cancel.`
    : `Workflow ${JSON.stringify(id)} is ${status}, not failed: only a failed workflow can be retried (from its failed step).`;
}
