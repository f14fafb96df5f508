import type {
  JsonValue,
  TransportWorkflows,
  WorkflowChildView,
  WorkflowStepView,
  WorkflowView,
} from '@conveyor/core';
import { readChildResults } from '@conveyor/core/transport';
import { type Redaction, SHOW_AS_STORED } from './redaction.js';

/** A step's (or a map child's) view, with its stored result once it completed. */
export type WithResult<T> = T & { result?: JsonValue };

/**
 * Reads the stored result of each completed step of `view` (stages and compensations) and of
 * each listed completed child of a map step, and sets it on that view as `result`. Results
 * live in the workflow's record, so a step whose job was removed at completion
 * (`removeOnComplete`) still shows its result. The workflow's own result is its last stage's.
 * Each result goes through `redaction` as it is set.
 */
export async function addStepResults(
  workflows: TransportWorkflows,
  view: WorkflowView,
  redaction: Redaction = SHOW_AS_STORED,
): Promise<WorkflowView> {
  const steps = [...view.stages.flatMap((stage) => stage.steps), ...view.compensations];
  await Promise.all(steps.map((step) => addResult(workflows, view.id, step, redaction)));
  return view;
}

async function addResult(
  workflows: TransportWorkflows,
  id: string,
  step: WithResult<WorkflowStepView>,
  redaction: Redaction,
): Promise<void> {
  const children = step.children;
  if (!children) {
    if (step.state !== 'completed') return;
    const [stored] = await workflows.results(id, step.name);
    if (stored !== undefined) step.result = redaction.value(stored);
    return;
  }
  const completed = children.shown.filter((child) => child.state === 'completed');
  const last = completed.at(-1);
  if (last === undefined) return;
  // Listed are the first children and failed ones past them: completed ones are read from 0,
  // in chunks, as `handle.result()` reads them.
  const stored = await readChildResults(workflows, id, step.name, last.child + 1);
  for (const child of completed as Array<WithResult<WorkflowChildView>>) {
    const value = stored[child.child];
    if (value !== undefined) child.result = redaction.value(value);
  }
}
