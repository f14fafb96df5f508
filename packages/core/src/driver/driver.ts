import type {
  CancelResult,
  EnqueueRequest,
  EnqueueResult,
  JobRecord,
  LeaseRenewal,
  LeaseStatus,
  Reservation,
  ReserveRequest,
  Settlement,
  SettleStatus,
} from '../transport.js';
import type {
  AuditEntry,
  DeadLetterPage,
  IndexSearch,
  JobPage,
  ListJobsOptions,
  TransportAdmin,
} from '../transport-admin.js';
import type { TransportLimits } from '../transport-limits.js';
import type { TransportMetrics } from '../transport-metrics.js';
import type { TransportSchedules } from '../transport-schedules.js';
import type { TransportWorkflows } from '../transport-workflows.js';

/**
 * A backend, as `createTransport` wraps it into a {@link Transport}. The wrapper checks
 * every argument, owns the closed state, groups job ids by queue and splits long batches,
 * so a driver gets only calls it can carry out: checked arguments, on an open transport,
 * with the queue each job id names passed along as the last argument.
 *
 * Each method answers as the {@link Transport} method of the same name (docs/transport.md).
 */
export interface TransportDriver {
  /** Short name for messages, e.g. `memory`, `redis`. */
  readonly name: string;
  /**
   * Most items per call of `renew`, `settle`, `admin.retryDead` and `admin.purgeDead`;
   * the wrapper splits a longer batch and joins the answers. Default: no limit.
   */
  readonly maxBatch?: number;

  /**
   * A non-empty batch, every request checked [R1, R2, R3b, R5a]: queue names, ids of the
   * form `<envelope.queue>:<unique>`, priorities 0–9, the payload cap. The requests may span
   * queues. Answer in request order [R3].
   */
  enqueue(requests: readonly EnqueueRequest[]): Promise<EnqueueResult[]>;

  /**
   * Valid queue names, at least one; `max` ≥ 1; `signal` not aborted yet. Waiting ends
   * with `[]` when `signal` aborts or `close` is called [R8].
   */
  reserve(request: ReserveRequest): Promise<Reservation[]>;

  /** Renewals of jobs of `queue`, at most `maxBatch`; one status each, in order [R10]. */
  renew(renewals: readonly LeaseRenewal[], leaseMs: number, queue: string): Promise<LeaseStatus[]>;

  /** Settlements of jobs of `queue`, at most `maxBatch`; one status each, in order [R12]. */
  settle(settlements: readonly Settlement[], queue: string): Promise<SettleStatus[]>;

  /** The record of job `id` of `queue`, or null [R20]. */
  getJob(id: string, queue: string): Promise<JobRecord | null>;

  /**
   * Waits for job `id` of `queue` to finish [R21]. Called only with `timeoutMs > 0` and a
   * signal not aborted; the wrapper answers any other wait with `getJob`.
   */
  waitFor(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal },
    queue: string,
  ): Promise<JobRecord | null>;

  /** Cancels job `id` of `queue` [R17–R19]. */
  cancel(id: string, queue: string): Promise<CancelResult>;

  /** Subscribes to cancels of running jobs, in every process [R18]. */
  onCancel(listener: (jobId: string) => void): () => void;

  /**
   * Called once, by the first `close()`; every call after it is refused by the wrapper.
   * Resolve pending reserves with `[]` and pending waits with the current record [R25].
   */
  close(): Promise<void>;

  /** Operator operations, when the backend has them; see {@link TransportAdminDriver}. */
  readonly admin?: TransportAdminDriver;

  /** Shared limits, when the backend has them: arguments checked as for `renew` [L9]. */
  readonly limits?: TransportLimits;

  /**
   * Per-minute counters, when the backend has them: queue names, minutes, counts and
   * pickup histograms checked [M4].
   */
  readonly metrics?: TransportMetrics;

  /**
   * Schedules, when the backend has them [S6]: `upsert` gets at least one checked spec in
   * its stored form (fixed field order, so equal specs serialize alike); queue names,
   * schedule ids, revisions and slots are checked; `fire`'s job is checked as for
   * `enqueue`, its id already `scheduleJobId(queue, scheduleId, slotAt)`; `list` gets
   * distinct valid queue names, or none for every queue.
   */
  readonly schedules?: TransportSchedules;

  /**
   * Workflows, when the backend has them [W13]: workflow ids, the plan's shape (stages,
   * unique step names, queues, priorities, failure policies naming declared compensations),
   * step addresses, outcomes and map items (JSON within the payload cap, as their JSON round
   * trip), `maxChildren` (1–100,000), job id lists and limits are checked; `dispatched`
   * gets at least one job id.
   */
  readonly workflows?: TransportWorkflows;
}

/**
 * `transport.admin` as a driver implements it: queue names and ttls are checked, paging
 * has its defaults, and the ids given to the dead-letter calls are ids of that queue.
 */
export interface TransportAdminDriver
  extends Omit<
    TransportAdmin,
    | 'listDead'
    | 'retryDead'
    | 'purgeDead'
    | 'promoteDelayed'
    | 'listJobs'
    | 'findByIndex'
    | 'listAudit'
  > {
  /** A page of the queue's dead jobs, oldest first, and their total [R22]. */
  listDead(queue: string, page: { offset: number; limit: number }): Promise<DeadLetterPage>;
  /**
   * Moves the given dead jobs (ids of `queue`, at most `maxBatch`, never empty), or every
   * dead job of the queue when `ids` is undefined, back to waiting [R23].
   */
  retryDead(queue: string, ids: readonly string[] | undefined): Promise<number>;
  /** Deletes dead jobs, with `ids` as for `retryDead` [R24]. */
  purgeDead(queue: string, ids: readonly string[] | undefined): Promise<number>;
  /** Makes delayed jobs waiting, with `ids` as for `retryDead` [A14]. */
  promoteDelayed(queue: string, ids: readonly string[] | undefined): Promise<number>;
  /**
   * A page of the queue's jobs in one state, newest first [A10]: `state` one of the five,
   * `limit` 1–500 (50 when the caller gave none), `cursor` (when given) a string of at most
   * 200 characters, which the driver parses: one it did not issue rejects with
   * `INVALID_OPTION`.
   */
  listJobs(queue: string, options: ListJobsOptions & { limit: number }): Promise<JobPage>;
  /** Jobs by indexed value, newest first [A11]: task, field and value checked, `limit` as for `listJobs`. */
  findByIndex(queue: string, search: IndexSearch & { limit: number }): Promise<JobPage>;
  /**
   * Audit entries [A12]: `limit` 1–1000 (100 when the caller gave none); `after`, `before`
   * and `jobId`, when given, strings of at most 200 characters; never `after` and `before`
   * together.
   */
  listAudit(options: {
    after?: string;
    before?: string;
    jobId?: string;
    limit: number;
  }): Promise<AuditEntry[]>;
}

/** Settings the wrapper enforces for every driver. */
export interface CreateTransportOptions<Methods extends object = object> {
  /**
   * Largest serialized job `enqueue` accepts, in UTF-8 bytes; a larger one fails the call
   * with `PAYLOAD_TOO_LARGE` before the driver sees it [R3b]. Default 512 KiB.
   */
  maxPayloadBytes?: number;
  /**
   * Operations only this backend has (Redis: `ready()`), added to the transport and
   * refused after `close()` like the rest. Each must return a promise.
   */
  methods?: Methods;
}
