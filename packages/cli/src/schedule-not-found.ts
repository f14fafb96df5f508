import type { TransportSchedules } from '@conveyor/core';
import { baseQueueOf, nearestName } from '@conveyor/core/transport';

/**
 * What to add to "No schedule <id>" for `conveyor schedules run-now|pause|resume|remove`:
 * where the id is stored when `--queue` named another queue, else the stored id nearest it
 * (`demo.tikc`: did you mean "demo.tick"?), as `enqueue`, `pause` and `status` suggest;
 * '' when neither applies.
 */
export async function scheduleIdHint(
  schedules: TransportSchedules,
  id: string,
  queue: string | undefined,
): Promise<string> {
  const { schedules: stored } = await schedules.list();
  const elsewhere = stored
    .filter(({ spec }) => spec.id === id && queue !== undefined)
    .map(({ spec }) => baseQueueOf(spec.queue));
  if (elsewhere.length > 0) {
    const names = [...new Set(elsewhere)].map((name) => JSON.stringify(name)).join(', ');
    return ` (it is stored in queue ${names}: pass that --queue, or leave --queue out)`;
  }
  const near = nearestName(id, [...new Set(stored.map(({ spec }) => spec.id))]);
  return near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`;
}
