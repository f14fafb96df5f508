import { storedQueuesOf, sumQueueCounts } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { noteOnInterrupt } from '../interrupt-note.js';
import { type Io, printJson } from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';

/** How often a purge on a terminal says it is still deleting. */
export const PURGE_PROGRESS_MS = 5_000;

/**
 * `conveyor purge <queue>`: deletes the waiting and delayed jobs of a queue (and with
 * `--dead`, its dead-letter set too); of a partitioned queue, of every partition. Asks
 * first on a terminal; needs `--yes` otherwise. `--dry-run` says what it would delete.
 */
export async function purgeQueue(
  connection: AdminConnection,
  queue: string,
  options: { json?: boolean; yes?: boolean; dead?: boolean; dryRun?: boolean; followUp?: FollowUp },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const known = await admin.listQueues();
  const stored = storedQueuesOf(queue, known);
  const label = queueLabel(queue, stored);
  // A typo purges nothing, and says so: the name reads as an empty queue otherwise.
  await noteUnknownQueue(admin, queue, io, known);
  const stores = await admin.queueCounts(stored);
  const counts = sumQueueCounts(queue, stores);
  // `2 waiting and 1 delayed jobs`, `0 waiting, 0 delayed and 1 dead job`.
  const total = counts.waiting + counts.delayed + (options.dead ? counts.dead : 0);
  const counted = options.dead
    ? `${counts.waiting} waiting, ${counts.delayed} delayed and ${counts.dead} dead`
    : `${counts.waiting} waiting and ${counts.delayed} delayed`;
  const what = `${counted} job${total === 1 ? '' : 's'}`;
  const { command } = options.followUp ?? noFlags();
  const confirmed = options.dead
    ? command`purge ${queue} --dead --yes`
    : command`purge ${queue} --yes`;
  if (options.dryRun) {
    if (options.json) {
      printJson(io, {
        queue,
        dryRun: true,
        waiting: counts.waiting,
        delayed: counts.delayed,
        ...(options.dead ? { dead: counts.dead } : {}),
        // Each partition's share, as the purge's own --json gives it.
        ...(label === queue
          ? {}
          : {
              partitions: stores.map((p) => ({
                queue: p.queue,
                waiting: p.waiting,
                delayed: p.delayed,
                ...(options.dead ? { dead: p.dead } : {}),
              })),
            }),
      });
    } else {
      io.stdout(
        `Dry run: would delete ${what} of queue ${label}. Nothing was changed. To purge: \`${confirmed}\`.`,
      );
    }
    return;
  }
  // Nothing to delete is nothing to confirm, on a terminal or not: the purge below reports 0.
  const nothing = counts.waiting + counts.delayed + (options.dead ? counts.dead : 0) === 0;
  if (!options.yes && !nothing && !io.interactive) {
    // With the count: the refusal said nothing of what a --yes would delete.
    throw new CliError(
      'REFUSED',
      `Refusing to purge queue ${label} (${what}) without confirmation: stdin is not a terminal. Pass --yes to purge (\`${confirmed}\`), or --dry-run to see what it would delete.`,
    );
  }
  if (!options.yes && !nothing && !(await io.confirm(`Delete ${what} of queue ${label}? [y/N] `))) {
    throw new CliError('REFUSED', `Not purged: queue ${label} is unchanged.`);
  }
  const partitions: Array<{ queue: string; purged: number; dead?: number }> = [];
  const done = () => {
    const deleted = partitions.reduce((sum, p) => sum + p.purged + (p.dead ?? 0), 0);
    return stored.length > 1
      ? `${partitions.length} of ${stored.length} partitions done, ${deleted} job${deleted === 1 ? '' : 's'} deleted in them`
      : 'the jobs deleted so far stay deleted';
  };
  noteOnInterrupt(() =>
    terminalText(
      `Interrupted: queue ${label} partly purged (${done()}); run the same command again to finish.`,
    ),
  );
  const startedAt = Date.now();
  // On a terminal, a purge that runs long says so; a pipe or log file gets the result only.
  const ticking = io.progress
    ? setInterval(() => {
        const seconds = Math.round((Date.now() - startedAt) / 1_000);
        io.stderr(
          terminalText(`Purging queue ${label}: still at it after ${seconds} s (${done()}).`),
        );
      }, PURGE_PROGRESS_MS)
    : undefined;
  try {
    for (const name of stored) {
      const purged = await admin.purgeQueue(name);
      partitions.push(
        options.dead
          ? { queue: name, purged, dead: await admin.purgeDead(name) }
          : { queue: name, purged },
      );
    }
  } finally {
    clearInterval(ticking);
    noteOnInterrupt(undefined);
  }
  const purged = partitions.reduce((sum, p) => sum + p.purged, 0);
  const dead = partitions.reduce((sum, p) => sum + (p.dead ?? 0), 0);
  await recordAction(
    connection,
    { action: 'queue.purge', queue, detail: options.dead ? { purged, dead } : { purged } },
    io,
  );
  if (options.json) {
    printJson(io, {
      queue,
      purged,
      ...(options.dead ? { dead } : {}),
      ...(label === queue ? {} : { partitions }),
    });
  } else {
    io.stdout(
      `Purged ${purged} waiting/delayed job${purged === 1 ? '' : 's'}${options.dead ? ` and ${dead} dead job${dead === 1 ? '' : 's'}` : ''} from queue ${label}.`,
    );
  }
}
