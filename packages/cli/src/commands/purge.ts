import { storedQueuesOf, sumQueueCounts } from '@conveyor/core/transport';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type Io, printJson } from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel } from '../stored-queues.js';

/**
 * `conveyor purge <queue>`: deletes the waiting and delayed jobs of a queue (and with
 * `--dead`, its dead-letter set too); of a partitioned queue, of every partition. Asks
 * first on a terminal; needs `--yes` otherwise.
 */
export async function purgeQueue(
  connection: AdminConnection,
  queue: string,
  options: { json?: boolean; yes?: boolean; dead?: boolean },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  if (!options.yes && !io.interactive) {
    throw new CliError(
      'REFUSED',
      `Refusing to purge queue ${queue} without confirmation: stdin is not a terminal. Pass --yes to purge.`,
    );
  }
  const known = await admin.listQueues();
  const stored = storedQueuesOf(queue, known);
  const label = queueLabel(queue, stored);
  // A typo purges nothing, and says so: the name reads as an empty queue otherwise.
  await noteUnknownQueue(admin, queue, io, known);
  if (!options.yes) {
    const counts = sumQueueCounts(queue, await admin.queueCounts(stored));
    const what = `${counts.waiting} waiting and ${counts.delayed} delayed${options.dead ? ` and ${counts.dead} dead` : ''}`;
    // Nothing to delete is nothing to confirm: the purge below reports 0.
    const nothing = counts.waiting + counts.delayed + (options.dead ? counts.dead : 0) === 0;
    if (!nothing && !(await io.confirm(`Delete ${what} jobs of queue ${label}? [y/N] `))) {
      throw new CliError('REFUSED', `Not purged: queue ${label} is unchanged.`);
    }
  }
  const partitions: Array<{ queue: string; purged: number; dead?: number }> = [];
  for (const name of stored) {
    const purged = await admin.purgeQueue(name);
    partitions.push(
      options.dead
        ? { queue: name, purged, dead: await admin.purgeDead(name) }
        : { queue: name, purged },
    );
  }
  const purged = partitions.reduce((sum, p) => sum + p.purged, 0);
  const dead = partitions.reduce((sum, p) => sum + (p.dead ?? 0), 0);
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
