import { isStepName, STEP_NAME_RULE } from '@conveyor/core';
import type { Report } from './copy.js';
import type { WorkflowStageEntry, WorkflowStepEntry } from './workflow-flow.js';

/**
 * Reports each step or compensation name of a workflow that core's `defineWorkflow` would
 * refuse (its rule, or a name used twice), at the name: core throws when the task module is
 * imported, so one bad workflow would stop `conveyor worker` for every task. True when all
 * names are fine.
 */
export function checkStepNames(
  workflow: string,
  flow: {
    readonly stages: readonly WorkflowStageEntry[];
    readonly compensations: readonly WorkflowStepEntry[];
  },
  report: Report,
): boolean {
  const label = `workflow ${JSON.stringify(workflow)}`;
  // In core's order: the stages' steps, then the compensations, in one set of names.
  const named = [
    ...flow.stages.flatMap((stage) => stage.steps.map((step) => ({ step, what: 'step' }))),
    ...flow.compensations.map((step) => ({ step, what: 'compensation' })),
  ];
  const first = new Map<string, { step: WorkflowStepEntry; what: string }>();
  let ok = true;
  for (const { step, what } of named) {
    const { name, nameAt } = step;
    if (!isStepName(name)) {
      ok = false;
      report(
        nameAt,
        'INVALID_STEP_NAME',
        `${what} name ${JSON.stringify(name)} of ${label} is not valid; core refuses the workflow when its module is imported, so no worker starts.`,
        `Use ${STEP_NAME_RULE}.`,
      );
      continue;
    }
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, { step, what });
      continue;
    }
    ok = false;
    report(
      nameAt,
      'INVALID_STEP_NAME',
      `${what} name ${JSON.stringify(name)} of ${label} is already the name of the ${earlier.what} at ${earlier.step.nameAt.line}:${earlier.step.nameAt.column}; core refuses the workflow when its module is imported, so no worker starts.`,
      'Give every step and compensation of the workflow a name of its own.',
    );
  }
  return ok;
}
