import { afterAll, beforeAll, describe } from 'vitest';
import { adminRules } from './admin.js';
import { auditRules } from './audit.js';
import { cancelRules } from './cancel.js';
import { closingRules } from './closing.js';
import { deadLetterRules } from './dead-letter.js';
import { dedupeRules } from './dedupe.js';
import { delayRules } from './delays.js';
import { enqueueRules } from './enqueue.js';
import { expiryRules } from './expiry.js';
import { type ConformanceHarness, setConformanceQueueName } from './harness.js';
import { heldLeaseRules } from './held-leases.js';
import { historyRules } from './history.js';
import { jobIndexRules } from './job-index.js';
import { leaseRules } from './leases.js';
import { limitRules } from './limits.js';
import { listingRules } from './listing.js';
import { metricsRules } from './metrics.js';
import { pauseRules } from './pause.js';
import { priorityRules } from './priorities.js';
import { promoteRules } from './promote.js';
import { reserveRules } from './reserve.js';
import { resultRules } from './results.js';
import { retryReleaseRules } from './retry-release.js';
import { scheduleRules } from './schedules.js';
import { settleRules } from './settle.js';
import { RETRY_STALLED } from './stalls.js';
import { waitingRules } from './waiting.js';
import { workflowRules } from './workflows.js';

/** The rule groups of the suite, in the order they run. */
const GROUPS = {
  enqueue: enqueueRules,
  delays: delayRules,
  dedupe: dedupeRules,
  reserve: reserveRules,
  priorities: priorityRules,
  waiting: waitingRules,
  expiry: expiryRules,
  leases: leaseRules,
  heldLeases: heldLeaseRules,
  settle: settleRules,
  retryRelease: retryReleaseRules,
  cancel: cancelRules,
  results: resultRules,
  history: historyRules,
  // The dead-letter calls are `admin`'s: each test skips itself on a transport without it.
  deadLetter: deadLetterRules,
  closing: closingRules,
  // Optional capability: each test skips itself on a transport without `admin`.
  admin: adminRules,
  // The dashboard's admin calls: each test skips itself on a transport without `admin`.
  listJobs: listingRules,
  jobIndex: jobIndexRules,
  audit: auditRules,
  // Pausing queues: each test skips itself on a transport without `admin`.
  pause: pauseRules,
  // Running delayed jobs now: each test skips itself on a transport without `admin`.
  promote: promoteRules,
  // Optional capability: each test skips itself on a transport without `limits`.
  limits: limitRules,
  // Optional capability: each test skips itself on a transport without `metrics`.
  metrics: metricsRules,
  // Optional capability: each test skips itself on a transport without `schedules`.
  schedules: scheduleRules,
  // Optional capability: each test skips itself on a transport without `workflows`.
  workflows: workflowRules,
} satisfies Record<string, (harness: ConformanceHarness) => void>;

/** A group of conformance rules, for running the suite in parts (one test file each). */
export type ConformanceGroup = keyof typeof GROUPS;

/** Every group name, in the order the suite runs them. */
export const CONFORMANCE_GROUPS = Object.keys(GROUPS) as ConformanceGroup[];

export interface ConformanceOptions {
  /**
   * Run only these groups. Test runners run files in parallel, not the tests of one file,
   * so a slow transport can split the suite over several files; between them the files
   * must name every group (check with `CONFORMANCE_GROUPS`).
   */
  groups?: readonly ConformanceGroup[];
  /**
   * The stored name each test's queue gets from its plain name: run every rule against
   * partition names, e.g. `(base) => partitionName(base, 1, 4)` (docs/partitions.md). A
   * partition is a whole queue to a transport, so the suite must pass unchanged.
   */
  queueName?: (base: string) => string;
}

/**
 * Registers the transport conformance suite (rules R1–R27 of docs/transport.md, A1–A14 for
 * `transport.admin`, L1–L9 for `transport.limits`, M1–M4 for `transport.metrics` S1–S14
 * for `transport.schedules` and W1–W17 for `transport.workflows`) with vitest. Every transport must pass it unchanged.
 *
 * @example
 * ```ts
 * runTransportConformance('redis', {
 *   createTransport: () => redisTransport({ url }),
 *   createPeer: () => redisTransport({ url }),
 *   advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
 *   timeUnitMs: 100,
 *   realClock: true,
 * });
 * ```
 */
export function runTransportConformance(
  name: string,
  harness: ConformanceHarness,
  options: ConformanceOptions = {},
): void {
  const selected = options.groups ?? CONFORMANCE_GROUPS;
  for (const group of selected) {
    if (!(group in GROUPS)) {
      throw new Error(
        `runTransportConformance: unknown group "${group}"; the groups are ${CONFORMANCE_GROUPS.join(', ')}`,
      );
    }
  }
  // On a real clock a run the machine stalled runs again (see stalls.ts).
  describe(`transport conformance: ${name}`, { retry: RETRY_STALLED }, () => {
    const { queueName } = options;
    if (queueName !== undefined) {
      beforeAll(() => setConformanceQueueName(queueName));
      afterAll(() => setConformanceQueueName(undefined));
    }
    for (const group of CONFORMANCE_GROUPS) {
      if (selected.includes(group)) GROUPS[group](harness);
    }
  });
}
