import type { JsonValue } from './json.js';
import type { JobRecord } from './transport.js';

/** How many jobs a queue holds in each live state, and in its dead-letter set. */
export interface QueueCounts {
  queue: string;
  /**
   * Ready to run. A job cancelled while waiting is not counted, also on a transport that
   * drops its id lazily (Redis counts such ids apart).
   */
  waiting: number;
  delayed: number;
  /** Leased to a worker (including leases that expired and are not yet reclaimed). */
  active: number;
  dead: number;
  /**
   * Jobs in a final state other than dead (completed, failed, cancelled, expired) whose
   * records are still kept (until their result TTL or the queue's count bound).
   */
  finished: number;
  /**
   * Present (true) while the queue is paused: workers lease none of its jobs until it is
   * resumed [A13]. Absent on a queue that is not paused.
   */
  paused?: true;
}

/**
 * The states `listJobs` pages through; `finished` is every kept final state but dead, and
 * each of those final states lists the finished jobs that ended in it (`failed`: what
 * failed overnight, without the completed ones around them).
 */
export type JobListState = 'waiting' | 'delayed' | 'active' | 'dead' | 'finished' | EndedListState;

/** A final state but dead: `listJobs` lists the kept finished jobs that ended in it. */
export type EndedListState = 'completed' | 'failed' | 'cancelled' | 'expired';

const ENDED_LIST_STATES: readonly EndedListState[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
];

/** Whether `state` is one final state of the finished jobs (listed as a part of `finished`). */
export function isEndedListState(state: string): state is EndedListState {
  return (ENDED_LIST_STATES as readonly string[]).includes(state);
}

/** Every {@link JobListState}, in the order the CLI and the dashboard name them. */
export const JOB_LIST_STATES: readonly JobListState[] = [
  'waiting',
  'delayed',
  'active',
  'dead',
  'finished',
  ...ENDED_LIST_STATES,
];

/** What `listJobs` pages through. */
export interface ListJobsOptions {
  state: JobListState;
  /** From the previous page's `next`; absent for the first page. */
  cursor?: string;
  /** Jobs per page, 1–500 (default 50). */
  limit?: number;
  /** Only jobs of this task. */
  task?: string;
}

/**
 * A page of jobs, newest first (waiting: by priority from highest, within one the job that
 * joined the line last first, which for a job that came due or was retried is not its enqueue;
 * delayed: latest due first; active: latest lease first; dead: last dead-lettered first;
 * finished and each final state of it: last finished first). A page filtered by task or by
 * final state may hold fewer jobs than asked for and still have a `next`: a transport
 * bounds how many jobs one page examines.
 */
export interface JobPage {
  jobs: JobRecord[];
  /** Cursor of the next page; absent on the last. */
  next?: string;
}

/**
 * One indexed input field of a job: the task declares the field (`defineTask({ index:
 * ['customerId'] })`) and the client sends its value, as a string, with the enqueue.
 */
export interface IndexEntry {
  /** Dot path into the input, e.g. `customer.id`. */
  field: string;
  /** The value as a string (numbers and booleans as JSON writes them), at most 128 characters. */
  value: string;
}

/** What `findByIndex` looks up: jobs of `task` on the queue whose indexed `field` is `value`. */
export interface IndexSearch {
  task: string;
  field: string;
  value: string;
  cursor?: string;
  /** Jobs per page, 1–500 (default 50). */
  limit?: number;
}

/** A field some task of a queue has indexed: what a search form offers. */
export interface IndexedField {
  task: string;
  field: string;
}

/** An operator action, as a caller records it. */
export interface AuditEntryInput {
  /** Who: a user name, `cli`, or `anonymous`. */
  actor: string;
  /** What, e.g. `job.retry`, `job.cancel`, `dead.retry`, `dead.purge`, `queue.purge`. */
  action: string;
  /** The job acted on, for single-job actions. */
  jobId?: string;
  /**
   * The jobs a bulk action touched, at most `AUDIT_LIMITS.jobIds` (10,000, the dashboard's
   * bulk cap): the entry is stored once in the log, and `listAudit({ jobId })` lists it for
   * each of them too (within that job's `AUDIT_LIMITS.perJob`) [A12]. Repeats count once; an
   * empty list is as none.
   *
   * @example
   * await admin.appendAudit({ actor: 'ops', action: 'dead.retry', jobIds: ['q:1', 'q:2'] });
   * await admin.listAudit({ jobId: 'q:2' }); // [..., { action: 'dead.retry', jobIdCount: 2 }]
   */
  jobIds?: readonly string[];
  queue?: string;
  /** Free-form details: a filter, a count, the outcome. JSON. */
  detail?: JsonValue;
}

/** An audit entry as stored: with its id (ordered, a resume point) and the transport's time. */
export interface AuditEntry extends AuditEntryInput {
  /** Ordered: a later entry has a greater id in the transport's own order; opaque to callers. */
  id: string;
  /** Transport clock, ms since the epoch. */
  at: number;
  /**
   * Truncated: the first `AUDIT_LIMITS.jobIdsKept` (100) distinct ids of the input's `jobIds`,
   * in appendAudit's answer and in `listAudit()` without `jobId`; absent in `listAudit({ jobId })`,
   * which answers for one job; absent too when the input named none.
   */
  jobIds?: readonly string[];
  /** How many distinct ids the input's `jobIds` named; present whenever it named any. */
  jobIdCount?: number;
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
  /**
   * Totals since start, as `worker.stats()` counts them: `failed` ended failed without
   * dead-lettering, `dead` were dead-lettered. A record of a worker before `dead` was recorded
   * has none, and counts the dead-lettered jobs in `failed`.
   */
  counts: { completed: number; failed: number; retried: number; dead?: number };
  /**
   * `<queue>/<id>` of each schedule the worker declares (`createWorker({ schedules })`):
   * a `source: 'code'` schedule no live worker lists is orphaned. Absent when none.
   */
  schedules?: string[];
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
  /**
   * Pauses a queue: from now on no reserve leases its jobs, until `resumeQueue`. Jobs keep
   * arriving (enqueues, delayed jobs coming due, retries, reclaimed leases) and wait; jobs
   * already leased run and settle as usual. Kept by the broker, so it outlasts workers and
   * restarts. Returns false when the queue was paused already [A13].
   */
  pauseQueue(queue: string): Promise<boolean>;
  /**
   * Resumes a paused queue: reserves lease its jobs again, and a reserve blocked waiting on
   * it wakes at once. Returns false when the queue was not paused [A13].
   */
  resumeQueue(queue: string): Promise<boolean>;
  /** Dead jobs of a queue, oldest first; `offset` defaults to 0, `limit` to 100 [R22]. */
  listDead(queue: string, options?: { offset?: number; limit?: number }): Promise<DeadLetterPage>;
  /**
   * Moves dead jobs back to `waiting` with a fresh attempt budget: the given ids, or
   * every dead job of the queue when `ids` is absent. Workflow step jobs stay dead (their
   * workflow's retry runs the step again). Returns how many moved [R23].
   */
  retryDead(queue: string, ids?: readonly string[]): Promise<number>;
  /** Deletes dead jobs of a queue: the given ids, or all. Returns how many went [R24]. */
  purgeDead(queue: string, ids?: readonly string[]): Promise<number>;
  /**
   * Runs delayed jobs now (BullMQ's `promote`): the given ids, or every delayed job of the
   * queue when `ids` is absent, become `waiting` at the end of their priority's line, in
   * the order they were due. A retry waiting out its backoff is delayed too. Jobs that are
   * not delayed are left as they are; one past its `expiresAt` becomes `expired` instead.
   * `queue` is a stored name, as for every call here: a partitioned queue's partitions are
   * queues of their own (`storedQueuesOf`). Returns how many moved [A14].
   */
  promoteDelayed(queue: string, ids?: readonly string[]): Promise<number>;
  /** Stores or refreshes a worker's record; it disappears after `ttlMs` without a refresh. */
  putWorker(record: WorkerRecord, ttlMs: number): Promise<void>;
  /** Removes a worker's record at once (clean shutdown). */
  removeWorker(id: string): Promise<void>;
  /** Records of live workers, sorted by id. */
  listWorkers(): Promise<WorkerRecord[]>;
  /** A page of the queue's jobs in one state, newest first [A10]. */
  listJobs(queue: string, options: ListJobsOptions): Promise<JobPage>;
  /**
   * Jobs whose indexed field has the value, newest first. The index keeps the newest
   * {@link INDEX_LIMITS}.perValue jobs per value; jobs whose records are gone are skipped [A11].
   */
  findByIndex(queue: string, search: IndexSearch): Promise<JobPage>;
  /** The (task, field) pairs jobs of the queue have been indexed by, sorted [A11]. */
  indexedFields(queue: string): Promise<IndexedField[]>;
  /**
   * Appends to the audit log, which keeps the newest {@link AUDIT_LIMITS}.entries entries
   * (and, per job, the newest `perJob`) [A12].
   */
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  /**
   * Audit entries, oldest first, at most `limit` (default 100, at most 1000): with `after`,
   * the first ones after the entry with that id; with `before`, the last ones before it (the
   * page older than the one that `before` begins, for reading the log backward); with
   * neither, the newest. `after` and `before` together are `INVALID_OPTION`. With `jobId`,
   * only that job's [A12].
   *
   * @example
   * // The log newest first, 50 at a time.
   * let page = await admin.listAudit({ limit: 50 });
   * while (page.length > 0) page = await admin.listAudit({ before: page[0]!.id, limit: 50 });
   */
  listAudit(options?: {
    after?: string;
    before?: string;
    jobId?: string;
    limit?: number;
  }): Promise<AuditEntry[]>;
}

/** Bounds of the input-field index. */
export const INDEX_LIMITS = {
  /** Indexed fields per task. */
  fieldsPerTask: 4,
  /** Longest indexed value, in characters; a longer value is not indexed. */
  valueLength: 128,
  /** Newest jobs kept per (queue, task, field, value). */
  perValue: 1000,
  /** An index entry's life after its last write, in ms (7 days). */
  ttlMs: 7 * 24 * 60 * 60 * 1000,
} as const;

/** Bounds of the audit log. */
export const AUDIT_LIMITS = {
  /** Newest entries kept in all. */
  entries: 10_000,
  /** Newest entries kept per job. */
  perJob: 50,
  /** Most ids an entry's `jobIds` may name. */
  jobIds: 10_000,
  /** Ids of `jobIds` an entry keeps and returns (the rest count in `jobIdCount`). */
  jobIdsKept: 100,
} as const;
