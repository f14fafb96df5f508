import type { Logger, QueueCounts, Transport } from '@conveyor/core';
import { parsePartitionName, partitionNames } from '@conveyor/core/transport';

/**
 * Warns, once at start-up, about jobs in partitions of another count of a queue this worker
 * reads, dead ones too (a retry puts them back there): after `partitions: 3` became 4,
 * `emails~2of3` holds jobs no worker of the new count reads (docs/partitions.md, "Choosing
 * and changing n"); and a worker that reads a queue unpartitioned while its producers
 * partition it (`emails~2of4` holding jobs) never reads those at all. Needs the transport's
 * `admin`; reads the stored queues and their counts once, and never fails the worker (a
 * broker that does not answer is the fetcher's to report).
 */
export async function warnStalePartitions(
  transport: Transport,
  queues: readonly string[],
  logger: Logger,
): Promise<void> {
  const admin = transport.admin;
  if (!admin) return;
  // The partition count this worker reads each queue with: 1 for a queue read plain only (a
  // partitioned queue's workers read its plain name too, and its partitions).
  const counts = new Map<string, number>();
  for (const queue of queues) {
    const partition = parsePartitionName(queue);
    if (partition) counts.set(partition.queue, partition.partitions);
    else if (!counts.has(queue)) counts.set(queue, 1);
  }
  if (counts.size === 0) return;
  try {
    const read = new Set(queues);
    const stale = (await admin.listQueues()).filter((name) => {
      const partition = parsePartitionName(name);
      const count = partition && counts.get(partition.queue);
      return count !== undefined && count !== partition?.partitions && !read.has(name);
    });
    if (stale.length === 0) return;
    // Dead jobs count: a retry puts them back on their partition, where no worker reads.
    const holding = (await admin.queueCounts(stale)).filter((row) => liveJobs(row) + row.dead > 0);
    for (const base of new Set(holding.map((row) => parsePartitionName(row.queue)?.queue))) {
      if (base === undefined) continue;
      const rows = holding.filter((row) => parsePartitionName(row.queue)?.queue === base);
      const live = rows.reduce((n, row) => n + liveJobs(row), 0);
      const dead = rows.reduce((n, row) => n + row.dead, 0);
      const jobs = live + dead;
      const held = heldText(live, dead);
      const old = [...new Set(rows.map((row) => parsePartitionName(row.queue)?.partitions))];
      const listed = rows.map((row) => row.queue).join(', ');
      const deadAdvice = deadText(base, dead);
      if (counts.get(base) === 1) {
        logger.warn(
          { queue: base, partitions: 1, stalePartitions: rows.map((r) => r.queue), jobs, dead },
          `queue ${JSON.stringify(base)}: ${held} in its partitions (${listed}), which this worker does not read: it reads the queue unpartitioned, while a producer partitions it in ${old.join(' and ')} (its task's queue option or createClient's partitions). Give the worker the same count: the task's queue: { name: '${base}', partitions: ${old[0]} }, createWorker({ partitions: { '${base}': ${old[0]} } }) or conveyor worker --partitions ${base}=${old[0]} (docs/partitions.md).${deadAdvice}`,
        );
        continue;
      }
      logger.warn(
        {
          queue: base,
          partitions: counts.get(base),
          stalePartitions: rows.map((r) => r.queue),
          jobs,
          dead,
        },
        // Not necessarily an earlier count: a live producer may partition the queue so now.
        `queue ${JSON.stringify(base)}: ${held} in partitions of another count (${old.join(' and ')}: ${listed}), which this worker, reading ${counts.get(base)} partitions, does not read: a producer may still partition the queue so (its task's queue option or createClient's partitions), or it is an earlier count. Make the producers and workers agree on the count, and until those partitions are empty, give a worker those too: queues: ['${base}', ${old.map((n) => `...partitionNames('${base}', ${n})`).join(', ')}], or conveyor worker --queues ${[base, ...old.flatMap((n) => (n === undefined ? [] : partitionNames(base, n)))].join(',')} (docs/partitions.md, "Choosing and changing n").${deadAdvice}`,
      );
    }
  } catch {
    // Start-up advice only: the reserve loop reports a broker that does not answer.
  }
}

function liveJobs(row: QueueCounts): number {
  return row.waiting + row.delayed + row.active;
}

/** `3 jobs wait`, `1 job is dead`, `3 jobs wait and 1 is dead`. */
function heldText(live: number, dead: number): string {
  const waiting = `${live} job${live === 1 ? ' waits' : 's wait'}`;
  if (dead === 0) return waiting;
  const isDead = `${dead === 1 ? 'is' : 'are'} dead`;
  return live === 0
    ? `${dead} job${dead === 1 ? '' : 's'} ${isDead}`
    : `${waiting} and ${dead} ${isDead}`;
}

/** What a retry of those dead jobs does, and when to do it; empty without dead jobs. */
function deadText(base: string, dead: number): string {
  if (dead === 0) return '';
  const [them, they] = dead === 1 ? ['it', 'it waits'] : ['them', 'they wait'];
  return ` Retrying the dead job${dead === 1 ? '' : 's'} (conveyor retry --all-dead --queue ${base}, or by id) puts ${them} back on those partitions: retry ${them} only once a worker reads those partitions, else ${they} there unread.`;
}
