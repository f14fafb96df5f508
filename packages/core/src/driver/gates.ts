import { assertQueueName } from '../envelope.js';
import { InvalidOptionError, TransportClosedError } from '../errors.js';
import type { TransportAdmin } from '../transport-admin.js';
import type { TransportLimits } from '../transport-limits.js';
import { auditQuery, checkAuditEntry, indexSearch, listJobsOptions } from './admin-checks.js';
import { countPerChunk } from './batches.js';
import {
  assertCount,
  assertLimitKey,
  assertMs,
  assertSlotHolder,
  assertSlots,
  assertTtl,
  deadLetterPaging,
} from './checks.js';
import type { TransportAdminDriver } from './driver.js';

/** What the capability wrappers share with `createTransport`. */
export interface TransportGate {
  readonly name: string;
  readonly maxBatch: number;
  /** Set once by the first `close()`. */
  closed: boolean;
}

/**
 * Runs `operation` unless the transport is closed: a closed transport and a throwing check
 * both reject, never throw [R25, A7, L9].
 */
export function gated<T>(gate: TransportGate, operation: () => Promise<T>): Promise<T> {
  if (gate.closed) return Promise.reject(new TransportClosedError(gate.name));
  try {
    return operation();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * `transport.admin` over a driver's: queue names, ttls, paging, index searches and audit
 * entries checked [A7, A10–A13, R22–R24].
 */
export function gateAdmin(admin: TransportAdminDriver, gate: TransportGate): TransportAdmin {
  return {
    listQueues: () => gated(gate, () => admin.listQueues()),
    queueCounts: (queues) =>
      gated(gate, () => {
        if (!Array.isArray(queues)) {
          throw new InvalidOptionError(
            'queues',
            queues,
            'an array of queue names, e.g. ["emails"]',
          );
        }
        for (const queue of queues) assertQueueName(queue);
        return admin.queueCounts(queues);
      }),
    purgeQueue: (queue) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.purgeQueue(queue);
      }),
    pauseQueue: (queue) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.pauseQueue(queue);
      }),
    resumeQueue: (queue) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.resumeQueue(queue);
      }),
    listDead: (queue, options) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.listDead(queue, deadLetterPaging(options));
      }),
    retryDead: (queue, ids) =>
      gated(gate, () => {
        assertQueueName(queue);
        if (ids === undefined) return admin.retryDead(queue, undefined);
        return countPerChunk(ids, queue, gate.maxBatch, (own) => admin.retryDead(queue, own));
      }),
    purgeDead: (queue, ids) =>
      gated(gate, () => {
        assertQueueName(queue);
        if (ids === undefined) return admin.purgeDead(queue, undefined);
        return countPerChunk(ids, queue, gate.maxBatch, (own) => admin.purgeDead(queue, own));
      }),
    promoteDelayed: (queue, ids) =>
      gated(gate, () => {
        assertQueueName(queue);
        if (ids === undefined) return admin.promoteDelayed(queue, undefined);
        return countPerChunk(ids, queue, gate.maxBatch, (own) => admin.promoteDelayed(queue, own));
      }),
    putWorker: (record, ttlMs) =>
      gated(gate, () => {
        assertTtl(ttlMs);
        return admin.putWorker(record, ttlMs);
      }),
    removeWorker: (id) => gated(gate, () => admin.removeWorker(id)),
    listWorkers: () => gated(gate, () => admin.listWorkers()),
    listJobs: (queue, options) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.listJobs(queue, listJobsOptions(options));
      }),
    findByIndex: (queue, search) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.findByIndex(queue, indexSearch(search));
      }),
    indexedFields: (queue) =>
      gated(gate, () => {
        assertQueueName(queue);
        return admin.indexedFields(queue);
      }),
    appendAudit: (entry) =>
      gated(gate, () => {
        checkAuditEntry(entry);
        return admin.appendAudit(entry);
      }),
    listAudit: (options) => gated(gate, () => admin.listAudit(auditQuery(options))),
  };
}

/**
 * `transport.limits` over a driver's: keys, counts, holders and lease lengths checked
 * [L9]. A worker calls these about once per job with a limit, so they check in place
 * instead of through a closure.
 */
export function gateLimits(limits: TransportLimits, gate: TransportGate): TransportLimits {
  const refuse = () => Promise.reject(new TransportClosedError(gate.name));
  return {
    takeRate(key, limit, windowMs) {
      if (gate.closed) return refuse();
      try {
        assertLimitKey(key);
        assertCount(limit, 'rate limit');
        assertMs(windowMs, 'rate limit window');
        return limits.takeRate(key, limit, windowMs);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    acquireSlot(key, cap, holder, leaseMs) {
      if (gate.closed) return refuse();
      try {
        assertLimitKey(key);
        assertCount(cap, 'concurrency cap');
        assertSlotHolder(holder);
        assertMs(leaseMs, 'slot lease');
        return limits.acquireSlot(key, cap, holder, leaseMs);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    renewSlots(slots, leaseMs) {
      if (gate.closed) return refuse();
      try {
        assertMs(leaseMs, 'slot lease');
        assertSlots(slots);
        return limits.renewSlots(slots, leaseMs);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    freeSlots(slots) {
      if (gate.closed) return refuse();
      try {
        assertSlots(slots);
        return limits.freeSlots(slots);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
