import { isScheduleId, SCHEDULE_ID_RULE } from '@conveyor/core';
import { isStoredQueueName, queueOfJobId } from '@conveyor/core/transport';
import { usageError } from './errors.js';

/** Parses an integer option (`--concurrency 8`); quotes a bad value. */
export function parseInteger(option: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || number < min || number > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
      throw usageError(option, value, `an integer ${range}`);
    }
    return number;
  };
}

/**
 * Parses a queue or partition name (`emails`, `emails~3of8`), for the commands that read or
 * act on stored queues; quotes a bad one.
 */
export function parseStoredQueue(option: string) {
  return (value: string): string => {
    if (!isStoredQueueName(value)) {
      throw usageError(
        option,
        value,
        `a queue name (1–64 of A–Z, a–z, 0–9, "_", "." and "-"), or a partition's, e.g. "emails~3of8"`,
      );
    }
    return value;
  };
}

/**
 * Parses `a,b,c` into queue or partition names ({@link parseStoredQueue}); blank entries are
 * dropped, repeats removed.
 */
export function parseQueueList(option: string) {
  const one = parseStoredQueue(option);
  return (value: string): string[] => {
    const queues = value
      .split(',')
      .map((queue) => queue.trim())
      .filter((queue) => queue.length > 0);
    if (queues.length === 0) throw usageError(option, value, 'a comma-separated list of queues');
    return [...new Set(queues.map(one))];
  };
}

/** Checks a job id: `<queue>:<unique>`, with a valid queue name; quotes a bad one. */
export function parseJobId(value: string): string {
  if (queueOfJobId(value) === undefined) {
    throw usageError(
      'job id',
      value,
      'an id of the form <queue>:<unique>, e.g. "emails:mi9x0q2k…"',
    );
  }
  return value;
}

/** Checks a schedule id ({@link SCHEDULE_ID_RULE}); quotes a bad one. */
export function parseScheduleId(value: string): string {
  if (!isScheduleId(value)) throw usageError('schedule id', value, SCHEDULE_ID_RULE);
  return value;
}
