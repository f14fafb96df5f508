import type { Logger, Settlement, SettleStatus } from '@conveyor/core';
import { queueOfJobId } from '@conveyor/core/transport';
import type { BrokenDelivery } from './wire/script-calls.js';

/**
 * Dead-letters the leased jobs reserve could not decode (an unknown job format version,
 * garbage), and logs each one it moved: no worker ever sees these jobs, so without this line
 * nothing in a worker's log says a job went to the dead-letter set. A job another settle got
 * to first is not logged (it was not dead-lettered here), so each is logged once.
 */
export function deadLetterBroken(
  settle: (settlements: Settlement[]) => Promise<SettleStatus[]>,
  logger: Logger,
): (items: BrokenDelivery[]) => Promise<void> {
  return async (items) => {
    const statuses = await settle(
      items.map(({ id, token, error }) => ({ type: 'fail', id, token, error, deadLetter: true })),
    );
    items.forEach(({ id, error }, position) => {
      if (statuses[position] !== 'ok') return;
      const queue = queueOfJobId(id) ?? '';
      logger.warn(
        { jobId: id, queue, err: error },
        `[conveyor] [redis] job ${JSON.stringify(id)} of queue ${JSON.stringify(queue)} went to the dead-letter set unrun: it cannot be read (${error.code ?? error.name}: ${error.message})`,
      );
    });
  };
}
