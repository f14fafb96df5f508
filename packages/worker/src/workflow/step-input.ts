import {
  type AnyWorkflow,
  InvalidOptionError,
  type JobWorkflowRef,
  type JsonValue,
  NotJsonError,
  type TransportWorkflows,
  ValidationError,
  type WorkflowRecord,
} from '@conveyor/core';
import {
  findWorkflowStep,
  mapItems,
  readStageResults,
  resultDecoder,
  revived,
  runStepInput,
  stageOutput,
  stepFailure,
  validateNow,
} from '@conveyor/core/worker';
import { type StepMapping, WorkflowMappingError } from './errors.js';

// What a step job works on, resolved at run time from the workflow's record
// (docs/workflows.md §3): stored results decoded as a result reader decodes them, handed
// through the definition's mappings. Nothing here is sent over the wire.

/** A `run` step's task input, or an `expand` job's items (JSON, one per child). */
export type StepWork = { kind: 'run'; input: unknown } | { kind: 'expand'; items: JsonValue[] };

/**
 * What the step job `ref` works on: a compensation's input from the workflow's failure; a
 * stage step's from the stage before (the workflow's input for the first stage); a map
 * stage's items. Throws `WORKFLOW_MAPPING_FAILED` when a mapping throws, and
 * `VALIDATION_FAILED` when the stored input or a stored result no longer fits its schema.
 */
export async function stepWork(
  workflows: TransportWorkflows,
  definition: AnyWorkflow,
  record: WorkflowRecord,
  ref: JobWorkflowRef,
): Promise<StepWork> {
  const location = findWorkflowStep(definition, ref.step);
  const input = await workflowInput(definition, record);
  if (location.kind === 'compensation') {
    const { failure } = record;
    const previous = stepFailure(
      failure?.step ?? ref.step,
      failure?.error ?? { message: 'the workflow failed' },
    );
    const compensation = () => runStepInput(definition, ref.step, previous, input);
    return {
      kind: 'run',
      input: throughMapping(record.id, ref.step, 'compensation', compensation),
    };
  }
  const { stageIndex } = location;
  const previous =
    stageIndex === 0
      ? undefined
      : await storedStageOutput(workflows, definition, record, stageIndex - 1);
  if (ref.kind === 'expand') {
    const map = () => mapItems(definition, ref.step, previous, input);
    const items = throughMapping(record.id, ref.step, 'map', map);
    // The JSON form: what each child job's envelope will carry. Not left to the transport:
    // `expand` checks items but keeps its copy, and `enqueue` stores an input as given.
    return { kind: 'expand', items: JSON.parse(JSON.stringify(items)) as JsonValue[] };
  }
  const step = () => runStepInput(definition, ref.step, previous, input);
  return { kind: 'run', input: throughMapping(record.id, ref.step, 'step', step) };
}

/**
 * Runs a step's mapping (through core's hand-off), labelling what it throws as the
 * mapping's: final, since a pure mapping would throw again. Core's own checks of what it
 * returned (`items` not an array, an item that is not JSON) are final already and say so.
 */
function throughMapping<T>(
  workflowId: string,
  step: string,
  mapping: StepMapping,
  run: () => T,
): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InvalidOptionError || error instanceof NotJsonError) throw error;
    throw new WorkflowMappingError(workflowId, step, mapping, error);
  }
}

/** The workflow's stored input, parsed by its schema: what mappings and the first stage get. */
async function workflowInput(definition: AnyWorkflow, record: WorkflowRecord): Promise<unknown> {
  const schema = definition.input;
  const outcome = await validateNow(schema, revived(schema, record.input));
  if (outcome.ok) return outcome.value;
  throw new ValidationError(definition.name, 'input', outcome.issues, {
    afterJson: true,
    of: 'workflow',
  });
}

/** What stage `index` handed on, from its stored results, in the shape `stageOutput` gives. */
async function storedStageOutput(
  workflows: TransportWorkflows,
  definition: AnyWorkflow,
  record: WorkflowRecord,
  index: number,
): Promise<unknown> {
  const stage = definition.stages[index];
  if (stage === undefined) return stageOutput(definition, index, undefined);
  const tasks = new Map(stage.steps.map((step) => [step.name, step.task]));
  const results = await readStageResults(workflows, record, stage, (name) => {
    const task = tasks.get(name);
    return task === undefined ? undefined : resultDecoder(task);
  });
  return stageOutput(definition, index, results);
}
