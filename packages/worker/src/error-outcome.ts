import type { AnyTaskDefinition, Reservation } from '@conveyor/core';
import { toJobError } from '@conveyor/core/transport';
import {
  backoffDelay,
  failedOutcome,
  type JobOutcome,
  resolveRetryPolicy,
} from '@conveyor/core/worker';

/**
 * How a job ends when the worker, not the task, gives up on it (hard time limit, or a
 * defect that made `runJob` reject): a retryable failure. It retries after the task's
 * back-off while attempts remain, else it is dead-lettered. Mirrors `runJob`'s rule for
 * a thrown error, which core does not export (see the report: `outcomeOfError`).
 */
export function retryableFailure(
  reservation: Reservation,
  task: AnyTaskDefinition | undefined,
  error: unknown,
  random: () => number,
): JobOutcome {
  const { envelope, token } = reservation;
  const { id } = envelope;
  if (envelope.attempt >= envelope.maxAttempts) return failedOutcome(id, token, error, true);
  const delayMs = backoffDelay(resolveRetryPolicy(task?.retry), envelope.attempt, random);
  return {
    kind: 'retry',
    error,
    settlement: { type: 'retry', id, token, error: toJobError(error), delayMs },
  };
}
