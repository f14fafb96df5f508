import type { JobError } from '../job-error.js';
import { UNSTARTED_REFUND_LIMIT } from '../transport.js';
import type { StoredJob } from './job-store.js';

const LIVE_HOLDER =
  ' while the worker holding it was still running it: its renewal came after the lease had run out. The leaseMs is too short for this worker (heartbeats are late or too far apart): raise leaseMs, or lower heartbeatMs.';
const DEAD_HOLDER =
  ': no renewal reached the broker before it ran out. The worker holding it died, its event loop was blocked, or its leaseMs is too short; a worker still running the job logs the lease it lost.';
const UNSTARTED =
  " before the broker heard that the worker holding it had started it (reserved ahead with prefetch, waiting at its task's limits, or started while its event loop was blocked): no renewal reached the broker before it ran out. The worker died, its event loop was blocked, or its leaseMs is too short.";
const NOT_COUNTED = ' The attempt is not counted.';
const COUNTED = ` The attempt counts: its lease had run out unstarted ${UNSTARTED_REFUND_LIMIT} times already.`;

/**
 * What the expired lease of an `active` job means [R11, R27]: its `LEASE_EXPIRED` error, and
 * whether its attempt is given back (the worker held it unstarted, it is not cancel-requested,
 * and fewer than `UNSTARTED_REFUND_LIMIT` expiries were given back before). The same
 * messages as the Redis transport's reclaim.lua.
 */
export function leaseExpiry(
  job: StoredJob,
  holderAlive: boolean,
): { error: JobError; refund: boolean } {
  const { record } = job;
  const capped = (job.refunds ?? 0) >= UNSTARTED_REFUND_LIMIT;
  const refund = job.held === true && !capped && record.cancelRequested !== true;
  let why: string;
  if (job.held === true) {
    why = UNSTARTED + (refund ? NOT_COUNTED : capped ? COUNTED : '');
  } else {
    why = holderAlive ? LIVE_HOLDER : DEAD_HOLDER;
  }
  const error: JobError = {
    name: 'LeaseExpiredError',
    code: 'LEASE_EXPIRED',
    message: `Lease expired on attempt ${record.attempts} of ${record.envelope.maxAttempts}${why}`,
  };
  return { error, refund };
}
