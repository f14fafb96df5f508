import { ENDED_WORKFLOW_STATUSES } from '@conveyor/core';
import { queueHashTag } from './slots.js';

/**
 * Key layout. Every key of a stored queue carries one hash tag, so all of its keys live in
 * one Redis Cluster slot and every script can touch them together: `{<queue>}` for a queue,
 * `{<queue>~<p>of<n>~<salt>}` for a partition, the salt placing partition p of n near slot
 * (p + 0.5) × 16384 / n (slots.ts). Queue names are `[A-Za-z0-9_.-]`, so they never contain
 * the braces that end a tag. Every key built from a queue name is built here.
 */

/** `<prefix>:<tag>:`, the start of every key of the stored queue `queue`. */
export function queueKeyBase(prefix: string, queue: string): string {
  return `${prefix}:${queueHashTag(queue)}:`;
}

/** How many keys every queue script takes (`scripts/includes/queue.lua`). */
export const QUEUE_KEY_COUNT = 21;

/** The 21 keys every script takes, in the order `scripts/includes/queue.lua` names them. */
export function queueKeys(prefix: string, queue: string): string[] {
  const base = queueKeyBase(prefix, queue);
  return [
    `${base}j:`,
    `${base}w0`,
    `${base}w1`,
    `${base}w2`,
    `${base}w3`,
    `${base}w4`,
    `${base}w5`,
    `${base}w6`,
    `${base}w7`,
    `${base}w8`,
    `${base}w9`,
    `${base}delayed`,
    `${base}leases`,
    `${base}marker`,
    `${base}dead`,
    `${base}finished`,
    `${base}watched`,
    `${base}i:`,
    `${base}seq`,
    `${base}x:`,
    `${base}xf`,
  ];
}

/**
 * The queue's schedule marks (fire-schedule.lua's `KEYS[22]`): schedule id -> the last slot
 * claimed and the last job fired (`encodeScheduleMark` in wire/schedule-calls.ts).
 */
export function schedulesKey(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}sched`;
}

/**
 * The queue's stored schedules (fire-schedule.lua's `KEYS[23]`): schedule id -> revision,
 * update time, flags and spec JSON (`decodeScheduleRecord` in wire/schedule-calls.ts).
 */
export function scheduleSpecsKey(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}specs`;
}

/**
 * The queue's schedule fences (fire-schedule.lua's `KEYS[24]`): schedule id -> `<active>
 * <superseded>`, the takeover tokens that activated and fenced the copy (fence-schedules.lua).
 */
export function scheduleFencesKey(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}sched-fence`;
}

/** The counter of schedule takeover tokens, shared by every queue (fence-schedules.lua). */
export function scheduleFenceCounterKey(prefix: string): string {
  return `${prefix}:schedule-fence`;
}

/** The set of queues that have schedules, which `schedules.list()` without queues reads. */
export function scheduleQueuesKey(prefix: string): string {
  return `${prefix}:schedule-queues`;
}

/** The marker list a blocked reserve waits on. */
export function markerKey(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}marker`;
}

/** Channel on which finishes of watched jobs of `queue` are published (message: unique id). */
export function finishChannel(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}watched`;
}

/** Channel on which cancels of running jobs are published (message: job id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** The set of `<task length>:<task>:<field>` a queue's jobs were indexed by (`KEYS[21]`). */
export function indexedFieldsKey(prefix: string, queue: string): string {
  return `${queueKeyBase(prefix, queue)}xf`;
}

/** How many keys every workflow script takes (`scripts/includes/wf.lua`). */
export const WORKFLOW_KEY_COUNT = 7;

/**
 * A workflow's 7 keys, in the order `scripts/includes/wf.lua` names them: all under the hash
 * tag `{wf:<id>}`, so one script reaches the whole record on Redis Cluster. Workflow ids are
 * `wf_` and `[A-Za-z0-9_-]`: no braces.
 */
export function workflowKeys(prefix: string, id: string): string[] {
  const base = `${prefix}:{wf:${id}}:`;
  return [`${base}m`, `${base}s`, `${base}e`, `${base}r`, `${base}i`, `${base}o`, `${base}oz`];
}

/**
 * The cross-workflow indexes (`scripts/wf-index.lua`): running workflows by updatedAt,
 * workflows with outbox entries by the oldest entry's time, the version of each entry,
 * running workflows by the time they began to run, and ended ones by finishedAt, a set per
 * status in `ENDED_WORKFLOW_STATUSES` order.
 * One slot of their own: a Cluster cannot put them in every workflow's.
 */
export function workflowIndexKeys(prefix: string): string[] {
  const base = `${prefix}:{wf-index}:`;
  return [
    `${base}idle`,
    `${base}outbox`,
    `${base}v`,
    `${base}started`,
    ...ENDED_WORKFLOW_STATUSES.map((status) => `${base}ended:${status}`),
  ];
}

/** A workflow idempotency key's claim (`scripts/wf-key.lua`), by the key's SHA-256 (hex). */
export function workflowKeyClaim(prefix: string, keyHash: string): string {
  return `${prefix}:wf-key:{${keyHash}}`;
}
