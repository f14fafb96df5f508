import { parsePartitionName } from '../partitions.js';
import type { OnFailure } from './flow-types.js';
import {
  canonicalJson,
  unplacedStep,
  type WorkflowPlan,
  type WorkflowPlanStage,
  type WorkflowPlanStep,
} from './plan.js';

// Whether a worker can run the steps of a run whose stored plan differs from its own
// definition's (docs/workflows.md §2). The fingerprint covers every field of the plan, so
// tuning a task's retry attempts or priority changes it; but a run's step jobs are enqueued
// with the attempts and priority of its stored plan, whatever a worker's definition says,
// so those two cannot make a worker run the run wrongly. What a worker does take from its
// definition must be the run's: the stages and their steps (the mappings are code), the
// steps' tasks, queues and failure policies.

/**
 * What differs between a run's stored plan and this worker's definition's plan, one phrase
 * per difference, quoting both values: `step "email": task "shop.sendEmail" in the run,
 * "shop.sendReport" in this worker`. Empty when this worker can run the run's steps.
 *
 * Counted: the workflow's name; the stages (kind, order, the names of their steps); each
 * step's task, queue (unplaced, as `planFingerprint` counts it: a run's partition is
 * its own), failure policy and whether it has an input mapping; the compensations likewise.
 * Not counted: `maxAttempts` and `priority`, which a run keeps from its stored plan.
 *
 * @example
 * const differences = planDifferences(record.plan, workflowPlan(definition));
 * if (differences.length > 0) throw new WorkflowSkewError(…, differences);
 */
export function planDifferences(run: WorkflowPlan, local: WorkflowPlan): string[] {
  const differences: string[] = [];
  const both = (what: string, ours: string, theirs: string) => {
    if (ours !== theirs) differences.push(`${what} ${ours} in the run, ${theirs} in this worker`);
  };
  both('workflow', JSON.stringify(run.workflow), JSON.stringify(local.workflow));
  both('stages', stagesLabel(run.stages), stagesLabel(local.stages));
  both('compensations', namesLabel(run.compensations), namesLabel(local.compensations));
  const steps = (plan: WorkflowPlan) => plan.stages.flatMap((stage) => stage.steps);
  compareSteps('step', steps(run), steps(local), differences);
  compareSteps('compensation', run.compensations, local.compensations, differences);
  return differences;
}

/** The fields of the steps with the same name in both lists that differ. */
function compareSteps(
  kind: 'step' | 'compensation',
  run: readonly WorkflowPlanStep[],
  local: readonly WorkflowPlanStep[],
  differences: string[],
): void {
  const byName = new Map(local.map((step) => [step.name, step]));
  for (const ours of run) {
    const theirs = byName.get(ours.name);
    if (theirs === undefined) continue;
    const label = `${kind} ${JSON.stringify(ours.name)}:`;
    const both = (what: string, a: string, b: string) => {
      if (a !== b) differences.push(`${label} ${what}${a} in the run, ${b} in this worker`);
    };
    both('task ', JSON.stringify(ours.task), JSON.stringify(theirs.task));
    if (unplacedStep(ours).queue !== unplacedStep(theirs).queue) {
      both('queue ', queueLabel(ours.queue), queueLabel(theirs.queue));
    }
    both('onFailure ', policyLabel(ours.onFailure), policyLabel(theirs.onFailure));
    both('', mappingLabel(ours.mapped), mappingLabel(theirs.mapped));
  }
}

/** `step "fetch" → map "items" → parallel "ship", "confirm"`, or `(none)`. */
function stagesLabel(stages: readonly WorkflowPlanStage[]): string {
  if (stages.length === 0) return '(none)';
  return stages.map((stage) => `${stage.kind} ${namesLabel(stage.steps)}`).join(' → ');
}

function namesLabel(steps: readonly WorkflowPlanStep[]): string {
  if (steps.length === 0) return '(none)';
  return steps.map((step) => JSON.stringify(step.name)).join(', ');
}

/** `"emails"`, or `"emails" with 4 partitions` for a partition (whichever one it is). */
function queueLabel(queue: string): string {
  const partition = parsePartitionName(queue);
  if (partition === undefined) return JSON.stringify(queue);
  return `${JSON.stringify(partition.queue)} with ${partition.partitions} partitions`;
}

function policyLabel(onFailure: OnFailure): string {
  return typeof onFailure === 'object' ? canonicalJson(onFailure) : JSON.stringify(onFailure);
}

function mappingLabel(mapped: boolean): string {
  return mapped ? 'an input mapping' : 'no input mapping';
}
