import {
  parsePartitionName,
  pauseTargets,
  queuesSeen,
  storedPartitionCounts,
} from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { type Io, printJson } from '../output.js';
import { isUnknownQueue, unknownQueueNote } from '../queue-names.js';
import { queueLabel } from '../stored-queues.js';

export type PauseAction = 'pause' | 'resume';

export interface PauseOptions {
  json?: boolean;
  /** Every partition of an n-partition queue, stored or not (2–MAX_PARTITIONS, checked by the parser). */
  partitions?: number;
  /** Pause a queue the broker has never seen (no job, no worker): otherwise refused as a typo. */
  new?: boolean;
  /** Carries the options that chose the transport into the suggested `resume` command. */
  followUp?: FollowUp;
}

/**
 * `conveyor pause <queue>` and `conveyor resume <queue>`: workers lease none of a paused
 * queue's jobs until it is resumed (running jobs finish; new ones wait). A partitioned
 * queue is paused in every partition.
 */
export async function pauseOrResume(
  connection: AdminConnection,
  action: PauseAction,
  queue: string,
  options: PauseOptions,
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const seen = await queuesSeen(admin);
  const unknown = isUnknownQueue(queue, seen);
  if (unknown && (action === 'resume' || !options.new)) {
    // A typo resumes nothing and says so: "was not paused" would read as all clear.
    throw new CliError(
      'USAGE',
      action === 'pause'
        ? `${unknownQueueNote(queue, seen)} Nothing was paused. To pause it before its first job, pass --new.`
        : `${unknownQueueNote(queue, seen)} Nothing was resumed: check the name, and --redis/--prefix.`,
    );
  }
  if (action === 'pause' && !options.new) checkPartitionCount(queue, seen, options.partitions);
  const targets = pauseTargets(queue, seen, options.partitions);
  const changed: string[] = [];
  for (const name of targets) {
    const did = action === 'pause' ? await admin.pauseQueue(name) : await admin.resumeQueue(name);
    if (did) changed.push(name);
  }
  await recordAction(connection, { action: `queue.${action}`, queue, detail: { changed } }, io);
  const label = queueLabel(queue, targets);
  if (options.json) {
    printJson(io, {
      queue,
      paused: action === 'pause',
      changed,
      ...(label === queue ? {} : { partitions: targets }),
    });
    return;
  }
  if (action === 'pause') {
    const { command, note } = options.followUp ?? noFlags();
    io.stdout(
      changed.length === 0
        ? `Queue ${label} was paused already.`
        : `Paused queue ${label}: workers take none of its jobs until \`${command`resume ${queue}`}\`${note}. Running jobs finish; new jobs wait.`,
    );
    if (unknown && options.partitions === undefined && !parsePartitionName(queue)) {
      // Nothing here knows the partitions of a queue that has held no job.
      io.stderr(
        `note: if the tasks of ${JSON.stringify(queue)} declare partitions, pause it with --partitions <n> too: only its plain name is paused now, and a partition's jobs would run.`,
      );
    }
  } else {
    io.stdout(
      changed.length === 0
        ? `Queue ${label} was not paused.`
        : `Resumed queue ${label}: workers take its jobs again.`,
    );
  }
}

/**
 * Refuses a `--partitions n` that no stored partition or live worker of the queue has used:
 * pausing would register n partition names that nothing reads, listed from then on. `--new`
 * allows it (a change of the count about to be deployed).
 */
function checkPartitionCount(queue: string, seen: readonly string[], n: number | undefined): void {
  if (n === undefined || parsePartitionName(queue)) return;
  const counts = storedPartitionCounts(queue, seen);
  if (counts.length === 0 || counts.includes(n)) return;
  const used = counts.join(' and ');
  throw new CliError(
    'USAGE',
    `Queue ${JSON.stringify(queue)} is stored in ${used} partitions, not ${n}: --partitions ${n} would pause ${n} partition names that nothing uses, listed from then on. Nothing was paused. Leave --partitions out (every stored partition is paused), or pass --new to pause a count about to be deployed.`,
  );
}
