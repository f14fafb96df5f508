import { describeSchedules, type ScheduleRow, type Transport } from '@conveyor/core';
import type { FollowUp } from './follow-up.js';

/** Why a schedule that is not paused fires no slot, and what makes it fire. */
export interface NotFiring {
  /** `it is disabled in its definition (enabled: false)`. */
  why: string;
  /** One or more sentences: what has to happen before it fires. */
  until: string;
}

/**
 * Why schedule `id` of stored queue `queue` fires no slot once it is not paused, by the rules
 * of the list's NEXT FIRE TIMES: disabled in its definition, a superseded copy, or orphaned
 * (this last only on a transport with `admin`). Undefined when it fires (or is gone).
 */
export async function notFiring(
  transport: Transport,
  queue: string,
  id: string,
  followUp: FollowUp,
): Promise<NotFiring | undefined> {
  const rows = await describeSchedules(transport, { queues: [queue] });
  const row = rows.find((r) => r.id === id && r.queue === queue);
  return row && notFiringOf(row, followUp);
}

/** {@link notFiring} of a row of the list. */
export function notFiringOf(row: ScheduleRow, followUp: FollowUp): NotFiring | undefined {
  const queue = JSON.stringify(row.queue);
  if (!row.enabled) {
    return {
      why: 'it is disabled in its definition (enabled: false)',
      until:
        row.source === 'code'
          ? 'It fires only once a definition enables it: set enabled: true (or leave enabled out) in its defineSchedule and deploy the workers that declare it.'
          : 'It fires only once a definition enables it: store it again with enabled: true (client.schedules.upsert()).',
    };
  }
  if (row.superseded) {
    const remove = followUp.command`schedules remove ${row.id} --queue ${row.queue}`;
    return {
      why: `this copy in queue ${queue} is superseded (another copy of the id on the same queue fires)`,
      until: `This copy fires no more; remove it once the old partitions are drained: \`${remove}\`${followUp.note}.`,
    };
  }
  if (!row.orphaned) return undefined;
  return row.source === 'code'
    ? {
        why: 'it is orphaned (no live worker declares it)',
        until: 'It fires only once a worker whose code declares it runs.',
      }
    : {
        why: `it is orphaned (no live worker serves its queue ${queue})`,
        until: 'It fires only once a worker of that queue runs.',
      };
}
