import type { JobState } from '@conveyor/core';
import type { LedgerEntry } from './ledger.js';

export interface Run {
  pid: number;
  attempt: number;
  t: number;
}

/** Everything the ledger says about one job. */
export interface JobHistory {
  id: string;
  seq?: number;
  /** When the producer's enqueue was acknowledged; undefined when it never was. */
  ackedAt?: number;
  starts: Run[];
  dones: Run[];
  /** Pids told their settlement was stale. */
  stale: number[];
  stalls: Run[];
}

/** Indexes ledger entries by job id. */
export function indexLedger(entries: readonly LedgerEntry[]): {
  jobs: Map<string, JobHistory>;
  failedSeqs: Set<number>;
} {
  const jobs = new Map<string, JobHistory>();
  const failedSeqs = new Set<number>();
  const job = (id: string): JobHistory => {
    let history = jobs.get(id);
    if (!history) {
      history = { id, starts: [], dones: [], stale: [], stalls: [] };
      jobs.set(id, history);
    }
    return history;
  };
  const run = (entry: LedgerEntry): Run => ({
    pid: Number(entry.fields[1]),
    attempt: Number(entry.fields[2]),
    t: entry.t,
  });
  for (const entry of entries) {
    const id = entry.fields[0] ?? '';
    switch (entry.kind) {
      case 'enq':
        job(id).ackedAt = entry.t;
        job(id).seq = Number(entry.fields[1]);
        break;
      case 'enqfail':
        failedSeqs.add(Number(entry.fields[0]));
        break;
      case 'start': {
        const history = job(id);
        history.starts.push(run(entry));
        history.seq ??= Number(entry.fields[3]);
        break;
      }
      case 'done':
        job(id).dones.push(run(entry));
        break;
      case 'stall':
        job(id).stalls.push(run(entry));
        break;
      case 'stale':
        job(id).stale.push(Number(entry.fields[1]));
        break;
      default:
        break;
    }
  }
  return { jobs, failedSeqs };
}

/** What Redis says about a job at the end of the run (null: no record). */
export interface FinalRecord {
  state: JobState;
  result?: unknown;
  attempts: number;
  error?: { code?: string; message?: string };
}

export interface Counts {
  /** Enqueues the producer saw acknowledged. */
  acked: number;
  /** Acknowledged jobs that never reached their expected outcome. */
  lost: number;
  /** Acknowledged jobs whose body started more than once. */
  duplicated: number;
  /** Acknowledged jobs whose body ran to the end more than once. */
  completedTwice: number;
  /** Runs of ids never acknowledged (and not a failed enqueue that landed), or wrong final states. */
  unexpected: number;
  /** Jobs whose enqueue call failed at the producer but which ran anyway (at-least-once, benign). */
  unackedRan: number;
  /** Acknowledged jobs whose Redis record is gone at the end. */
  recordsMissing: number;
  lostIds: string[];
  /** What Redis holds for the lost jobs: `state → count` (`none` when the record is gone). */
  lostStates: Record<string, number>;
  duplicatedIds: string[];
  unexpectedIds: string[];
}

export interface CountOptions {
  /** Final state each acknowledged job should reach. Default `completed`. */
  expected?: (history: JobHistory) => JobState;
  /** Final records read from Redis after the run. */
  records: ReadonlyMap<string, FinalRecord | null>;
}

/** Counts lost, duplicated and unexpected jobs. */
export function countJobs(index: ReturnType<typeof indexLedger>, options: CountOptions): Counts {
  const expected = options.expected ?? (() => 'completed' as const);
  const counts: Counts = {
    acked: 0,
    lost: 0,
    duplicated: 0,
    completedTwice: 0,
    unexpected: 0,
    unackedRan: 0,
    recordsMissing: 0,
    lostIds: [],
    lostStates: {},
    duplicatedIds: [],
    unexpectedIds: [],
  };
  for (const history of index.jobs.values()) {
    if (history.ackedAt === undefined) {
      if (history.starts.length === 0) continue;
      if (history.seq !== undefined && index.failedSeqs.has(history.seq)) counts.unackedRan += 1;
      else {
        counts.unexpected += 1;
        counts.unexpectedIds.push(history.id);
      }
      continue;
    }
    counts.acked += 1;
    const record = options.records.get(history.id) ?? null;
    if (record === null) counts.recordsMissing += 1;
    const want = expected(history);
    const reached =
      want === 'completed' ? history.dones.length > 0 : record !== null && record.state === want;
    if (!reached) {
      counts.lost += 1;
      counts.lostIds.push(history.id);
      const state = record?.state ?? 'none';
      counts.lostStates[state] = (counts.lostStates[state] ?? 0) + 1;
    } else if (record !== null && record.state !== want) {
      // It ran, but Redis holds another final state: e.g. a stale ack was taken, or a
      // completed job was dead-lettered.
      counts.unexpected += 1;
      counts.unexpectedIds.push(history.id);
    }
    if (history.starts.length > 1) {
      counts.duplicated += 1;
      counts.duplicatedIds.push(history.id);
    }
    if (history.dones.length > 1) counts.completedTwice += 1;
  }
  return counts;
}

/**
 * Duplicated jobs that a fault does not explain: every run but the last must have been
 * cut short by a fault to its process (`faulted` maps pid → when), or told its ack was
 * stale. Any other rerun is a bug.
 */
export function unexplainedDuplicates(
  index: ReturnType<typeof indexLedger>,
  faulted: ReadonlyMap<number, number>,
): string[] {
  const unexplained: string[] = [];
  for (const history of index.jobs.values()) {
    if (history.starts.length < 2) continue;
    const earlier = history.starts.slice(0, -1);
    const explained = earlier.every((run) => {
      const at = faulted.get(run.pid);
      return (at !== undefined && run.t <= at) || history.stale.includes(run.pid);
    });
    if (!explained) unexplained.push(history.id);
  }
  return unexplained;
}

/** Unique jobs with at least one completed run. */
export function doneCount(index: ReturnType<typeof indexLedger>): number {
  let count = 0;
  for (const history of index.jobs.values()) if (history.dones.length > 0) count += 1;
  return count;
}

/** Latest completion time in the ledger. */
export function lastDoneAt(index: ReturnType<typeof indexLedger>): number | undefined {
  let last: number | undefined;
  for (const history of index.jobs.values()) {
    for (const run of history.dones) if (last === undefined || run.t > last) last = run.t;
  }
  return last;
}

/** Jobs a process had started and not finished when it was killed at `at`. */
export function orphansOf(
  index: ReturnType<typeof indexLedger>,
  pid: number,
  at: number,
): JobHistory[] {
  return [...index.jobs.values()].filter(
    (history) =>
      history.starts.some((run) => run.pid === pid && run.t <= at) &&
      !history.dones.some((run) => run.pid === pid && run.t <= at),
  );
}

/** Pids with the most jobs started and not yet done, most first. */
export function busiest(index: ReturnType<typeof indexLedger>, pids: readonly number[]): number[] {
  const now = Date.now();
  const held = new Map(pids.map((pid) => [pid, orphansOf(index, pid, now).length]));
  return [...pids].sort((a, b) => (held.get(b) ?? 0) - (held.get(a) ?? 0));
}
