// The JSON the dashboard's API answers with (notes: dashboard contract). Only what the UI reads.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The queue page's tabs, each a state the API lists. */
export type TabState = 'waiting' | 'delayed' | 'active' | 'dead' | 'finished';
export const LIST_STATES: readonly TabState[] = [
  'waiting',
  'delayed',
  'active',
  'dead',
  'finished',
];
/** The final states but dead: the API lists the finished jobs that ended in one. */
export type EndedState = 'completed' | 'failed' | 'cancelled' | 'expired';
export const ENDED_STATES: readonly EndedState[] = ['completed', 'failed', 'cancelled', 'expired'];
export type ListState = TabState | EndedState;

/** Whether `state` is one final state of the Finished tab's jobs. */
export function isEnded(state: string): state is EndedState {
  return (ENDED_STATES as readonly string[]).includes(state);
}

export interface Counts {
  waiting: number;
  delayed: number;
  active: number;
  dead: number;
  finished: number;
}

export interface QueueOverview {
  name: string;
  counts: Counts;
  totals: { completed: number; failed: number; retried: number } | null;
  /** Paused: no worker takes its jobs. A partitioned queue only when every partition is. */
  paused?: true;
  /** A partitioned queue's partitions (`emails~0of8`, …); counts and totals are their sums. */
  partitions?: QueueOverview[];
}

/** The overview entry of `name`: a queue, or one partition of a partitioned queue. */
export function findQueue(
  data: QueuesResponse | undefined,
  name: string,
): QueueOverview | undefined {
  for (const queue of data?.queues ?? []) {
    if (queue.name === name) return queue;
    const partition = queue.partitions?.find((p) => p.name === name);
    if (partition) return partition;
  }
  return undefined;
}

/** GET /api/queues, and the `counts` event. */
export interface QueuesResponse {
  at: number;
  queues: QueueOverview[];
  workers: { live: number; stale: number };
}

export interface JobErrorInfo {
  name?: string;
  message: string;
  code?: string;
  stack?: string;
  issues?: Array<{ message: string; path?: Array<string | number> }>;
}

export interface JobSummary {
  id: string;
  queue: string;
  task: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  priority: number;
  enqueuedAt: number;
  dueAt?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: JobErrorInfo;
  /** The workflow step a step job runs: on a job's page and on the dead list's rows. */
  workflow?: { id: string; step: string; child?: number; kind: 'run' | 'expand' };
}

export interface AttemptRecord {
  attempt: number;
  startedAt?: number;
  endedAt: number;
  error: JobErrorInfo;
  /** `false`: given back, the job was held unstarted when its lease ran out. */
  counted?: false;
}

export interface JobDetail extends JobSummary {
  input: Json;
  result?: Json;
  progress?: Json;
  history: AttemptRecord[];
  idempotencyKey?: string;
  schema?: string;
  expiresAt?: number;
  consumer?: string;
  leaseExpiresAt?: number;
  cancelRequested?: boolean;
  /** The slot a schedule fired this job for. */
  scheduled?: { scheduleId?: string; slotAt: number; firedAt: number; lateMs: number };
}

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: string;
  jobId?: string;
  /** The jobs a bulk or workflow action touched: the first 100 (`jobIdCount` all of them). */
  jobIds?: string[];
  jobIdCount?: number;
  queue?: string;
  detail?: Json;
}

/** `GET api/audit?order=newest`: a page, newest first. */
export interface AuditPage {
  entries: AuditEntry[];
  /** The `before` of the next, older page; null when there is none. */
  next: string | null;
}

export interface JobPage {
  jobs: JobSummary[];
  next: string | null;
}

export interface IndexedField {
  task: string;
  field: string;
}

export interface MetricsPoint {
  minute: number;
  completed: number;
  failed: number;
  retried: number;
  pickupCount: number;
  pickupP50Ms: number | null;
  pickupP95Ms: number | null;
}

export interface MetricsSeries {
  queue: string;
  task: string;
  points: MetricsPoint[];
}

export interface MetricsResponse {
  fromMinute: number;
  toMinute: number;
  bucketsMs: number[];
  series: MetricsSeries[];
  unavailable?: boolean;
}

export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  queues: string[];
  tasks: string[];
  concurrency: number;
  state: string;
  startedAt: number;
  heartbeatAt?: number;
  heartbeatMs?: number;
  jobs: Array<{ id: string; task: string; attempt: number; startedAt?: number }>;
  /** `dead` is absent from the records of workers of earlier versions (counted in `failed`). */
  counts: { completed: number; failed: number; retried: number; dead?: number };
  stale: boolean;
}

export interface DeadFilter {
  queue?: string;
  task?: string;
  code?: string;
}

export interface DeadPreview {
  count: number;
  ids: string[];
  truncated: boolean;
  /** Of `ids`, workflow step jobs: a retry leaves them dead (their workflows retry them). */
  stepJobs?: number;
  /** Paused stored queues the other ids are in: nothing runs them, retried, until resumed. */
  paused?: string[];
}

/** A stored schedule as `GET /api/schedules` lists it (its input redacted). */
export interface ScheduleRow {
  queue: string;
  id: string;
  task: string;
  /** `every 1m`, `cron 0 7 * * *`: how its slots are spaced. */
  timing: string;
  tz: string;
  source: 'code' | 'runtime';
  enabled: boolean;
  paused: boolean;
  /** Declared in code, and no live worker declares it any more. */
  orphaned: boolean;
  /** A copy that does not fire: another copy of the id on the same base queue does. */
  superseded?: true;
  /** The next (up to) 3 fire times, ms since the epoch. */
  next: number[];
  lastSlotAt?: number | null;
  lastJobId?: string | null;
  lastJobState?: string | null;
  lastFiredAt?: number | null;
  revision: number;
  updatedAt: number;
  input: Json;
}

export interface SchedulesResponse {
  at: number;
  schedules: ScheduleRow[];
}

export type CancelResult = 'cancelled' | 'signalled' | 'finished' | 'not-found';

/** `GET /api/workflows`: what the list shows of one running workflow (core's `RunningWorkflow`). */
export interface WorkflowSummary {
  id: string;
  name: string;
  stage: number;
  stages: number;
  steps: Array<{ name: string; state: string }>;
  createdAt: number;
  updatedAt: number;
  deadline?: number;
}

/** The lists `GET /api/workflows?status=` answers: running (the default) or how they ended. */
export type WorkflowListStatus = 'running' | 'failed' | 'compensated' | 'cancelled' | 'completed';

/** `GET /api/workflows?status=failed` (…): one ended workflow (core's `EndedWorkflow`). */
export interface EndedWorkflowSummary extends WorkflowSummary {
  status: Exclude<WorkflowListStatus, 'running'>;
  finishedAt: number;
  /** The step whose failure failed (or compensated) it, and its error's code and message. */
  failure?: {
    step: string;
    child?: number;
    error: { name: string; code?: string; message: string };
  };
  /** A compensation that failed after that failure (the undo did not happen), and its error. */
  compensation?: { step: string; error: { name: string; code?: string; message: string } };
}

export interface WorkflowsResponse<T extends WorkflowSummary = WorkflowSummary> {
  at: number;
  /** The list answered (older servers leave it out: running). */
  status?: WorkflowListStatus;
  workflows: T[];
  next?: string;
}
