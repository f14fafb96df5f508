import type { TransportSchedules } from '@conveyor/core';
import { CliError } from './errors.js';
import type { FollowUp } from './follow-up.js';

/** What a schedule action would have done, for "nothing was paused". */
const DONE: Readonly<Record<string, string>> = {
  'run-now': 'enqueued',
  pause: 'paused',
  resume: 'resumed',
  remove: 'removed',
};

/**
 * The CLI's own words for core's SCHEDULE_AMBIGUOUS (whose `{ queue }` advice is the API's):
 * one command to paste per queue, with `--queue` and the transport options, the copies that
 * fire first and a superseded copy last, marked as such (picking it by default acted on the
 * copy that no longer fires).
 */
export async function ambiguousSchedule(
  stored: TransportSchedules,
  action: string,
  id: string,
  queues: readonly string[],
  followUp: FollowUp,
  cause: unknown,
): Promise<CliError> {
  const { schedules } = await stored.list();
  const superseded = new Set(
    schedules
      .filter(({ spec, superseded }) => spec.id === id && superseded === true)
      .map(({ spec }) => spec.queue),
  );
  const ordered = [
    ...queues.filter((queue) => !superseded.has(queue)),
    ...queues.filter((queue) => superseded.has(queue)),
  ];
  const { command, note } = followUp;
  const width = Math.max(
    ...ordered.map((queue) => command`schedules ${action} ${id} --queue ${queue}`.length),
  );
  const lines = ordered.map((queue) => {
    const line = `  ${command`schedules ${action} ${id} --queue ${queue}`}`;
    if (!superseded.has(queue)) return line;
    return `${line.padEnd(width + 2)}  # superseded: another copy fires; remove this one once the old partitions are drained`;
  });
  const names = ordered.map((queue) => JSON.stringify(queue)).join(', ');
  return new CliError(
    'USAGE',
    [
      `Schedule ${JSON.stringify(id)} is stored in more than one queue (${names}): nothing was ${DONE[action] ?? 'changed'}. Say which with --queue, as one of${note}:`,
      ...lines,
    ].join('\n'),
    { cause },
  );
}
