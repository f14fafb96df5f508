import { assertQueueName } from '../envelope.js';
import { InvalidOptionError, TransportClosedError } from '../errors.js';
import { queueOfJobId } from '../ids.js';
import { assertByteLimit, DEFAULT_MAX_PAYLOAD_BYTES } from '../payload-size.js';
import type { Transport } from '../transport.js';
import type { TransportCapability, TransportWith } from '../transport-capabilities.js';
import { perQueue } from './batches.js';
import { assertLeaseMs, checkEnqueueRequests, checkSettlements } from './checks.js';
import type { CreateTransportOptions, TransportDriver } from './driver.js';
import { gateAdmin, gateLimits, type TransportGate } from './gates.js';
import { gateMetrics } from './metrics-gate.js';
import { gateSchedules } from './schedules-gate.js';
import { gateWorkflows } from './workflows-gate.js';

/**
 * Wraps a driver into a {@link Transport}. Every transport goes through here, so every
 * transport checks its arguments and refuses calls after `close()` the same way:
 *
 * - arguments: queue names, job ids, enqueue requests and the payload cap, limits, ttls
 *   and paging are checked before the driver is called (a bad one rejects with
 *   `INVALID_ENVELOPE` or `INVALID_OPTION`);
 * - closed state: after `close()` every operation rejects with `TRANSPORT_CLOSED`, and
 *   `onCancel` throws it [R25]; the driver's `close` runs once;
 * - batches: renewals and settlements are grouped by the queue their ids name and split
 *   into calls of at most `driver.maxBatch`; an id that names no queue answers `lost` or
 *   `stale` without reaching the driver.
 *
 * Calls reach the driver without an extra await or a copy of the caller's array.
 *
 * @example
 * export function myTransport(options: MyOptions = {}): Transport {
 *   return createTransport(myDriver(options), { maxPayloadBytes: options.maxPayloadBytes });
 * }
 */
export function createTransport<Driver extends TransportDriver, Methods extends object = object>(
  driver: Driver,
  options: CreateTransportOptions<Methods> = {},
): TransportOf<Driver> & NoInfer<Methods> {
  const { name } = driver;
  const maxBatch = driver.maxBatch ?? Number.POSITIVE_INFINITY;
  if (!(maxBatch >= 1)) {
    throw new InvalidOptionError('driver.maxBatch', maxBatch, 'a number of items, 1 or more');
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  assertByteLimit(maxPayloadBytes, 'maxPayloadBytes');
  const gate: TransportGate = { name, maxBatch, closed: false };
  // Where a refused job's advice sends the caller: raising the client's cap does not help.
  const payloadSetting = `the ${name} transport's maxPayloadBytes (the client and the worker have their own)`;
  let closing: Promise<void> | undefined;
  const refuse = (): Promise<never> => Promise.reject(new TransportClosedError(name));

  const transport: Transport = {
    name,

    enqueue(requests) {
      if (gate.closed) return refuse();
      try {
        checkEnqueueRequests(requests, maxPayloadBytes, payloadSetting);
        return requests.length === 0 ? Promise.resolve([]) : driver.enqueue(requests);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    reserve(request) {
      if (gate.closed) return refuse();
      try {
        const { queues, signal } = request;
        for (const queue of queues) assertQueueName(queue);
        assertLeaseMs(request.leaseMs);
        if (signal?.aborted || !(request.max >= 1) || queues.length === 0) {
          return Promise.resolve([]);
        }
        return driver.reserve(request);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    renew(renewals, leaseMs) {
      if (gate.closed) return refuse();
      try {
        assertLeaseMs(leaseMs);
        return perQueue(renewals, maxBatch, 'lost', (items, queue) =>
          driver.renew(items, leaseMs, queue),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },

    settle(settlements) {
      if (gate.closed) return refuse();
      try {
        checkSettlements(settlements);
        return perQueue(settlements, maxBatch, 'stale', (items, queue) =>
          driver.settle(items, queue),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },

    getJob(id) {
      if (gate.closed) return refuse();
      const queue = queueOfJobId(id);
      if (queue === undefined) return Promise.resolve(null);
      try {
        return driver.getJob(id, queue);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    waitFor(id, waitOptions) {
      if (gate.closed) return refuse();
      const queue = queueOfJobId(id);
      if (queue === undefined) return Promise.resolve(null);
      try {
        // A wait that cannot wait is a read [R21].
        if (!(waitOptions.timeoutMs > 0) || waitOptions.signal?.aborted) {
          return driver.getJob(id, queue);
        }
        return driver.waitFor(id, waitOptions, queue);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    cancel(id) {
      if (gate.closed) return refuse();
      const queue = queueOfJobId(id);
      if (queue === undefined) return Promise.resolve('not-found');
      try {
        return driver.cancel(id, queue);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    onCancel(listener) {
      if (gate.closed) throw new TransportClosedError(name);
      return driver.onCancel(listener);
    },

    close() {
      if (!closing) {
        gate.closed = true;
        try {
          closing = driver.close();
        } catch (error) {
          closing = Promise.reject(error);
        }
      }
      return closing;
    },
  };

  // Plain properties, present only when the driver has the capability.
  if (driver.admin) (transport as { admin?: unknown }).admin = gateAdmin(driver.admin, gate);
  if (driver.limits) (transport as { limits?: unknown }).limits = gateLimits(driver.limits, gate);
  if (driver.metrics) {
    (transport as { metrics?: unknown }).metrics = gateMetrics(driver.metrics, gate);
  }
  if (driver.schedules) {
    const schedules = gateSchedules(driver.schedules, gate, maxPayloadBytes);
    (transport as { schedules?: unknown }).schedules = schedules;
  }
  if (driver.workflows) {
    const workflows = gateWorkflows(driver.workflows, gate, maxPayloadBytes);
    (transport as { workflows?: unknown }).workflows = workflows;
  }
  const extra = transport as unknown as Record<string, unknown>;
  for (const [method, run] of Object.entries(options.methods ?? {})) {
    if (typeof run !== 'function') continue;
    extra[method] = (...args: unknown[]): Promise<unknown> => {
      if (gate.closed) return refuse();
      try {
        return run(...args);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return transport as TransportOf<Driver> & NoInfer<Methods>;
}

/** The transport a driver makes: with each capability (`admin`, `metrics`, …) typed as present when the driver has it. */
export type TransportOf<Driver extends TransportDriver> = TransportWith<
  {
    [K in TransportCapability]: undefined extends Driver[K] ? never : K;
  }[TransportCapability]
>;
