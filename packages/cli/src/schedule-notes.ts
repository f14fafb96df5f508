import type { ScheduleRow } from '@conveyor/core';
import { baseQueueOf, parsePartitionName } from '@conveyor/core/transport';
import type { FollowUp } from './follow-up.js';
import { terminalText } from './terminal-text.js';

/**
 * The notes under the schedules table: the orphaned rows (declared in code, or made at run
 * time) and the superseded copies, each row in one note only. A superseded copy is often
 * orphaned too (no worker declares the old partition's copy), but what to do with it is
 * what the superseded note says: it fires no more whatever a worker declares.
 */
export function scheduleNotes(rows: readonly ScheduleRow[], followUp: FollowUp): string[] {
  const lines: string[] = [];
  const note = (text: string) => lines.push('', terminalText(text));
  const orphaned = rows.filter((row) => row.orphaned && !row.superseded);
  const orphans = orphaned.filter((row) => row.source === 'code');
  if (orphans.length > 0) {
    const one = orphans.length === 1;
    note(
      `${orphans.length} orphaned: declared in code, but no live worker declares ${one ? 'it' : 'them'} now, so ${one ? 'it does' : 'they do'} not fire. ${one ? 'It fires' : 'They fire'} again when a worker that declares ${one ? 'it' : 'them'} runs; ${removal(orphans, followUp, 'remove it if it is gone for good', 'remove one that is gone for good with')}.`,
    );
  }
  const unserved = orphaned.filter((row) => row.source === 'runtime');
  if (unserved.length > 0) {
    const one = unserved.length === 1;
    const queues = [...new Set(unserved.map((row) => row.queue))];
    const single = queues.length === 1;
    note(
      `${unserved.length} orphaned: made at run time in ${single ? 'a queue' : 'queues'} no live worker serves (${queues.join(', ')}), so ${one ? 'it does' : 'they do'} not fire. ${one ? 'It fires' : 'They fire'} again once a worker consumes ${single ? 'that queue' : 'those queues'}; ${removal(unserved, followUp, 'remove it if it is gone for good', 'remove one that is gone for good with')}.`,
    );
  }
  const superseded = rows.filter((row) => row.superseded);
  if (superseded.length > 0) {
    const one = superseded.length === 1;
    const because = supersededBecause(superseded, rows);
    // A copy left by a partitionBy change sits in a partition the workers still read.
    const drained = because === SAME_COUNT ? '' : ' once the old partitions are drained';
    note(
      `${superseded.length} superseded: another copy of the same id on the same queue fires (${because}), so ${one ? 'this copy does' : 'these copies do'} not. ${removal(superseded, followUp, `Remove it${drained}`, `Remove them${drained}, each with`)}.`,
    );
  }
  return lines;
}

/** Why a copy is superseded when the partition count is the same. */
const SAME_COUNT =
  "its input's partitionBy value changed, which picks another partition of the same count";

/**
 * How to remove the rows: `one` and the command for one row, else `many` and its form. Always
 * with `--queue`: an id stored in two queues (an orphan left in the old queue after its task
 * moved, a superseded copy) is refused without it.
 */
function removal(rows: readonly ScheduleRow[], followUp: FollowUp, one: string, many: string) {
  const { command, note } = followUp;
  const [first] = rows;
  if (rows.length === 1 && first !== undefined) {
    return `${one}: \`${command`schedules remove ${first.id} --queue ${first.queue}`}\`${note}`;
  }
  const form = command`schedules remove <id> --queue <queue>`;
  return `${many} \`${form}\`${note}, its ID and QUEUE as listed above`;
}

/**
 * Why the copies are superseded, from the copies that fire: a partition count of their own
 * (`pq~1of4` beside `pq~3of8`), or the same count, where the input's `partitionBy` value
 * picked another partition (`pq~1of4` beside `pq~3of4`).
 */
function supersededBecause(
  superseded: readonly ScheduleRow[],
  rows: readonly ScheduleRow[],
): string {
  const countOf = (queue: string) => parsePartitionName(queue)?.partitions ?? 1;
  const reasons = new Set<'count' | 'partition' | 'unknown'>();
  for (const copy of superseded) {
    const base = baseQueueOf(copy.queue);
    const firing = rows.filter(
      (row) => !row.superseded && row.id === copy.id && baseQueueOf(row.queue) === base,
    );
    if (firing.length === 0) reasons.add('unknown');
    for (const row of firing) {
      reasons.add(countOf(row.queue) === countOf(copy.queue) ? 'partition' : 'count');
    }
  }
  if (reasons.size === 1 && reasons.has('count')) return 'its partition count changed';
  if (reasons.size === 1 && reasons.has('partition')) return SAME_COUNT;
  return "its partition count, or the partition its input's partitionBy value picks, changed";
}
