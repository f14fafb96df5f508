import { hash } from 'node:crypto';
import { atInput, IdempotencyConflictError } from './errors.js';
import type { Logger } from './logger.js';
import type { EnqueueRequest, EnqueueResult } from './transport.js';

/**
 * What the client does when an idempotency key comes back with a different input:
 * `warn` logs it and returns the job holding the key, `strict` throws
 * {@link IdempotencyConflictError}.
 */
export type IdempotencyMode = 'warn' | 'strict';

/**
 * The input fingerprint a claim is stored with [R5a]: 16 hex digits (64 bits) of the
 * SHA-256 of the input's JSON. It tells inputs apart, it is not a secret; two inputs equal
 * as values but serialized differently (another property order) count as different.
 */
export function inputFingerprint(inputJson: string): string {
  return hash('sha256', inputJson, 'hex').slice(0, 16);
}

/**
 * What a workflow idempotency key is claimed under [W1]: the workflow's name and the key,
 * the name's length in bytes first, so that any name and key stay apart (`shop` with key
 * `.order:k` is not `shop.order` with key `k`), as a job's claim is scoped to its task [R5].
 */
export function workflowKeyScope(workflow: string, key: string): string {
  return `${Buffer.byteLength(workflow)}:${workflow}:${key}`;
}

/**
 * Looks through one transport call's results for keys that came back with a different
 * input. `warn`: logs each. `strict`: throws for the first. `offset` is the place of
 * `requests[0]` among the call's `count` inputs, for the batch index in the log.
 * Jobs without a key cost a look at one property each.
 */
export function checkDuplicateInputs(
  mode: IdempotencyMode,
  logger: Logger,
  requests: readonly EnqueueRequest[],
  results: readonly EnqueueResult[],
  offset: number,
  count: number,
): void {
  for (let index = 0; index < results.length; index++) {
    const existingFingerprint = results[index]?.inputFingerprint;
    if (existingFingerprint === undefined) continue;
    const request = requests[index];
    const fingerprint = request?.inputFingerprint;
    const key = request?.envelope.idempotencyKey;
    if (fingerprint === undefined || key === undefined || fingerprint === existingFingerprint) {
      continue;
    }
    const conflict = {
      task: request?.envelope.task ?? '',
      idempotencyKey: key,
      jobId: results[index]?.id ?? '',
      existingFingerprint,
      inputFingerprint: fingerprint,
    };
    const inputIndex = count > 1 ? offset + index : undefined;
    if (mode === 'strict') {
      const error = new IdempotencyConflictError(conflict);
      throw inputIndex === undefined ? error : atInput(error, inputIndex, count);
    }
    logger.warn(
      inputIndex === undefined ? conflict : { ...conflict, inputIndex },
      `Idempotency key ${JSON.stringify(key)} of task ${JSON.stringify(conflict.task)} returned the job holding it, ${JSON.stringify(conflict.jobId)}, which was enqueued with a different input (input fingerprint ${existingFingerprint}; this one's is ${fingerprint}). This input was NOT enqueued. Give a new request a new key; createClient({ idempotency: 'strict' }) makes this an error.`,
    );
  }
}

/**
 * The same check for a workflow start [W1]: a key that came back holding a run started with
 * another input. `warn`: logs it and the caller answers that run. `strict`: throws
 * {@link IdempotencyConflictError} (its `workflow` and `runId` set, and in `task` and `jobId`).
 */
export function checkDuplicateWorkflowInput(
  mode: IdempotencyMode,
  logger: Logger,
  conflict: {
    workflow: string;
    idempotencyKey: string;
    runId: string;
    existingFingerprint: string | undefined;
    inputFingerprint: string;
  },
): void {
  const { workflow, idempotencyKey, runId, existingFingerprint, inputFingerprint } = conflict;
  if (existingFingerprint === undefined || existingFingerprint === inputFingerprint) return;
  if (mode === 'strict') {
    throw new IdempotencyConflictError({
      task: workflow,
      idempotencyKey,
      jobId: runId,
      existingFingerprint,
      inputFingerprint,
      workflow: true,
    });
  }
  logger.warn(
    { workflow, idempotencyKey, runId, existingFingerprint, inputFingerprint },
    `Idempotency key ${JSON.stringify(idempotencyKey)} of workflow ${JSON.stringify(workflow)} is held by run ${JSON.stringify(runId)}, started with a different input (input fingerprint ${existingFingerprint}; this one's is ${inputFingerprint}). This input was NOT started; the handle is that run's. Give a new request a new key; createClient({ idempotency: 'strict' }) makes this an error.`,
  );
}
