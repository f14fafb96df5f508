import { InvalidOptionError } from '../errors.js';
import type { TransportSchedules } from '../transport-schedules.js';
import { gated, type TransportGate } from './gates.js';
import {
  assertScheduleId,
  assertScheduleQueue,
  checkFire,
  checkScheduleSpec,
} from './schedule-checks.js';

/**
 * `transport.schedules` over a driver's [S6]: specs checked and put in their stored form,
 * queue names, schedule ids, revisions and slots checked, the fired job checked as
 * `enqueue` checks it, its id set to the slot's `scheduleJobId`. An empty `upsert`
 * answers without the driver.
 */
export function gateSchedules(
  schedules: TransportSchedules,
  gate: TransportGate,
  maxPayloadBytes: number,
): TransportSchedules {
  return {
    upsert: (specs) =>
      gated(gate, () => {
        if (!Array.isArray(specs)) {
          throw new InvalidOptionError('schedule specs', specs, 'an array of schedule specs');
        }
        const checked = specs.map((spec) => checkScheduleSpec(spec, maxPayloadBytes));
        return checked.length === 0 ? Promise.resolve([]) : schedules.upsert(checked);
      }),
    remove: (queue, id) =>
      gated(gate, () => {
        assertScheduleQueue(queue);
        assertScheduleId(id);
        return schedules.remove(queue, id);
      }),
    setPaused: (queue, id, paused) =>
      gated(gate, () => {
        assertScheduleQueue(queue);
        assertScheduleId(id);
        if (typeof paused !== 'boolean') {
          throw new InvalidOptionError('paused', paused, 'true or false');
        }
        return schedules.setPaused(queue, id, paused);
      }),
    list: (queues) =>
      gated(gate, () => {
        if (queues === undefined) return schedules.list();
        if (!Array.isArray(queues)) {
          throw new InvalidOptionError('queues', queues, 'an array of queue names, or nothing');
        }
        for (const queue of queues) assertScheduleQueue(queue);
        return schedules.list([...new Set(queues)]);
      }),
    fire: (request) => gated(gate, () => schedules.fire(checkFire(request, maxPayloadBytes))),
  };
}
