import { assertQueueName } from '../envelope.js';
import { InvalidOptionError } from '../errors.js';
import { PICKUP_BUCKETS_MS, type TaskMinute, type TransportMetrics } from '../transport-metrics.js';
import { checkTask } from './admin-checks.js';
import { gated, type TransportGate } from './gates.js';

/** Most minutes one `metrics.read` may span: a day (minutes are kept two hours). */
export const MAX_METRICS_RANGE_MINUTES = 24 * 60;

/**
 * `transport.metrics` over a driver's: queue names, task names, minutes, counts and pickup
 * histograms checked; an empty batch or queue list answers without the driver [M4].
 */
export function gateMetrics(metrics: TransportMetrics, gate: TransportGate): TransportMetrics {
  return {
    record: (minutes) =>
      gated(gate, () => {
        if (!Array.isArray(minutes)) {
          throw new InvalidOptionError('metrics minutes', minutes, 'an array of TaskMinute');
        }
        for (const minute of minutes) checkTaskMinute(minute);
        return minutes.length === 0 ? Promise.resolve() : metrics.record(minutes);
      }),
    read: (queues, range) =>
      gated(gate, () => {
        for (const queue of queues) assertQueueName(queue);
        checkRange(range);
        return queues.length === 0 ? Promise.resolve([]) : metrics.read(queues, range);
      }),
    totals: (queues) =>
      gated(gate, () => {
        for (const queue of queues) assertQueueName(queue);
        return queues.length === 0 ? Promise.resolve([]) : metrics.totals(queues);
      }),
  };
}

function checkTaskMinute(minute: TaskMinute): void {
  if (typeof minute !== 'object' || minute === null) {
    throw new InvalidOptionError(
      'metrics minute',
      minute,
      '{ queue, task, minute, completed, failed, retried, pickup }',
    );
  }
  assertQueueName(minute.queue);
  checkTask(minute.task, 'metrics task');
  checkMinute(minute.minute, 'metrics minute number');
  checkCount(minute.completed, 'completed');
  checkCount(minute.failed, 'failed');
  checkCount(minute.retried, 'retried');
  const { pickup } = minute;
  const buckets = PICKUP_BUCKETS_MS.length + 1;
  if (!Array.isArray(pickup) || pickup.length !== buckets) {
    throw new InvalidOptionError(
      'metrics pickup',
      pickup,
      `an array of ${buckets} counts, one per PICKUP_BUCKETS_MS bucket and one for slower pickups`,
    );
  }
  for (const count of pickup) checkCount(count, 'metrics pickup count');
}

function checkRange(range: { fromMinute: number; toMinute: number }): void {
  if (typeof range !== 'object' || range === null) {
    throw new InvalidOptionError('metrics range', range, '{ fromMinute, toMinute }');
  }
  checkMinute(range.fromMinute, 'fromMinute');
  checkMinute(range.toMinute, 'toMinute');
  const span = range.toMinute - range.fromMinute;
  if (span < 0 || span >= MAX_METRICS_RANGE_MINUTES) {
    throw new InvalidOptionError(
      'metrics range',
      range,
      `fromMinute no later than toMinute, at most ${MAX_METRICS_RANGE_MINUTES} minutes in all`,
    );
  }
}

function checkMinute(value: unknown, option: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(option, value, 'minutes since the epoch: Math.floor(ms / 60_000)');
  }
}

function checkCount(value: unknown, option: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(option, value, 'an integer, 0 or more');
  }
}
