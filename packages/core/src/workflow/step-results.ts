import type { JsonValue } from '../json.js';
import type { TransportWorkflows } from '../transport-workflows.js';
import type { WorkflowStepView, WorkflowView } from './describe.js';
import { readChildResults } from './stage-results.js';

/**
 * Reads the stored result of each completed step of `view` (stages and compensations) and of
 * each listed completed child of a map step, and sets it on that view as `result`: what
 * `conveyor inspect <workflow id>` and the dashboard's workflow page show. Results live in the
 * workflow's record, so a step whose job was removed at completion (`removeOnComplete`) still
 * shows its result. `present` maps each result as it is set (a redactor); by default it is set
 * as stored. Returns `view`, changed in place.
 *
 * @example
 * const view = await describeWorkflowWithJobs(transport, record);
 * await addStepResults(transport.workflows, view);
 */
export async function addStepResults(
  workflows: TransportWorkflows,
  view: WorkflowView,
  present: (value: JsonValue) => JsonValue = (value) => value,
): Promise<WorkflowView> {
  const steps = [...view.stages.flatMap((stage) => stage.steps), ...view.compensations];
  await Promise.all(steps.map((step) => addResult(workflows, view.id, step, present)));
  return view;
}

async function addResult(
  workflows: TransportWorkflows,
  id: string,
  step: WorkflowStepView,
  present: (value: JsonValue) => JsonValue,
): Promise<void> {
  const children = step.children;
  if (!children) {
    if (step.state !== 'completed') return;
    const [stored] = await workflows.results(id, step.name);
    if (stored !== undefined) step.result = present(stored);
    return;
  }
  const completed = children.shown.filter((child) => child.state === 'completed');
  const last = completed.at(-1);
  if (last === undefined) return;
  // Listed are the first children and failed ones past them: completed ones are read from 0,
  // in chunks, as `handle.result()` reads them.
  const stored = await readChildResults(workflows, id, step.name, last.child + 1);
  for (const child of completed) {
    const value = stored[child.child];
    if (value !== undefined) child.result = present(value);
  }
}
