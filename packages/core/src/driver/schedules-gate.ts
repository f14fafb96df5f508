import { assertQueueName } from '../envelope.js';
import { InvalidOptionError } from '../errors.js';
import { MAX_SLOT_AT, scheduleJobId } from '../ids.js';
import type { EnqueueRequest } from '../transport.js';
import {
  type FireRequest,
  isScheduleId,
  SCHEDULE_ID_RULE,
  type TransportSchedules,
} from '../transport-schedules.js';
import { checkEnqueueRequests } from './checks.js';
import { gated, type TransportGate } from './gates.js';

/**
 * `transport.schedules` over a driver's: schedule ids, slots, the overlap option and the
 * job (as `enqueue` checks it) checked, the job's id set to the slot's
 * {@link scheduleJobId}; an empty `lastFired` answers without the driver [S6].
 */
export function gateSchedules(
  schedules: TransportSchedules,
  gate: TransportGate,
  maxPayloadBytes: number,
): TransportSchedules {
  return {
    fire: (request) => gated(gate, () => schedules.fire(checkFire(request, maxPayloadBytes))),
    lastFired: (queue, scheduleIds) =>
      gated(gate, () => {
        assertQueueName(queue);
        if (!Array.isArray(scheduleIds)) {
          throw new InvalidOptionError('scheduleIds', scheduleIds, 'an array of schedule ids');
        }
        for (const id of scheduleIds) assertScheduleId(id);
        return scheduleIds.length === 0
          ? Promise.resolve([])
          : schedules.lastFired(queue, scheduleIds);
      }),
  };
}

/** The request as the driver gets it: checked, with the slot's job id. */
function checkFire(request: FireRequest, maxPayloadBytes: number): FireRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidOptionError('fire request', request, '{ scheduleId, slotAt, job, overlap? }');
  }
  const { scheduleId, slotAt, job, overlap } = request;
  assertScheduleId(scheduleId);
  if (
    typeof slotAt !== 'number' ||
    !Number.isInteger(slotAt) ||
    slotAt < 0 ||
    slotAt > MAX_SLOT_AT
  ) {
    throw new InvalidOptionError(
      'slotAt',
      slotAt,
      `a slot time in ms since the epoch: an integer from 0 to ${MAX_SLOT_AT}`,
    );
  }
  if (overlap !== undefined && overlap !== 'allow' && overlap !== 'skip') {
    throw new InvalidOptionError('overlap', overlap, "'allow' or 'skip'");
  }
  if (typeof job !== 'object' || job === null || typeof job.envelope !== 'object') {
    throw new InvalidOptionError('fire job', job, 'an enqueue request: { envelope, … }');
  }
  assertQueueName(job.envelope.queue);
  const id = scheduleJobId(job.envelope.queue, scheduleId, slotAt);
  const slotJob: EnqueueRequest = { ...job, envelope: { ...job.envelope, id } };
  checkEnqueueRequests([slotJob], maxPayloadBytes);
  return { scheduleId, slotAt, job: slotJob, overlap: overlap ?? 'allow' };
}

function assertScheduleId(id: unknown): asserts id is string {
  if (!isScheduleId(id)) {
    throw new InvalidOptionError('schedule id', id, SCHEDULE_ID_RULE);
  }
}
