import {
  type JobEnvelope,
  type JobRecord,
  type JsonValue,
  type LeaseRenewal,
  type Logger,
  memoryTransport,
  type ReserveRequest,
  type Settlement,
  type Transport,
} from '@conveyor/core';
import { createManualClock, type ManualClock, makeEnvelope } from '@conveyor/core/testing';
import { afterEach } from 'vitest';
import { createWorker, type StopOptions, type Worker, type WorkerOptions } from '../src/index.js';

/** A transport that delegates to `inner` and records every reserve, renew and settle call. */
export interface RecordingTransport extends Transport {
  calls: {
    reserve: ReserveRequest[];
    renew: Array<{ renewals: LeaseRenewal[]; leaseMs: number }>;
    settle: Settlement[][];
  };
}

export function recordingTransport(inner: Transport): RecordingTransport {
  const calls: RecordingTransport['calls'] = { reserve: [], renew: [], settle: [] };
  return {
    ...inner,
    name: inner.name,
    calls,
    reserve(request) {
      calls.reserve.push({ ...request, queues: [...request.queues] });
      return inner.reserve(request);
    },
    renew(renewals, leaseMs) {
      calls.renew.push({ renewals: structuredClone([...renewals]), leaseMs });
      return inner.renew(renewals, leaseMs);
    },
    settle(settlements) {
      calls.settle.push(structuredClone([...settlements]));
      return inner.settle(settlements);
    },
  };
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown>;
}

export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make =
    (level: keyof Logger) =>
    (first: string | Record<string, unknown>, message?: string): void => {
      if (typeof first === 'string') lines.push({ level, message: first, fields: {} });
      else lines.push({ level, message: message ?? '', fields: first });
    };
  return {
    lines,
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
  };
}

export interface Harness {
  clock: ManualClock;
  transport: RecordingTransport;
  worker: Worker;
  logger: ReturnType<typeof captureLogger>;
  /** `worker.start()`'s promise. */
  running: Promise<void>;
  enqueue(task: string, input?: JsonValue, overrides?: Partial<JobEnvelope>): Promise<string>;
  job(id: string): Promise<JobRecord>;
  /** `worker.stop(options)`, with the manual clock run so that the stop completes. */
  stop(options?: StopOptions): Promise<void>;
  /** Another worker on the same transport, clock and logger, as a second process would be. */
  another(options: Pick<WorkerOptions, 'tasks'> & Partial<WorkerOptions>): Worker;
  /** Stops every worker of this harness, releasing their running jobs at once. */
  stopAll(): Promise<void>;
}

export const QUEUE = 'work';

/** A worker on a manual clock and an in-memory transport, started. */
export async function startWorker(
  tasks: WorkerOptions['tasks'],
  options: Partial<WorkerOptions> = {},
  prepare?: (transport: RecordingTransport) => void,
): Promise<Harness> {
  const clock = createManualClock();
  const transport = recordingTransport(memoryTransport({ clock }));
  prepare?.(transport);
  const logger = captureLogger();
  const worker = createWorker({
    transport,
    tasks,
    queues: [QUEUE],
    clock,
    logger,
    reserveWaitMs: 1_000,
    ...options,
  });
  const running = worker.start();
  await clock.advance(0);
  const others: Worker[] = [];
  return {
    clock,
    transport,
    worker,
    logger,
    running,
    async stop(stopOptions) {
      const stopping = worker.stop(stopOptions);
      await clock.advance(0);
      await stopping;
    },
    another(anotherOptions) {
      const other = createWorker({ transport, queues: [QUEUE], clock, logger, ...anotherOptions });
      others.push(other);
      void other.start();
      return other;
    },
    async stopAll() {
      const stopping = [worker, ...others].map((each) => each.stop({ graceMs: 0 }));
      await clock.advance(0);
      await Promise.all(stopping);
    },
    async enqueue(task, input = {}, overrides = {}) {
      const envelope = makeEnvelope(overrides.queue ?? QUEUE, { task, input, ...overrides });
      await transport.enqueue([{ envelope }]);
      return envelope.id;
    },
    async job(id) {
      const record = await transport.getJob(id);
      if (!record) throw new Error(`no job ${id}`);
      return record;
    },
  };
}

/**
 * Workers for the calling file (or `describe` block): `start` makes one on a manual clock
 * and an in-memory transport (see {@link startWorker}), and after each test every worker
 * made that way (and its `another` workers) is stopped, running jobs released at once. A
 * test may stop its workers itself; stopping again is a no-op.
 *
 * @example
 * const workers = useWorkerHarness();
 * it('runs', async () => {
 *   const harness = await workers.start([task], { concurrency: 2 });
 * });
 */
export function useWorkerHarness(): { start: typeof startWorker } {
  const started: Harness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.stopAll()));
  });
  return {
    async start(...args) {
      const harness = await startWorker(...args);
      started.push(harness);
      return harness;
    },
  };
}

/** A promise and the functions that settle it. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
