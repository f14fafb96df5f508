import { parsePartitionName } from '@conveyor/core/transport';
import type { FollowUp } from './follow-up.js';
import { namedList } from './output.js';
import { queuesRead } from './unread-queues.js';

/** What the note reads of a queue row of `conveyor status`. */
interface QueueRow {
  queue: string;
  waiting: number;
  paused: boolean;
  partitions?: ReadonlyArray<{ queue: string }>;
}

/** What the note reads of a worker row. */
interface WorkerRow {
  queues?: unknown;
  stale: boolean;
}

/**
 * `conveyor status`'s note on queues with waiting jobs that no live worker reads, while live
 * workers read others: a job sent with the `queue` option to a queue no task names (Celery's
 * routing by hand), or a worker started with the wrong `--queues`, waits there for good with
 * nothing else saying so. Paused queues are left out (their jobs wait by design, and a note
 * says so), and so is a status with no live worker (it says to start one).
 */
export function unreadWaitingLines(
  queues: readonly QueueRow[],
  workers: readonly WorkerRow[],
  followUp: FollowUp,
): string[] {
  const live = workers.filter((worker) => !worker.stale);
  if (live.length === 0) return [];
  const read = queuesRead(live);
  // A worker of a partitioned queue reads its partitions: the queue's row counts as read.
  const bases = new Set([...read].map((name) => parsePartitionName(name)?.queue ?? name));
  const unread = queues.filter(
    (row) =>
      row.waiting > 0 &&
      !row.paused &&
      !read.has(row.queue) &&
      !bases.has(row.queue) &&
      !(row.partitions ?? []).some((partition) => read.has(partition.queue)),
  );
  if (unread.length === 0) return [];
  const one = unread.length === 1;
  const names = unread.map((row) => row.queue);
  const waiting = unread.reduce((sum, row) => sum + row.waiting, 0);
  const first = names[0] as string;
  return [
    `Note: ${one ? `queue ${JSON.stringify(first)} has` : `queues ${namedList(names, 'queues')} have`} ${waiting} waiting job${waiting === 1 ? '' : 's'} and no live worker reads ${one ? 'it' : 'them'} (the live workers read ${namedList([...bases].sort(), 'queues')}): ${waiting === 1 ? 'it waits' : 'they wait'} until one does. A worker reads the queues its tasks name, or those --queues gives: start one that reads ${one ? 'it' : 'them'}, with the tasks of ${one ? 'its' : 'their'} jobs (\`${followUp.command`worker --queues ${names.join(',')}`}\`${followUp.note}).`,
  ];
}
