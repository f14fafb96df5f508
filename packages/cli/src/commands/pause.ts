import { pauseTargets } from '@conveyor/core/transport';
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
  const [known, workers] = await Promise.all([admin.listQueues(), admin.listWorkers()]);
  const seen = [...known, ...workers.flatMap((worker) => worker.queues)];
  if (action === 'pause' && !options.new && isUnknownQueue(queue, seen)) {
    throw new CliError(
      'USAGE',
      `${unknownQueueNote(queue, seen)} Nothing was paused. To pause it before its first job, pass --new.`,
    );
  }
  const targets = pauseTargets(queue, seen, options.partitions);
  const changed: string[] = [];
  for (const name of targets) {
    const did = action === 'pause' ? await admin.pauseQueue(name) : await admin.resumeQueue(name);
    if (did) changed.push(name);
  }
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
  } else {
    io.stdout(
      changed.length === 0
        ? `Queue ${label} was not paused.`
        : `Resumed queue ${label}: workers take its jobs again.`,
    );
  }
}
