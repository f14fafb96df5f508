import { describe } from 'vitest';
import { adminRules } from './admin.js';
import { cancelRules } from './cancel.js';
import { deadLetterRules } from './dead-letter.js';
import { dedupeRules } from './dedupe.js';
import { delayRules } from './delays.js';
import { enqueueRules } from './enqueue.js';
import { expiryRules } from './expiry.js';
import type { ConformanceHarness } from './harness.js';
import { leaseRules } from './leases.js';
import { limitRules } from './limits.js';
import { priorityRules } from './priorities.js';
import { reserveRules } from './reserve.js';
import { resultRules } from './results.js';
import { retryReleaseRules } from './retry-release.js';
import { settleRules } from './settle.js';
import { waitingRules } from './waiting.js';

/**
 * Registers the transport conformance suite (rules R1–R24 of docs/transport.md, and
 * L1–L9 for `transport.limits`) with vitest. Every transport must pass it unchanged.
 *
 * @example
 * ```ts
 * runTransportConformance('redis', {
 *   createTransport: () => redisTransport({ url }),
 *   createPeer: () => redisTransport({ url }),
 *   advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 5)),
 *   timeUnitMs: 100,
 * });
 * ```
 */
export function runTransportConformance(name: string, harness: ConformanceHarness): void {
  describe(`transport conformance: ${name}`, () => {
    enqueueRules(harness);
    delayRules(harness);
    dedupeRules(harness);
    reserveRules(harness);
    priorityRules(harness);
    waitingRules(harness);
    expiryRules(harness);
    leaseRules(harness);
    settleRules(harness);
    retryReleaseRules(harness);
    cancelRules(harness);
    resultRules(harness);
    deadLetterRules(harness);
    // Optional capability: each test skips itself on a transport without `admin`.
    adminRules(harness);
    // Optional capability: each test skips itself on a transport without `limits`.
    limitRules(harness);
  });
}
