import { InvalidOptionError, NotJsonError } from '../errors.js';
import { checkJsonValue } from '../json.js';
import type { AnyWorkflow } from './define-workflow.js';
import type { StepFailure } from './flow-types.js';
import type { WorkflowStage, WorkflowStep } from './stages.js';

/**
 * What a worker runs to find a step's input: the hand-offs of docs/workflows.md §1 as
 * plain functions over stored results. The task's schema then validates what they return,
 * as it validates any job's input.
 */

/** Where a step is in a workflow. */
export type StepLocation =
  | {
      readonly kind: 'stage';
      readonly stageIndex: number;
      readonly stage: WorkflowStage;
      readonly step: WorkflowStep;
    }
  | { readonly kind: 'compensation'; readonly step: WorkflowStep };

/** Finds a step (of a stage, a group, a map, or a compensation) by name. */
export function findWorkflowStep(workflow: AnyWorkflow, name: string): StepLocation {
  for (const [stageIndex, stage] of workflow.stages.entries()) {
    const step = stage.steps.find((candidate) => candidate.name === name);
    if (step !== undefined) return { kind: 'stage', stageIndex, stage, step };
  }
  const step = workflow.compensations.find((candidate) => candidate.name === name);
  if (step !== undefined) return { kind: 'compensation', step };
  const known = [...workflow.stages.flatMap((s) => s.steps), ...workflow.compensations].map(
    (s) => s.name,
  );
  throw new InvalidOptionError(
    `step of workflow ${JSON.stringify(workflow.name)}`,
    name,
    `one of its steps (${known.join(', ')}); the workflow's definition may have changed since the run started`,
  );
}

/**
 * The input of step `name` (not a map's: see {@link mapItems}), before the task's schema
 * validates it. `previous` is what the stage before produced ({@link stageOutput}); for
 * the first stage it is the workflow's input, whatever is passed. For a compensation it
 * is the {@link StepFailure}. A step with a mapping gets what the mapping returns; one
 * without gets `previous` itself.
 */
export function runStepInput(
  workflow: AnyWorkflow,
  name: string,
  previous: unknown,
  input: unknown,
): unknown {
  const location = findWorkflowStep(workflow, name);
  if (location.kind === 'stage' && location.stage.kind === 'map') {
    throw new InvalidOptionError(
      `step of workflow ${JSON.stringify(workflow.name)}`,
      name,
      'a step that is not a map: a map child takes its item from mapItems(…)',
    );
  }
  const from = location.kind === 'stage' && location.stageIndex === 0 ? input : previous;
  const { input: mapping } = location.step;
  return mapping === undefined ? from : mapping(from, input);
}

/**
 * The inputs of a map step's children, one per child job, in order: what its `items`
 * returns for `previous` (the workflow's input, for a first stage). Throws
 * {@link InvalidOptionError} when `items` returns no array, and {@link NotJsonError} (its
 * path `items[1].b`) when an item would not survive JSON, as a job's input is checked: a
 * property whose value is `undefined` passes, and is left out of the child's input as JSON
 * leaves it out.
 */
export function mapItems(
  workflow: AnyWorkflow,
  name: string,
  previous: unknown,
  input: unknown,
): readonly unknown[] {
  const location = findWorkflowStep(workflow, name);
  if (location.kind !== 'stage' || location.stage.kind !== 'map') {
    throw new InvalidOptionError(
      `map step of workflow ${JSON.stringify(workflow.name)}`,
      name,
      'the name of a .map() step',
    );
  }
  const from = location.stageIndex === 0 ? input : previous;
  const items = location.stage.items(from, input);
  if (!Array.isArray(items)) {
    throw new InvalidOptionError(
      `items of map step ${JSON.stringify(name)} of workflow ${JSON.stringify(workflow.name)}`,
      items,
      'an array: one task input per child job',
    );
  }
  try {
    checkJsonValue(items, 'items');
  } catch (error) {
    if (error instanceof NotJsonError) {
      error.message = `Map step ${JSON.stringify(name)} of workflow ${JSON.stringify(workflow.name)}: ${error.message} Its items mapping must return JSON task inputs, one per child job.`;
    }
    throw error;
  }
  return items;
}

/**
 * What stage `stageIndex` hands to the next: a step's result; a group's results as a
 * record by step name (in declared order); a map's children's results as an array, in
 * item order. `results` is the step's result (a step), a record of results by step name
 * (a group), or an array of the children's results (a map); a step that failed with
 * `onFailure: 'continue'` counts as `undefined`, a map step too (not an empty array).
 */
export function stageOutput(workflow: AnyWorkflow, stageIndex: number, results: unknown): unknown {
  const stage = workflow.stages[stageIndex];
  if (stage === undefined) {
    throw new InvalidOptionError(
      `stage of workflow ${JSON.stringify(workflow.name)}`,
      stageIndex,
      `an index from 0 to ${workflow.stages.length - 1}`,
    );
  }
  const label = `results of stage ${stageIndex} of workflow ${JSON.stringify(workflow.name)}`;
  switch (stage.kind) {
    case 'step':
      return results;
    case 'map':
      // A map step skipped by `onFailure: 'continue'`: no children's results at all.
      if (results === undefined && stage.steps[0]?.onFailure === 'continue') return undefined;
      if (!Array.isArray(results)) {
        throw new InvalidOptionError(label, results, "an array of the map's children's results");
      }
      return results;
    case 'parallel': {
      if (typeof results !== 'object' || results === null || Array.isArray(results)) {
        throw new InvalidOptionError(
          label,
          results,
          "a record of the group's results by step name",
        );
      }
      const record: Record<string, unknown> = {};
      for (const { name } of stage.steps) {
        record[name] = (results as Record<string, unknown>)[name];
      }
      return record;
    }
  }
}

/** The failure a compensation receives, from a failed step's name and error. */
export function stepFailure(
  step: string,
  error: { message: string; code?: string | undefined },
): StepFailure {
  return error.code === undefined
    ? { step, message: error.message }
    : { step, message: error.message, code: error.code };
}
