import { expect } from 'vitest';
import type { JobError } from '../../job-error.js';
import type { JsonValue } from '../../json.js';
import type { Transport } from '../../transport.js';
import type {
  DispatchEntry,
  RecordResult,
  StepOutcome,
  TransportWorkflows,
  WorkflowRecord,
  WorkflowStepState,
} from '../../transport-workflows.js';
import type { OnFailure } from '../../workflow/flow-types.js';
import type { WorkflowPlan, WorkflowPlanStage, WorkflowPlanStep } from '../../workflow/plan.js';
import { capabilityOf, type SuiteContext } from './context.js';
import { uniqueQueue } from './harness.js';

/** A plan step of task `conformance.<name>` on `queue`. */
export function planStep(
  name: string,
  queue: string,
  onFailure: OnFailure = 'fail',
): WorkflowPlanStep {
  return {
    name,
    task: `conformance.${name}`,
    queue,
    maxAttempts: 3,
    priority: 5,
    onFailure,
    mapped: false,
  };
}

/** A plan of these stages and compensations (its fingerprint a placeholder). */
export function planOf(
  stages: WorkflowPlanStage[],
  compensations: WorkflowPlanStep[] = [],
): WorkflowPlan {
  return { workflow: 'conformance.flow', stages, compensations, fingerprint: '0123456789abcdef' };
}

export const stepStage = (step: WorkflowPlanStep): WorkflowPlanStage => ({
  kind: 'step',
  steps: [step],
});
export const groupStage = (...steps: WorkflowPlanStep[]): WorkflowPlanStage => ({
  kind: 'parallel',
  steps,
});
export const mapStage = (step: WorkflowPlanStep): WorkflowPlanStage => ({
  kind: 'map',
  steps: [step],
});

/**
 * The shop's order, on one fresh queue: `reserve` (onFailure as given, default a
 * compensation `reject`), `ship` and `confirm` in parallel, then `fulfil`.
 */
export function orderPlan(reserveFailure: OnFailure = { compensate: 'reject' }) {
  const queue = uniqueQueue('wf');
  const plan = planOf(
    [
      stepStage(planStep('reserve', queue, reserveFailure)),
      groupStage(planStep('ship', queue), planStep('confirm', queue)),
      stepStage(planStep('fulfil', queue)),
    ],
    [planStep('reject', queue)],
  );
  return { queue, plan };
}

export const ok = (result: JsonValue): StepOutcome => ({ ok: true, result });
export const failed = (message: string, code = 'CONFORMANCE'): StepOutcome => ({
  ok: false,
  error: { name: 'ConformanceError', message, code } satisfies JobError,
});

export async function workflowsOf(
  ctx: SuiteContext,
  skip: (note?: string) => never,
): Promise<{ transport: Transport; workflows: TransportWorkflows }> {
  const transport = await ctx.transport();
  return { transport, workflows: capabilityOf(transport, 'workflows', skip) };
}

/** The record, which must exist. */
export async function recordOf(workflows: TransportWorkflows, id: string): Promise<WorkflowRecord> {
  const record = await workflows.get(id);
  expect(record, `workflow ${id}`).not.toBeNull();
  return record as WorkflowRecord;
}

/** Each step's state, by `<step>` or `<step>#<child>`. */
export async function statesOf(
  workflows: TransportWorkflows,
  id: string,
): Promise<Record<string, WorkflowStepState>> {
  const record = await recordOf(workflows, id);
  return Object.fromEntries(
    record.steps.map((s) => [s.child === undefined ? s.step : `${s.step}#${s.child}`, s.state]),
  );
}

/** The steps (and children) of some dispatch entries. */
export const stepsOf = (entries: readonly DispatchEntry[]): string[] =>
  entries.map((e) => (e.child === undefined ? e.step : `${e.step}#${e.child}`));

/** Every dispatch entry of some record results. */
export const dispatchOf = (results: readonly RecordResult[]): DispatchEntry[] =>
  results.flatMap((result) => result.dispatch);
