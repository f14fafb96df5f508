import type { JobEnvelope } from './envelope.js';
import type { JobError } from './job-error.js';
import type { JsonValue } from './json.js';
import type { IndexEntry } from './transport-admin.js';
import type { TransportCapabilities } from './transport-capabilities.js';

/**
 * Where a job is in its life.
 *
 * `waiting` → `active` → `completed`, with detours through `delayed` (a `delay`/`eta`
 * or a retry back-off). Final failures are `failed` (no retry wanted: invalid input,
 * `NonRetryableError`) or `dead` (attempts exhausted, unknown task: sits in the
 * dead-letter set until retried or purged). `cancelled` and `expired` jobs never finish.
 */
export type JobState =
  | 'waiting'
  | 'delayed'
  | 'active'
  | 'completed'
  | 'failed'
  | 'dead'
  | 'cancelled'
  | 'expired';

/** States a job never leaves (except `dead`, through `admin.retryDead`). */
export const FINAL_STATES: ReadonlySet<JobState> = new Set([
  'completed',
  'failed',
  'dead',
  'cancelled',
  'expired',
]);

export interface EnqueueRequest {
  envelope: JobEnvelope;
  /**
   * `envelope.input` already serialized and checked by the producer
   * (`JSON.stringify(envelope.input)` after `assertJsonValue`), so that a transport that
   * stores the input as text need not walk and stringify it again. Optional.
   */
  inputJson?: string;
  /**
   * Run no earlier than `delayMs` from now, measured on the transport's clock
   * (Redis `TIME`, not the producer's). Wins over `runAt` when both are set.
   */
  delayMs?: number;
  /** Run no earlier than this time, ms since the epoch. */
  runAt?: number;
  /**
   * How long `envelope.idempotencyKey` stays claimed, in ms. A later enqueue with the
   * same key for the same task (in the same queue) inside the window returns the first job
   * instead [R5].
   */
  dedupeWindowMs?: number;
  /**
   * A fingerprint of the input (the client's: 16 hex digits of the SHA-256 of `inputJson`),
   * stored with the idempotency claim and handed back to a later duplicate [R5a]. Only read
   * when `envelope.idempotencyKey` is set. Opaque to the transport: up to 64 characters,
   * no whitespace.
   */
  inputFingerprint?: string;
  /**
   * The task's indexed input fields and their values, for `admin.findByIndex` [A11]. A
   * transport without `admin` ignores them. At most `INDEX_LIMITS.fieldsPerTask`.
   */
  index?: readonly IndexEntry[];
}

export interface EnqueueResult {
  id: string;
  /** True when an idempotency key matched: `id` is the earlier job's and nothing was added. */
  duplicate: boolean;
  /**
   * On a duplicate by idempotency key: the `inputFingerprint` the earlier job's claim was
   * stored with, when it had one [R5a]. The client compares it with its own.
   */
  inputFingerprint?: string;
}

export interface ReserveRequest {
  /**
   * Queues to take from, drained in the order given; within a queue the highest
   * priority first, FIFO within a priority. (The worker rotates the order between
   * calls so that no queue starves.)
   */
  queues: readonly string[];
  /** Upper bound on jobs returned. */
  max: number;
  /** Lease length; the job returns to its queue if not renewed or settled by then. */
  leaseMs: number;
  /** When nothing is ready, wait up to this long for a job (0 or absent: return at once). */
  waitMs?: number;
  /** Ends a waiting reserve early (shutdown); it then resolves with what it has (usually []). */
  signal?: AbortSignal;
  /** Identifies the worker, for `JobRecord.consumer` and operator tools. */
  consumer: string;
  /**
   * How many of the returned jobs (the first ones) the caller starts at once; the others it
   * holds unstarted (a prefetch buffer, a task's limits) until a renewal says `started`.
   * The expired lease of a job still held does not count as an attempt, up to
   * `UNSTARTED_REFUND_LIMIT` times per job [R27]. Absent: every job starts at once.
   */
  startNow?: number;
  /**
   * Queues among `queues` whose jobs the caller completes with `remove` (every task it runs
   * from them sets `removeOnComplete`). A hint: a transport may store less for a job it
   * leases from one (the Redis transport leaves it packed through the attempt). Absent: none.
   */
  removeOnComplete?: readonly string[];
}

/** A delivered job and the lease that proves this delivery. */
export interface Reservation {
  /** The envelope with `attempt` set to this delivery's 1-based number. */
  envelope: JobEnvelope;
  /** Lease token: only settle/renew calls carrying it are accepted. */
  token: string;
  /** Lease deadline on the transport's clock, ms since the epoch. */
  leaseExpiresAt: number;
  /**
   * UTF-8 size of the input's JSON as the transport stored it, when the transport knows it
   * (both built-in transports do). `runJob` refuses to run a job whose input is over its
   * `maxPayloadBytes`: one written straight into the broker, or by a producer with a larger cap.
   */
  inputBytes?: number;
}

/** Names one delivery of one job. */
export interface LeaseRef {
  id: string;
  token: string;
}

/** A lease renewal; `progress` piggybacks on the heartbeat instead of costing its own call. */
export interface LeaseRenewal extends LeaseRef {
  progress?: JsonValue;
  /**
   * The job was reserved held (past the reserve's `startNow`) and has started since: from now
   * on an expired lease counts its attempt [R27]. Sent once; more often is harmless.
   */
  started?: boolean;
}

/**
 * How many expired leases of one job that it held unstarted a transport gives back
 * uncounted; the next counts as a run's [R27]. Bounds a job that kills its worker right
 * after starting, before a renewal says `started`.
 */
export const UNSTARTED_REFUND_LIMIT = 3;

/**
 * - `held`: renewed.
 * - `cancel-requested`: renewed, and someone asked to cancel this job: abort it.
 * - `lost`: the lease expired (the job may already run elsewhere) or is another's. Stop.
 * - `gone`: the broker has no record of the job at all (deleted, or the broker lost its
 *   data, such as a Redis restarted without persistence). Stop.
 */
export type LeaseStatus = 'held' | 'cancel-requested' | 'lost' | 'gone';

/** How a delivery ends. Every settlement carries the lease it ends. */
export type Settlement =
  | {
      type: 'complete';
      id: string;
      token: string;
      result: JsonValue | undefined;
      /** How long the record and result are kept; the transport default when absent. */
      resultTtlMs?: number;
      /**
       * True: the record is deleted as the job completes (the task's `removeOnComplete`);
       * whoever waits on the job is told, and finds no record. The result is not stored.
       */
      remove?: boolean;
    }
  | {
      type: 'fail';
      id: string;
      token: string;
      error: JobError;
      /** True: state `dead`, kept in the dead-letter set. False: state `failed`. */
      deadLetter: boolean;
      resultTtlMs?: number;
    }
  | {
      /** Back to `delayed` (or `waiting` when `delayMs` is 0); the attempt stays counted. */
      type: 'retry';
      id: string;
      token: string;
      error: JobError;
      delayMs: number;
    }
  | {
      /** Give the job back unrun (worker shutdown): to the head of its queue, attempt not counted. */
      type: 'release';
      id: string;
      token: string;
    };

/**
 * - `ok`: applied.
 * - `stale`: rejected, the token no longer holds the job (lease expired and the job was
 *   re-delivered or finished elsewhere, or the job is gone). Nothing changed.
 *
 * A cancel requested while the job ran turns a `fail` or `retry` into `cancelled`.
 */
export type SettleStatus = 'ok' | 'stale';

/** Everything known about one job. */
export interface JobRecord {
  id: string;
  state: JobState;
  envelope: JobEnvelope;
  /** Deliveries so far. */
  attempts: number;
  /** Transport clock, ms since the epoch, like all times here. */
  enqueuedAt: number;
  /** When a `delayed` job becomes due. */
  dueAt?: number;
  /** Start of the latest delivery. */
  startedAt?: number;
  finishedAt?: number;
  /** Worker holding the job while `active`. */
  consumer?: string;
  leaseExpiresAt?: number;
  cancelRequested?: boolean;
  progress?: JsonValue;
  result?: JsonValue;
  /** The final error, or the latest one while retrying. */
  error?: JobError;
  /**
   * The attempts that ended in an error, oldest first, the newest
   * {@link ATTEMPT_HISTORY_LIMIT} of them: what the dashboard's job page lists [R26].
   */
  history?: AttemptRecord[];
  /**
   * Only on the record a pending `waitFor` resolves with when the job completed with
   * `remove: true` [R13]: its last record, `completed`, without a result (none was kept).
   * `getJob` and any later `waitFor` answer null.
   */
  removed?: true;
}

/**
 * What a pending `waitFor` resolves with when the job completed with `remove: true` [R13]:
 * `last`, the record the transport last had, `completed`, without lease or result (none was
 * kept), with `finishedAt` when the transport knows it.
 */
export function removedRecord(last: JobRecord, finishedAt?: number): JobRecord {
  const { consumer: _consumer, leaseExpiresAt: _lease, result: _result, ...kept } = last;
  return {
    ...kept,
    state: 'completed',
    ...(finishedAt !== undefined && { finishedAt }),
    removed: true,
  };
}

/** Most attempt records a job keeps (older ones are dropped first). */
export const ATTEMPT_HISTORY_LIMIT = 20;

/** One attempt of a job that ended in an error (retried, failed, dead-lettered, or its lease ran out). */
export interface AttemptRecord {
  /** 1-based attempt number. */
  attempt: number;
  /** Transport clock, ms since the epoch, when the attempt started (when known). */
  startedAt?: number;
  /** Transport clock, ms since the epoch, when it ended. */
  endedAt: number;
  error: JobError;
  /**
   * `false` on an attempt that was given back: its lease expired while its worker held the job
   * unstarted [R27], so the job's next run carries the same attempt number. Absent otherwise.
   */
  counted?: false;
}

/**
 * - `cancelled`: it was waiting or delayed and will never run.
 * - `signalled`: it is running; its holder is told (its `ctx.signal` aborts).
 * - `finished`: it had already reached a final state; nothing changed.
 * - `not-found`: no such job.
 */
export type CancelResult = 'cancelled' | 'signalled' | 'finished' | 'not-found';

/**
 * A broker. Small on purpose: the ten members every broker needs; clients, workers and the
 * CLI are built on them. Optional capabilities (`admin`, `limits`) sit beside them, typed by
 * {@link TransportCapabilities}; callers check for one with `requireCapability`.
 *
 * Write a new one as a `TransportDriver` and wrap it with `createTransport` (from
 * `@conveyor/core/transport`), which checks arguments and owns the closed state; then run
 * `runTransportConformance` from `@conveyor/core/testing` on it (docs/adding-a-transport.md).
 */
export interface Transport extends Readonly<Partial<TransportCapabilities>> {
  /** Short name for messages, e.g. `memory`, `redis`. */
  readonly name: string;

  /** Adds jobs; a batch is one round trip. Results come back in request order. */
  enqueue(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]>;

  /** Leases up to `max` ready jobs (promoting due delayed ones, reclaiming expired leases). */
  reserve(request: ReserveRequest): Promise<Reservation[]>;

  /** Extends the leases of many jobs in one call; statuses come back in order. */
  renew(renewals: readonly LeaseRenewal[], leaseMs: number): Promise<LeaseStatus[]>;

  /** Ends many deliveries in one call; statuses come back in order. */
  settle(settlements: readonly Settlement[]): Promise<SettleStatus[]>;

  /** The job's record, or null when unknown or expired. */
  getJob(id: string): Promise<JobRecord | null>;

  /**
   * Resolves once the job is final (with its record), or after `timeoutMs` with its
   * current record, or null if unknown. Waits on a notification, never by polling.
   */
  waitFor(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<JobRecord | null>;

  /** Cancels a job wherever it is. */
  cancel(id: string): Promise<CancelResult>;

  /**
   * Calls `listener` with the id of each running job someone cancels, in every process
   * subscribed. Returns an unsubscribe function.
   */
  onCancel(listener: (jobId: string) => void): () => void;

  /**
   * Closes connections and clears timers; pending reserves resolve with [], pending waits with
   * the current record. Idempotent. Later calls reject with `TransportClosedError` [R25].
   */
  close(): Promise<void>;
}
