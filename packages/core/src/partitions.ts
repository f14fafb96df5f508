import { InvalidOptionError } from './errors.js';

/**
 * Partitioned queues. A queue declared with `partitions: n` (n ≥ 2) is stored as n
 * independent queues, its partitions, named `<queue>~<p>of<n>` (`emails~3of8`). Each is a
 * whole queue to a transport (its own waiting lists, delays, leases, dead-letter set), and
 * on Redis its own hash slot. `~` is never in a queue name, so a partition's name never
 * collides with a queue's, and it is URL-safe. Job ids start with the partition's name
 * (`emails~3of8:<unique>`), so every operation on one job finds its partition from the id.
 *
 * The partition count is part of the name: producers and workers must agree on `n`
 * (docs/partitions.md).
 */

/** The most partitions a queue can have. */
export const MAX_PARTITIONS = 256;

/** A partition, as {@link parsePartitionName} reads it. */
export interface QueuePartition {
  /** The queue the partition belongs to (`emails`). */
  queue: string;
  /** 0-based partition number. */
  partition: number;
  /** How many partitions the queue has. */
  partitions: number;
}

/** A queue name's characters and length (envelope.ts's rule): the one source of both regexps. */
export const QUEUE_NAME_PATTERN = '[A-Za-z0-9_.-]{1,64}';
const PARTITION_NAME = new RegExp(`^(${QUEUE_NAME_PATTERN})~(\\d{1,3})of(\\d{1,3})$`);

/** The stored name of partition `partition` of `partitions` of `queue`: `emails~3of8`. */
export function partitionName(queue: string, partition: number, partitions: number): string {
  return `${queue}~${partition}of${partitions}`;
}

/** The queue, partition and count of a partition's name, or undefined for any other string. */
export function parsePartitionName(name: string): QueuePartition | undefined {
  if (typeof name !== 'string' || name.indexOf('~') < 0) return undefined;
  const match = PARTITION_NAME.exec(name);
  if (!match) return undefined;
  const partition = Number(match[2]);
  const partitions = Number(match[3]);
  // One spelling per partition: no leading zeros, p < n, 2 ≤ n ≤ MAX_PARTITIONS.
  if (String(partition) !== match[2] || String(partitions) !== match[3]) return undefined;
  if (partitions < 2 || partitions > MAX_PARTITIONS || partition >= partitions) return undefined;
  return { queue: match[1] as string, partition, partitions };
}

const PARTITION_SHAPE = new RegExp(`^(${QUEUE_NAME_PATTERN})~(\\d+)of(\\d+)$`);

/**
 * Why `name`, written like a partition's name (`<queue>~<p>of<n>`), is not one: for messages
 * that quote it. Undefined when it is one, or not written like one.
 */
export function partitionNameProblem(name: string): string | undefined {
  const match = PARTITION_SHAPE.exec(name);
  if (!match || parsePartitionName(name) !== undefined) return undefined;
  const [, queue, p, n] = match as unknown as [string, string, string, string];
  const partition = Number(p);
  const partitions = Number(n);
  if (partitions < 2 || partitions > MAX_PARTITIONS) {
    return `a partitioned queue has 2 to ${MAX_PARTITIONS} partitions, not ${n}`;
  }
  if (partition >= partitions) {
    return `there is no partition ${p} of ${n}: the ${n} partitions of ${queue} are numbered 0 to ${partitions - 1}`;
  }
  return `its numbers are written without leading zeros: ${partitionName(queue, partition, partitions)}`;
}

/** The queue a stored name belongs to: `emails` for `emails~3of8` and for `emails`. */
export function baseQueueOf(name: string): string {
  return parsePartitionName(name)?.queue ?? name;
}

/**
 * The stored names of `queue` with `partitions` partitions, in partition order (just
 * `[queue]` when `partitions` is 1 or absent).
 */
export function partitionNames(queue: string, partitions = 1): string[] {
  if (partitions <= 1) return [queue];
  const names: string[] = [];
  for (let p = 0; p < partitions; p++) names.push(partitionName(queue, p, partitions));
  return names;
}

/**
 * The partition `key` belongs to among `partitions`: FNV-1a (32-bit) of the key's UTF-16
 * code units, modulo `partitions`. The same in every process and version; producers route
 * by it, so changing it would split a key's jobs over two partitions.
 */
export function partitionOfKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** Whether `value` is a partition count: a whole number from 1 to MAX_PARTITIONS. */
export function isPartitionCount(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PARTITIONS
  );
}

/** Throws {@link InvalidOptionError} unless `value` is a whole number from 1 to MAX_PARTITIONS. */
export function assertPartitions(value: unknown, option = 'partitions'): asserts value is number {
  if (!isPartitionCount(value)) {
    throw new InvalidOptionError(option, value, `a whole number from 1 to ${MAX_PARTITIONS}`);
  }
}
