import {
  InvalidOptionError,
  JobCancelledError,
  JobFailedError,
  JobNotFoundError,
  ResultNotKeptError,
  ResultTimeoutError,
} from './errors.js';
import { queueOfJobId } from './ids.js';
import { assertKnownKeys, type KnownKeys } from './known-keys.js';
import type { ResultDecoder } from './result-codec.js';
import type { CancelResult, JobRecord, JobState, Transport } from './transport.js';
import { FINAL_STATES } from './transport.js';
import { requireCapability } from './transport-capabilities.js';

/** A reference to one enqueued job, like Celery's AsyncResult. */
export interface JobHandle<TResult = unknown> {
  readonly id: string;
  /** True when an idempotency key matched an earlier job, which this handle then refers to. */
  readonly duplicate: boolean;
  /** Current state, or `unknown` when the job does not exist (or its record expired). */
  status(): Promise<JobState | 'unknown'>;
  /** The full record: state, attempts, timestamps, progress, result or error. */
  info(): Promise<JobRecord | null>;
  /**
   * Waits for the job to finish, without polling, and returns its result. Rejects with
   * `JobFailedError`, `JobCancelledError`, `JobNotFoundError` or, after `timeout` ms,
   * `ResultTimeoutError` (the job itself goes on).
   */
  result(options?: ResultOptions): Promise<TResult>;
  /** Cancels the job: removed if waiting, its `ctx.signal` aborted if running. */
  cancel(): Promise<CancelResult>;
  /**
   * Runs a delayed job now (BullMQ's `job.promote()`), a retry waiting out its backoff
   * included: it joins the end of its queue's line. True when it moved, false when it was
   * not delayed. Needs the transport's `admin` (`CAPABILITY_MISSING` without it) [A14].
   */
  promote(): Promise<boolean>;
}

/** What `result()` takes, on a job's handle and on a workflow's. */
export interface ResultOptions {
  /** Give up after this many ms (`RESULT_TIMEOUT`); default: wait until it ends. */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

const RESULT_OPTION_KEYS = {
  timeout: true,
  signal: true,
} as const satisfies KnownKeys<ResultOptions>;

/**
 * When `result(options)` gives up, checked before any wait: `Number(process.env.X)` of an
 * unset variable is NaN, which used to make the wait loop spin without end. A misspelt key
 * is refused: `{ timeoutMs: 60_000 }`, as three of this package's own examples wrote it,
 * waited forever.
 */
export function resultDeadline(options: ResultOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('result options', options, '{ timeout?, signal? }, or none');
  }
  assertKnownKeys(options, RESULT_OPTION_KEYS, 'result option');
  const { timeout } = options;
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidOptionError(
      'timeout',
      timeout,
      'a number of milliseconds, 0 or more (leave it out to wait until the job ends)',
    );
  }
  return Date.now() + timeout;
}

/** Longest single wait on the transport; `result()` without a timeout waits in such slices. */
const WAIT_SLICE_MS = 60_000;

/**
 * A handle for job `id`. `decode` turns the stored result into what `result()` resolves
 * to (the client passes the task's output-schema decoder); without it, `result()`
 * resolves to the stored JSON as it is.
 */
export function createJobHandle<TResult>(
  transport: Transport,
  id: string,
  duplicate = false,
  decode?: ResultDecoder,
): JobHandle<TResult> {
  return new TransportJobHandle<TResult>(transport, id, duplicate, decode);
}

/**
 * `client.job(id)`'s and `client.getJob(id)`'s id: `<queue>:<unique>` with a valid queue
 * name. Anything else (empty, a number, no queue) read as a job that is "unknown" forever,
 * the mistake (an id read from the wrong field) never said.
 */
export function jobIdOf(id: unknown): string {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new InvalidOptionError(
      'job id',
      id,
      'the id of a job, as enqueue returned it (handle.id)',
    );
  }
  if (queueOfJobId(id) === undefined) {
    throw new InvalidOptionError(
      'job id',
      id,
      '<queue>:<unique>, a queue name ([A-Za-z0-9_.-], 1 to 64 characters), a colon and the rest, as enqueue returned it (handle.id)',
    );
  }
  return id;
}

// A class, not an object of closures: a client makes one handle per enqueued job.
class TransportJobHandle<TResult> implements JobHandle<TResult> {
  readonly #transport: Transport;
  readonly #decode: ResultDecoder | undefined;

  constructor(
    transport: Transport,
    readonly id: string,
    readonly duplicate: boolean,
    decode: ResultDecoder | undefined,
  ) {
    this.#transport = transport;
    this.#decode = decode;
  }

  async status(): Promise<JobState | 'unknown'> {
    const record = await this.#transport.getJob(this.id);
    return record?.state ?? 'unknown';
  }

  info(): Promise<JobRecord | null> {
    return this.#transport.getJob(this.id);
  }

  async result(options: ResultOptions = {}): Promise<TResult> {
    const { id } = this;
    const deadline = resultDeadline(options);
    const { timeout, signal } = options;
    for (;;) {
      const remaining = deadline - Date.now();
      const record = await this.#transport.waitFor(id, {
        timeoutMs: Math.max(0, Math.min(WAIT_SLICE_MS, remaining)),
        ...(signal && { signal }),
      });
      if (record === null) throw new JobNotFoundError(id);
      if (record.removed) throw new ResultNotKeptError(id);
      if (FINAL_STATES.has(record.state)) {
        const value = outcome(record);
        return (this.#decode && value !== undefined ? await this.#decode(value) : value) as TResult;
      }
      signal?.throwIfAborted();
      if (deadline - Date.now() <= 0) {
        throw new ResultTimeoutError(id, timeout ?? 0, record.state);
      }
    }
  }

  cancel(): Promise<CancelResult> {
    return this.#transport.cancel(this.id);
  }

  async promote(): Promise<boolean> {
    const admin = requireCapability(this.#transport, 'admin', 'job.promote()');
    // Handles are made for well-formed ids only (`client.job` refuses others).
    const queue = queueOfJobId(this.id) ?? '';
    return (await admin.promoteDelayed(queue, [this.id])) > 0;
  }
}

function outcome(record: JobRecord): unknown {
  switch (record.state) {
    case 'completed':
      return record.result;
    case 'cancelled':
    case 'expired':
      throw new JobCancelledError(record.id, record.state);
    default:
      throw new JobFailedError(record.id, record.state, record.error);
  }
}
