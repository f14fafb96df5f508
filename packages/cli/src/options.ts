import { isScheduleId, SCHEDULE_ID_RULE } from '@conveyor/core';
import {
  isPartitionCount,
  isQueueName,
  isStoredQueueName,
  MAX_PARTITIONS,
  queueOfJobId,
  storedQueueNameRule,
} from '@conveyor/core/transport';
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

/** What a stored queue's name may be, as the messages of the options below say it. */
const STORED_QUEUE_RULE = `a queue name (1–64 of A–Z, a–z, 0–9, "_", "." and "-"), or a partition's, e.g. "emails~3of8"`;

/** {@link STORED_QUEUE_RULE}, and what is wrong with `name` when it looks like a partition's. */
const storedQueueRule = (name: string): string => storedQueueNameRule(name, STORED_QUEUE_RULE);

/**
 * Parses a queue or partition name (`emails`, `emails~3of8`), for the commands that read or
 * act on stored queues; quotes a bad one.
 */
export function parseStoredQueue(option: string) {
  return (value: string): string => {
    if (!isStoredQueueName(value)) {
      throw usageError(option, value, storedQueueRule(value));
    }
    return value;
  };
}

/**
 * Parses `a,b,c` into queue or partition names ({@link parseStoredQueue}), added to those of
 * the option's earlier occurrences (`-q a -q b,c` is `a,b,c`); blank entries are dropped,
 * repeats removed.
 */
export function parseQueueList(option: string) {
  const one = parseStoredQueue(option);
  return (value: string, previous: readonly string[] = []): string[] => {
    const queues = splitList(value);
    if (queues.length === 0) throw usageError(option, value, 'a comma-separated list of queues');
    return [...new Set([...previous, ...queues.map(one)])];
  };
}

/**
 * Parses `card.number, **.cvv` into redact paths, blank entries dropped, added to those of
 * the option's earlier occurrences (`--redact a --redact b,c` is `a,b,c`). Each path is
 * checked before the command connects (`checkRedactPaths`: the dashboard's code, which
 * checks them, loads only for the commands that print job data).
 */
export function parseRedactPaths(value: string, previous: readonly string[] = []): string[] {
  const paths = splitList(value);
  if (paths.length === 0) {
    throw usageError(
      '--redact',
      value,
      'comma-separated input paths such as card.number,**.cvv (an unset shell variable?), or no --redact',
    );
  }
  return [...new Set([...previous, ...paths])];
}

/** `a, b,,c` as `['a', 'b', 'c']`: comma-separated, trimmed, blank entries dropped. */
function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * Parses one repeatable `--partitions <queue>=<n>` (`emails=8`) into the counts so far, as
 * `createWorker({ partitions })` takes them: a queue's name (not a partition's), a whole
 * count from 1 to MAX_PARTITIONS; the same queue twice must give the same count.
 */
export function parsePartitionCount(option: string) {
  const expected = `<queue>=<n>, a queue name and a partition count from 1 to ${MAX_PARTITIONS}, e.g. "emails=8"`;
  return (value: string, previous: Record<string, number> = {}): Record<string, number> => {
    const match = /^([^=]*)=(\d+)$/.exec(value.trim());
    const queue = match?.[1] ?? '';
    const count = Number(match?.[2]);
    if (!match || !isQueueName(queue) || !isPartitionCount(count)) {
      throw usageError(option, value, expected);
    }
    const earlier = Object.hasOwn(previous, queue) ? previous[queue] : undefined;
    if (earlier !== undefined && earlier !== count) {
      throw usageError(
        option,
        value,
        `one count per queue (${option} ${queue}=${earlier} came first)`,
      );
    }
    return { ...previous, [queue]: count };
  };
}

/** Checks a job id: `<queue>:<unique>`, with a valid queue name; quotes a bad one. */
export function parseJobId(value: string): string {
  if (queueOfJobId(value) !== undefined) return value;
  const separator = value.indexOf(':');
  let expected = 'an id of the form <queue>:<unique>, e.g. "emails:mi9x0q2k…"';
  if (value.startsWith('wf_')) {
    expected += `; this is a workflow id: use conveyor workflows cancel|retry, or conveyor inspect`;
  } else if (separator > 0 && separator < value.length - 1) {
    const queue = shortened(value.slice(0, separator));
    expected += `; its queue part ${JSON.stringify(queue)} is not ${storedQueueRule(queue)}`;
  }
  const length = value.length > MAX_QUOTED ? ` (${value.length} characters)` : '';
  throw usageError('job id', `${shortened(value)}${length}`, expected);
}

/** Longest text quoted whole in a message: a pasted blob is quoted by its start. */
const MAX_QUOTED = 200;
const shortened = (text: string) => (text.length > MAX_QUOTED ? `${text.slice(0, 60)}…` : text);

/** Checks a schedule id ({@link SCHEDULE_ID_RULE}); quotes a bad one. */
export function parseScheduleId(value: string): string {
  if (!isScheduleId(value)) throw usageError('schedule id', value, SCHEDULE_ID_RULE);
  return value;
}
