import { parsePartitionName, partitionNames } from './partitions.js';
import type { QueueCounts, TransportAdmin } from './transport-admin.js';

/**
 * Stored queues as operators see them: a partitioned queue is one queue, its partitions
 * (`emails~3of8`) under it. What `conveyor status` and the dashboard group by.
 */
export interface StoredQueueGroup {
  /** The queue: `emails`. */
  queue: string;
  /**
   * Its stored queues: the plain one first when it is stored (a queue that held jobs before
   * it was partitioned), then its partitions by count and number (`~0of8` … `~7of8`).
   */
  stored: string[];
  /** Some stored queue of the group is a partition. */
  partitioned: boolean;
}

function storedOrder(a: string, b: string): number {
  const pa = parsePartitionName(a);
  const pb = parsePartitionName(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  return pa.partitions - pb.partitions || pa.partition - pb.partition;
}

/**
 * Orders stored queue names as {@link groupStoredQueues} lists them: by queue name, then the
 * plain queue, then partitions by count and number. For walking several stored queues in
 * the order operators read them, with a resume point that may have vanished since.
 */
export function compareStoredQueues(a: string, b: string): number {
  const qa = parsePartitionName(a)?.queue ?? a;
  const qb = parsePartitionName(b)?.queue ?? b;
  if (qa !== qb) return qa < qb ? -1 : 1;
  return storedOrder(a, b);
}

/**
 * Groups stored queue names (`admin.listQueues()`) by queue, sorted by queue name.
 *
 * @example
 * groupStoredQueues(['emails~1of2', 'orders', 'emails~0of2']);
 * // [{ queue: 'emails', stored: ['emails~0of2', 'emails~1of2'], partitioned: true },
 * //  { queue: 'orders', stored: ['orders'], partitioned: false }]
 */
export function groupStoredQueues(names: Iterable<string>): StoredQueueGroup[] {
  const groups = new Map<string, Set<string>>();
  for (const name of names) {
    const queue = parsePartitionName(name)?.queue ?? name;
    let stored = groups.get(queue);
    if (!stored) {
      stored = new Set();
      groups.set(queue, stored);
    }
    stored.add(name);
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([queue, stored]) => {
      const sorted = [...stored].sort(storedOrder);
      return { queue, stored: sorted, partitioned: sorted.some((name) => name !== queue) };
    });
}

/**
 * The stored queues an operator means by `name`: a partition's name is itself; a queue's
 * name is the queue and every partition of it among `known` (the plain name alone when
 * none is stored, so a command on a queue that never held a job still names it).
 */
export function storedQueuesOf(name: string, known: Iterable<string>): string[] {
  if (parsePartitionName(name)) return [name];
  const stored: string[] = [];
  for (const candidate of known) {
    if (candidate === name || parsePartitionName(candidate)?.queue === name) stored.push(candidate);
  }
  if (stored.length === 0) return [name];
  return stored.sort(storedOrder);
}

/**
 * The stored queues pausing (or resuming) `queue` acts on: the queue itself, stored or not
 * (every worker of a partitioned queue reads its plain name too, where a producer that does
 * not know the partitions puts its jobs), and every partition of each partition count it is
 * stored under (`emails~3of8` known means all 8 of that count, so that a partition that has
 * not held a job yet is paused too), plus those of `partitions` when given. A partition's own
 * name is itself. `known` is what the broker has seen: `admin.listQueues()` and the queues of
 * live workers. What `conveyor pause` and the dashboard's Pause button act on.
 *
 * @example
 * pauseTargets('emails', ['emails~1of3', 'orders']);
 * // ['emails', 'emails~0of3', 'emails~1of3', 'emails~2of3']
 */
export function pauseTargets(
  queue: string,
  known: Iterable<string>,
  partitions?: number,
): string[] {
  if (parsePartitionName(queue)) return [queue];
  const counts = new Set(storedPartitionCounts(queue, known));
  if (partitions !== undefined && partitions > 1) counts.add(partitions);
  const targets = [queue];
  for (const count of [...counts].sort((a, b) => a - b))
    targets.push(...partitionNames(queue, count));
  return targets;
}

/** The partition counts `queue` is stored under among `known`, ascending (`[]`: none). */
export function storedPartitionCounts(queue: string, known: Iterable<string>): number[] {
  const counts = new Set<number>();
  for (const name of known) {
    const partition = parsePartitionName(name);
    if (partition?.queue === queue) counts.add(partition.partitions);
  }
  return [...counts].sort((a, b) => a - b);
}

/** The sum of `rows` (a queue's partitions), named `queue`; paused when every row is. */
export function sumQueueCounts(queue: string, rows: readonly QueueCounts[]): QueueCounts {
  const total: QueueCounts = { queue, waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 };
  for (const row of rows) {
    total.waiting += row.waiting;
    total.delayed += row.delayed;
    total.active += row.active;
    total.dead += row.dead;
    total.finished += row.finished ?? 0;
  }
  if (rows.length > 0 && rows.every((row) => row.paused)) total.paused = true;
  return total;
}

/**
 * Whether the broker has never seen `queue`: no job was ever enqueued on it (nor, for a
 * queue, on one of its partitions) and no live worker consumes it. Such a name reads as an
 * empty queue, which a typo also does. `known` as {@link queuesSeen} reads it.
 */
export function isUnknownQueue(queue: string, known: readonly string[]): boolean {
  return !known.some((name) => name === queue || parsePartitionName(name)?.queue === queue);
}

/**
 * The stored queues the broker has seen: those that held a job (`listQueues`) and those live
 * workers consume, which a worker started before the first job names already.
 */
export async function queuesSeen(admin: TransportAdmin): Promise<string[]> {
  const [known, workers] = await Promise.all([admin.listQueues(), admin.listWorkers()]);
  return [...known, ...workers.flatMap((worker) => worker.queues)];
}
