import type { LedgerEntry } from './ledger.js';

/** One run of a step's body, from its `wstart` line to its end line (if any). */
export interface StepRun {
  jobId: string;
  pid: number;
  attempt: number;
  t: number;
  end?: 'done' | 'abort' | 'fail';
  endT?: number;
}

/** A `workflows.claim` answer, as a worker logged it. */
export interface ClaimLine {
  t: number;
  step: string;
  child: number;
  outcome: string;
  sentAt: number;
}

/** A completed run of the fan-in step: what it received. */
export interface FanIn {
  t: number;
  jobId: string;
  pid: number;
  results: number;
  misplaced: number;
}

/** Everything the ledger says about one workflow run (`run`, in src/workflow-tasks.ts). */
export interface WorkflowHistory {
  run: string;
  workflowId?: string;
  /** Harness marks by name: when the run reached them (ms). */
  marks: Map<string, number>;
  /** Body runs by step key (`prepare`, `each#12`, `join`, …), in start order. */
  steps: Map<string, StepRun[]>;
  fanIns: FanIn[];
  claims: ClaimLine[];
}

/** `step` for a plain step, `step#child` for a map child. */
export function stepKey(step: string, child: number): string {
  return child < 0 ? step : `${step}#${child}`;
}

/** Indexes the ledger's lines of run `run` (and the claims of its workflow). */
export function indexWorkflow(entries: readonly LedgerEntry[], run: string): WorkflowHistory {
  const history: WorkflowHistory = {
    run,
    marks: new Map(),
    steps: new Map(),
    fanIns: [],
    claims: [],
  };
  for (const entry of entries) {
    if (entry.kind === 'wf' && entry.fields[0] === run) history.workflowId = entry.fields[1];
  }
  for (const entry of entries) {
    const f = entry.fields;
    if (entry.kind === 'claim') {
      if (f[0] !== history.workflowId) continue;
      history.claims.push({
        t: entry.t,
        step: f[1] ?? '',
        child: Number(f[2]),
        outcome: f[3] ?? '',
        sentAt: Number(f[4]),
      });
      continue;
    }
    if (f[0] !== run) continue;
    switch (entry.kind) {
      case 'wmark':
        history.marks.set(f[1] ?? '', entry.t);
        break;
      case 'wstart': {
        const key = stepKey(f[4] ?? '', Number(f[5]));
        const runs = history.steps.get(key) ?? [];
        runs.push({ jobId: f[1] ?? '', pid: Number(f[2]), attempt: Number(f[3]), t: entry.t });
        history.steps.set(key, runs);
        break;
      }
      case 'wdone':
      case 'wabort':
      case 'wfail': {
        const key = stepKey(f[4] ?? '', Number(f[5]));
        const open = (history.steps.get(key) ?? []).find(
          (r) =>
            r.end === undefined &&
            r.jobId === f[1] &&
            r.pid === Number(f[2]) &&
            r.attempt === Number(f[3]),
        );
        if (open) {
          open.end = entry.kind === 'wdone' ? 'done' : entry.kind === 'wabort' ? 'abort' : 'fail';
          open.endT = entry.t;
        }
        break;
      }
      case 'fanin':
        history.fanIns.push({
          t: entry.t,
          jobId: f[1] ?? '',
          pid: Number(f[2]),
          results: Number(f[4]),
          misplaced: Number(f[5]),
        });
        break;
      default:
        break;
    }
  }
  return history;
}

/** Runs of `key` (empty when it never ran). */
export function runsOf(history: WorkflowHistory, key: string): StepRun[] {
  return history.steps.get(key) ?? [];
}

/** Children of map stage `step` (0 … count - 1) with no completed run. */
export function childrenNeverDone(history: WorkflowHistory, step: string, count: number): number[] {
  const missing: number[] = [];
  for (let i = 0; i < count; i++) {
    if (!runsOf(history, stepKey(step, i)).some((r) => r.end === 'done')) missing.push(i);
  }
  return missing;
}

/** Map children whose body completed more than once. */
export function completedTwice(history: WorkflowHistory): string[] {
  return [...history.steps]
    .filter(([, runs]) => runs.filter((r) => r.end === 'done').length > 1)
    .map(([key]) => key);
}

/**
 * Steps (or children) that ran again without a reason: every run but the last must have
 * been cut short by a fault to its process (`killed`: pid → when, the run starting before),
 * or have ended by its signal or a failure the policy saw. Any other rerun is a bug.
 */
export function unexplainedReruns(
  history: WorkflowHistory,
  killed: ReadonlyMap<number, number>,
): string[] {
  const unexplained: string[] = [];
  for (const [key, runs] of history.steps) {
    const earlier = runs.slice(0, -1);
    const explained = earlier.every((run) => {
      const at = killed.get(run.pid);
      return (at !== undefined && run.t <= at) || run.end === 'abort' || run.end === 'fail';
    });
    if (!explained) unexplained.push(key);
  }
  return unexplained;
}

/** Unique map children of `step` with at least one completed run. */
export function childrenDone(history: WorkflowHistory, step = 'each'): number {
  let count = 0;
  for (const [key, runs] of history.steps) {
    if (key.startsWith(`${step}#`) && runs.some((r) => r.end === 'done')) count += 1;
  }
  return count;
}

/** Runs started and not ended, by pid, now. */
export function inFlightByPid(history: WorkflowHistory): Map<number, number> {
  const held = new Map<number, number>();
  for (const runs of history.steps.values()) {
    for (const run of runs) {
      if (run.end === undefined) held.set(run.pid, (held.get(run.pid) ?? 0) + 1);
    }
  }
  return held;
}

/**
 * Body starts after the cancel returned (`cancelledAt`) whose claim was also sent after it
 * (or that have no claim at all): steps that started after the cancel. A start logged
 * after the cancel whose claim was sent before it raced the cancel fairly, and is counted
 * apart (`raced`).
 */
export function startsAfterCancel(
  history: WorkflowHistory,
  cancelledAt: number,
): { late: string[]; raced: string[]; grantedAfter: ClaimLine[] } {
  const late: string[] = [];
  const raced: string[] = [];
  const grantedAfter = history.claims.filter(
    (c) => c.outcome === 'claimed' && c.sentAt > cancelledAt,
  );
  for (const [key, runs] of history.steps) {
    for (const run of runs) {
      if (run.t <= cancelledAt) continue;
      const [step, child] = key.includes('#') ? key.split('#') : [key, '-1'];
      const claim = history.claims
        .filter(
          (c) =>
            c.step === step && c.child === Number(child) && c.outcome === 'claimed' && c.t <= run.t,
        )
        .at(-1);
      if (claim !== undefined && claim.sentAt <= cancelledAt) raced.push(key);
      else late.push(key);
    }
  }
  return { late, raced, grantedAfter };
}

/** Runs in flight at `at` (started by then, not ended by then). */
export function inFlightAt(
  history: WorkflowHistory,
  at: number,
): Array<{ key: string; run: StepRun }> {
  const found: Array<{ key: string; run: StepRun }> = [];
  for (const [key, runs] of history.steps) {
    for (const run of runs) {
      if (run.t <= at && (run.endT === undefined || run.endT > at)) found.push({ key, run });
    }
  }
  return found;
}
