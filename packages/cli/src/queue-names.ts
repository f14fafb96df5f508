import type { TransportAdmin } from '@conveyor/core';
import { isUnknownQueue, nearestName, parsePartitionName } from '@conveyor/core/transport';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';

// Shared with the dashboard (a pause of a name nothing has seen is refused there too).
export { isUnknownQueue } from '@conveyor/core/transport';

/** `No queue named "emalis" has held a job or has a worker (did you mean emails?).` */
export function unknownQueueNote(queue: string, known: readonly string[]): string {
  const names = [...new Set(known.map((name) => parsePartitionName(name)?.queue ?? name))];
  const near = nearestQueue(queue, names);
  const hint = near
    ? ` (did you mean ${near}?)`
    : names.length > 0
      ? ` (the queues: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})`
      : '';
  return `No queue named ${JSON.stringify(queue)} has held a job or has a worker${hint}.`;
}

/**
 * `nearestName`, with two swapped letters counted as one edit: `emial` for `emails` is
 * three edits to it (a swap and a letter left out), past its limit, and got no suggestion.
 */
export function nearestQueue(queue: string, names: readonly string[]): string | undefined {
  const near = nearestName(queue, names);
  if (near !== undefined) return near;
  const most = queue.length >= 7 ? 3 : 2;
  let best: { name: string; distance: number } | undefined;
  for (let i = 0; i + 1 < queue.length; i++) {
    if (queue[i] === queue[i + 1]) continue;
    const swapped = `${queue.slice(0, i)}${queue[i + 1]}${queue[i]}${queue.slice(i + 2)}`;
    for (const name of names) {
      const distance = 1 + editDistance(swapped, name);
      if (distance <= most && (!best || distance < best.distance)) best = { name, distance };
    }
  }
  return best?.name;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + same,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
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
