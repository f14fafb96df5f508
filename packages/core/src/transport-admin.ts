import type { JobRecord } from './transport.js';

/** How many jobs a queue holds in each live state, and in its dead-letter set. */
export interface QueueCounts {
  queue: string;
  /**
   * Ready to run. A transport that drops cancelled waiting jobs lazily (Redis) still counts
   * them until a reserve skips them.
   */
  waiting: number;
  delayed: number;
  /** Leased to a worker (including leases that expired and are not yet reclaimed). */
  active: number;
  dead: number;
}

/** One job a worker holds, as its worker record lists it. */
export interface WorkerJobInfo {
  id: string;
  task: string;
  attempt: number;
  /** Worker clock, ms since the epoch. */
  startedAt?: number;
}

/** What a running worker publishes about itself, so that `conveyor status` can list it. */
export interface WorkerRecord {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  tasks: string[];
  concurrency: number;
  state: 'idle' | 'running' | 'stopping' | 'stopped';
  /** Worker clock, ms since the epoch. */
  startedAt: number;
  /** Set by the transport when it stores the record: its own clock, ms since the epoch. */
  heartbeatAt?: number;
  /**
   * How often the worker refreshes this record, in ms. A record not refreshed for about
   * twice this is stale: the worker was killed, froze or lost the broker.
   */
  heartbeatMs?: number;
  jobs: WorkerJobInfo[];
  /** Totals since start. */
  counts: { completed: number; failed: number; retried: number };
}

/** A page of a queue's dead-letter set. */
export interface DeadLetterPage {
  jobs: JobRecord[];
  /** Dead jobs in the queue in total. */
  total: number;
}

/**
 * Operator operations: what `conveyor status`, `dead`, `retry`, `purge` and the worker
 * registry need. Optional on a {@link Transport} (`transport.admin`); both built-in
 * transports have it. Get it with `requireCapability(transport, 'admin', '<what needs it>')`.
 */
export interface TransportAdmin {
  /** Every queue that has held a job, sorted by name. */
  listQueues(): Promise<string[]>;
  /** Counts per queue, in the order asked. */
  queueCounts(queues: readonly string[]): Promise<QueueCounts[]>;
  /**
   * Deletes the waiting and delayed jobs of a queue (not running or dead ones; the
   * dead-letter set has `purgeDead`). Returns how many were deleted.
   */
  purgeQueue(queue: string): Promise<number>;
  /** Dead jobs of a queue, oldest first; `offset` defaults to 0, `limit` to 100 [R22]. */
  listDead(queue: string, options?: { offset?: number; limit?: number }): Promise<DeadLetterPage>;
  /**
   * Moves dead jobs back to `waiting` with a fresh attempt budget: the given ids, or
   * every dead job of the queue when `ids` is absent. Returns how many moved [R23].
   */
  retryDead(queue: string, ids?: readonly string[]): Promise<number>;
  /** Deletes dead jobs of a queue: the given ids, or all. Returns how many went [R24]. */
  purgeDead(queue: string, ids?: readonly string[]): Promise<number>;
  /** Stores or refreshes a worker's record; it disappears after `ttlMs` without a refresh. */
  putWorker(record: WorkerRecord, ttlMs: number): Promise<void>;
  /** Removes a worker's record at once (clean shutdown). */
  removeWorker(id: string): Promise<void>;
  /** Records of live workers, sorted by id. */
  listWorkers(): Promise<WorkerRecord[]>;
}
