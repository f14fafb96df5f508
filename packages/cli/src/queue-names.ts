import { parsePartitionName } from '@conveyor/core/transport';

/** Levenshtein distance, for suggestions after a mistyped name. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate within two edits of `name`, the closest first; undefined when none is. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/**
 * Whether the broker has never seen `queue`: no job was ever enqueued on it (nor, for a
 * queue, on one of its partitions) and no live worker consumes it. Such a name reads as an
 * empty queue, which a typo also does.
 */
export function isUnknownQueue(queue: string, known: readonly string[]): boolean {
  return !known.some((name) => name === queue || parsePartitionName(name)?.queue === queue);
}

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
