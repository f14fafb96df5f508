import type { TransportAdmin } from '@conveyor/core';
import { isUnknownQueue, nearestName, parsePartitionName } from '@conveyor/core/transport';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';

// Shared with the dashboard (a pause of a name nothing has seen is refused there too).
export { isUnknownQueue } from '@conveyor/core/transport';

/** `No queue named "emalis" has held a job or has a worker (did you mean emails?).` */
export function unknownQueueNote(queue: string, known: readonly string[]): string {
  const names = [...new Set(known.map((name) => parsePartitionName(name)?.queue ?? name))];
  const near = nearestName(queue, names);
  const hint = near
    ? ` (did you mean ${near}?)`
    : names.length > 0
      ? ` (the queues: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})`
      : '';
  return `No queue named ${JSON.stringify(queue)} has held a job or has a worker${hint}.`;
}

/**
 * Writes `note: No queue named …` on stderr when the broker has never seen `queue`, for a
 * command that found nothing there (`purge`, `dead`, `retry --all-dead`): the exit code and
 * stdout stay those of an empty queue. `known` is the queue list, when read already.
 */
export async function noteUnknownQueue(
  admin: TransportAdmin,
  queue: string,
  io: Io,
  known?: readonly string[],
): Promise<void> {
  const [queues, workers] = await Promise.all([known ?? admin.listQueues(), admin.listWorkers()]);
  const seen = [...queues, ...workers.flatMap((worker) => worker.queues)];
  if (isUnknownQueue(queue, seen))
    io.stderr(`note: ${terminalText(unknownQueueNote(queue, seen))}`);
}
