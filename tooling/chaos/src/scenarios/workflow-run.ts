import type { WorkflowHandle, WorkflowRecord } from '@conveyor/core';
import { type Check, check, waitUntil } from '../harness.js';
import { readLedger } from '../ledger.js';
import type { Rig } from '../setup.js';
import { indexWorkflow, stepKey, type WorkflowHistory } from '../workflow-analysis.js';
import { chaosWorkflow, childValue, type WorkflowInput } from '../workflow-tasks.js';

/** One run of `chaos.workflow` on a rig, with its ledger. */
export interface WorkflowRun {
  run: string;
  input: WorkflowInput;
  handle: WorkflowHandle<{ count: number }>;
  /** The ledger's lines of this run, as they are now. */
  history(): WorkflowHistory;
  /** The workflow's record in Redis (null when gone). */
  record(): Promise<WorkflowRecord | null>;
  /** Writes `wmark <run> <what>` to the harness's ledger. */
  mark(what: string): void;
}

/** What each workflow scenario's body returns, for `scenarioResult`. */
export interface WorkflowOutcome {
  counts: { acked: number; lost: number; duplicated: number; unexpected: number };
  checks: Check[];
  figures: Record<string, number | string>;
  notes: string[];
}

/** Starts a run of `chaos.workflow` through `client.workflows.start`, as a producer would. */
export async function startWorkflow(
  rig: Rig,
  input: Omit<WorkflowInput, 'run'> & { run?: string },
): Promise<WorkflowRun> {
  const run = input.run ?? `r${Date.now().toString(36)}`;
  const full: WorkflowInput = { ...input, run };
  // The harness never runs the tasks; it needs the definition's plan and schema only.
  const { workflow } = chaosWorkflow(rig.ledger, rig.settings.ledgerDir);
  const handle = await rig.client.workflows.start(workflow, full);
  rig.ledger.write('wf', run, handle.id);
  const dir = rig.settings.ledgerDir;
  return {
    run,
    input: full,
    handle,
    history: () => indexWorkflow(readLedger(dir), run),
    record: () => rig.transport.workflows.get(handle.id),
    mark: (what) => rig.ledger.write('wmark', run, what),
  };
}

/** Waits until the run is no longer `running` (or the timeout); its record then. */
export async function waitEnded(
  workflow: WorkflowRun,
  timeoutMs: number,
): Promise<WorkflowRecord | null> {
  let last: WorkflowRecord | null = null;
  await waitUntil(async () => {
    last = await workflow.record();
    return last === null || last.status !== 'running';
  }, timeoutMs);
  return last;
}

/** The stored results of map stage `each`, read in chunks, against each child's value. */
export async function misplacedStoredResults(rig: Rig, workflow: WorkflowRun): Promise<number> {
  const { count } = workflow.input;
  let misplaced = 0;
  for (let from = 0; from < count; from += 1_000) {
    const chunk = await rig.transport.workflows.results(workflow.handle.id, 'each', {
      from,
      count: Math.min(1_000, count - from),
    });
    chunk.forEach((result, k) => {
      const i = from + k;
      const value = result as { index?: number; value?: number } | undefined;
      if (value?.index !== i || value.value !== childValue(i)) misplaced += 1;
    });
    misplaced += Math.max(0, Math.min(1_000, count - from) - chunk.length);
  }
  return misplaced;
}

/** `status = want`, with the record's failure when there is one. */
export function statusCheck(name: string, record: WorkflowRecord | null, want: string): Check {
  const failure = record?.failure
    ? ` (${record.failure.step}: ${record.failure.error.message.slice(0, 80)})`
    : '';
  return check(name, record?.status === want, `${record?.status ?? 'no record'}${failure}`, want);
}

/** The fan-in's completed runs: exactly one, with every result in place. */
export function fanInChecks(history: WorkflowHistory, count: number): Check[] {
  const [first] = history.fanIns;
  return [
    check(
      'fan-in runs completed',
      history.fanIns.length === 1,
      String(history.fanIns.length),
      '= 1',
    ),
    check(
      'fan-in received',
      first !== undefined && first.results === count && first.misplaced === 0,
      first === undefined ? 'nothing' : `${first.results} results, ${first.misplaced} misplaced`,
      `${count} in order, 0 misplaced`,
    ),
  ];
}

/** Body runs of one plain step (`prepare`, `join`, `finish`). */
export function runsCount(history: WorkflowHistory, step: string): number {
  return (history.steps.get(stepKey(step, -1)) ?? []).length;
}

/** Map children that started more than once. */
export function childrenRerun(history: WorkflowHistory): number {
  let count = 0;
  for (const [key, runs] of history.steps) if (key.includes('#') && runs.length > 1) count += 1;
  return count;
}
