import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import { type Io, printJson } from '../output.js';

/**
 * `conveyor purge <queue>`: deletes the waiting and delayed jobs of a queue (and with
 * `--dead`, its dead-letter set too). Asks first on a terminal; needs `--yes` otherwise.
 */
export async function purgeQueue(
  connection: AdminConnection,
  queue: string,
  options: { json?: boolean; yes?: boolean; dead?: boolean },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  if (!options.yes) {
    if (!io.interactive) {
      throw new CliError(
        'REFUSED',
        `Refusing to purge queue ${queue} without confirmation: stdin is not a terminal. Pass --yes to purge.`,
      );
    }
    const [counts] = await admin.queueCounts([queue]);
    const what = `${counts?.waiting ?? 0} waiting and ${counts?.delayed ?? 0} delayed${options.dead ? ` and ${counts?.dead ?? 0} dead` : ''}`;
    const confirmed = await io.confirm(`Delete ${what} jobs of queue ${queue}? [y/N] `);
    if (!confirmed) throw new CliError('REFUSED', `Not purged: queue ${queue} is unchanged.`);
  }
  const purged = await admin.purgeQueue(queue);
  const dead = options.dead ? await admin.purgeDead(queue) : 0;
  if (options.json) {
    printJson(io, options.dead ? { queue, purged, dead } : { queue, purged });
  } else {
    io.stdout(
      `Purged ${purged} waiting/delayed job${purged === 1 ? '' : 's'}${options.dead ? ` and ${dead} dead job${dead === 1 ? '' : 's'}` : ''} from queue ${queue}.`,
    );
  }
}
