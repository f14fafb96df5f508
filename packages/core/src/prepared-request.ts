import type { JobEnvelope } from './envelope.js';
import { inputFingerprint } from './idempotency.js';
import type { EnqueueRequest } from './transport.js';
import type { IndexEntry } from './transport-admin.js';

/**
 * An enqueue request as the client builds it. The input is serialized once, when it is
 * checked (`inputJson`). Absent options are absent properties, as in a literal. A job with an
 * idempotency key carries its input fingerprint [R5a]; one without pays nothing for it.
 */
export class PreparedRequest implements EnqueueRequest {
  declare delayMs?: number;
  declare runAt?: number;
  declare inputFingerprint?: string;
  /** Set by the client for a task with `index` when the input has a value to index [A11]. */
  declare index?: readonly IndexEntry[];

  constructor(
    readonly envelope: JobEnvelope,
    readonly inputJson: string,
    readonly dedupeWindowMs: number,
    delayMs: number | undefined,
    runAt: number | undefined,
  ) {
    if (delayMs !== undefined) this.delayMs = delayMs;
    else if (runAt !== undefined) this.runAt = runAt;
    if (envelope.idempotencyKey !== undefined) this.inputFingerprint = inputFingerprint(inputJson);
  }
}
