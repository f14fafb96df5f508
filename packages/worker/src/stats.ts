/** What the worker counts, per task. */
export type CounterName =
  | 'completed'
  | 'failed'
  | 'retried'
  | 'dead'
  | 'cancelled'
  | 'released'
  | 'staleSettles'
  | 'settleErrors'
  | 'leasesLost'
  | 'softTimeLimits'
  | 'hardTimeLimits'
  | 'schemaSkew'
  | 'scheduleFired';

const COUNTER_NAMES: readonly CounterName[] = [
  'completed',
  'failed',
  'retried',
  'dead',
  'cancelled',
  'released',
  'staleSettles',
  'settleErrors',
  'leasesLost',
  'softTimeLimits',
  'hardTimeLimits',
  'schemaSkew',
  'scheduleFired',
];

/**
 * One thing that happened to one job (`scheduleFired`: this worker fired a schedule's slot,
 * adding the job). `durationMs` (how long the run took, on the
 * worker's clock) comes with the outcomes of jobs that ran: completed, failed, retried,
 * dead, cancelled.
 */
export interface WorkerEvent {
  type: CounterName;
  task: string;
  jobId: string;
  durationMs?: number;
}

export interface DurationSummary {
  count: number;
  totalMs: number;
  maxMs: number;
}

export type TaskCounters = Record<CounterName, number> & { duration: DurationSummary };

export interface WorkerCounters {
  /** Every task summed. */
  totals: TaskCounters;
  /** Per task name (the envelope's, which may be unknown to this worker). */
  tasks: Record<string, TaskCounters>;
}

export interface StatsRecorder {
  record(event: WorkerEvent): void;
  snapshot(): WorkerCounters;
  /** The live counters per task, not copied: for Prometheus to read at scrape time. */
  byTask(): Iterable<[string, Readonly<TaskCounters>]>;
}

export function createStatsRecorder(): StatsRecorder {
  const totals = emptyCounters();
  const tasks = new Map<string, TaskCounters>();
  return {
    record(event) {
      let counters = tasks.get(event.task);
      if (!counters) {
        counters = emptyCounters();
        tasks.set(event.task, counters);
      }
      add(totals, event);
      add(counters, event);
    },
    byTask: () => tasks.entries(),
    snapshot() {
      const byTask: Record<string, TaskCounters> = {};
      for (const [task, counters] of [...tasks].sort(([a], [b]) => a.localeCompare(b))) {
        byTask[task] = copy(counters);
      }
      return { totals: copy(totals), tasks: byTask };
    },
  };
}

function add(target: TaskCounters, event: WorkerEvent): void {
  target[event.type] += 1;
  if (event.durationMs !== undefined) {
    target.duration.count += 1;
    target.duration.totalMs += event.durationMs;
    target.duration.maxMs = Math.max(target.duration.maxMs, event.durationMs);
  }
}

function emptyCounters(): TaskCounters {
  const counters = { duration: { count: 0, totalMs: 0, maxMs: 0 } } as TaskCounters;
  for (const name of COUNTER_NAMES) counters[name] = 0;
  return counters;
}

function copy(counters: TaskCounters): TaskCounters {
  return { ...counters, duration: { ...counters.duration } };
}
