import {
  INDEX_LIMITS,
  isScheduleId,
  JOB_LIST_STATES,
  type JobListState,
  SCHEDULE_ID_RULE,
} from '@conveyor/core';
import {
  isQueueName,
  isStoredQueueName,
  QUEUE_NAME_RULE,
  storedQueueNameRule,
} from '@conveyor/core/transport';
import { badRequest } from '../errors.js';

const STATES: readonly JobListState[] = JOB_LIST_STATES;

/** A queue name from a path or query: 1–64 of A–Z, a–z, 0–9, `_`, `.`, `-`. */
export function queueName(value: unknown, name = 'queue'): string {
  if (!isQueueName(value)) {
    throw badRequest(name, value, QUEUE_NAME_RULE);
  }
  return value;
}

/**
 * A queue's or a partition's name (`emails`, `emails~3of8`) from a path or query: what the
 * views of stored queues take.
 */
export function storedQueueName(value: unknown, name = 'queue'): string {
  if (!isStoredQueueName(value)) {
    throw badRequest(name, value, storedQueueNameRule(value));
  }
  return value;
}

/** A schedule id from a path: {@link SCHEDULE_ID_RULE}. */
export function scheduleId(value: unknown): string {
  if (!isScheduleId(value)) throw badRequest('schedule id', value, SCHEDULE_ID_RULE);
  return value;
}

/** An optional short string parameter (task names, error codes, cursors, ids). */
export function optionalString(value: unknown, name: string, maxLength = 512): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw badRequest(name, value, `a string of at most ${maxLength} characters`);
  }
  return value;
}

/** An optional integer parameter in `[min, max]`, `fallback` when absent. */
export function intParam(
  value: string | null,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  if (value === null || value === '') return range.fallback;
  // Decimal digits only: Number() also reads `0x10`, `1e3`, ` 7` and `0b1`.
  const number = /^-?\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < range.min || number > range.max) {
    throw badRequest(name, value, `an integer from ${range.min} to ${range.max}`);
  }
  return number;
}

/** A job-list state. */
export function listState(value: string | null): JobListState {
  if (value === null || value === '') return 'waiting';
  if (!STATES.includes(value as JobListState)) {
    throw badRequest('state', value, STATES.join(', '));
  }
  return value as JobListState;
}

/** An indexed value: at most {@link INDEX_LIMITS}.valueLength characters. */
export function indexValue(value: string | null): string {
  if (value === null || value.length > INDEX_LIMITS.valueLength) {
    throw badRequest('value', value, `a string of at most ${INDEX_LIMITS.valueLength} characters`);
  }
  return value;
}

/** Jobs per page: 1–500, default 50. */
export function pageLimit(value: string | null): number {
  return intParam(value, 'limit', { min: 1, max: 500, fallback: 50 });
}
