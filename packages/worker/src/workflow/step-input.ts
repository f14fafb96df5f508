import {
  type AnyWorkflow,
  findWorkflowStep,
  type JobWorkflowRef,
  type JsonValue,
  mapItems,
  runStepInput,
  stageOutput,
  stepFailure,
  type TransportWorkflows,
  ValidationError,
  type WorkflowRecord,
  type WorkflowStep,
} from '@conveyor/core';
import { resultDecoder, revived, validateNow } from '@conveyor/core/worker';

// What a step job works on, resolved at run time from the workflow's record
// (docs/workflows.md §3): stored results decoded as a result reader decodes them, handed
// through the definition's mappings. Nothing here is sent over the wire.

/** A map stage's children's results are read this many at a time, in index order (§7). */
export const RESULTS_CHUNK = 1_000;

/** A `run` step's task input, or an `expand` job's items (JSON, one per child). */
export type StepWork = { kind: 'run'; input: unknown } | { kind: 'expand'; items: JsonValue[] };

/**
 * What the step job `ref` works on: a compensation's input from the workflow's failure; a
 * stage step's from the stage before (the workflow's input for the first stage); a map
 * stage's items. Throws what a mapping throws, and `VALIDATION_FAILED` when the stored
 * input or a stored result no longer fits its schema.
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
    return { kind: 'run', input: runStepInput(definition, ref.step, previous, input) };
  }
  const { stageIndex } = location;
  const previous =
    stageIndex === 0
      ? undefined
      : await storedStageOutput(workflows, definition, record, stageIndex - 1);
  if (ref.kind === 'expand') {
    const items = mapItems(definition, ref.step, previous, input);
    // The JSON form: what each child job's envelope will carry.
    return { kind: 'expand', items: JSON.parse(JSON.stringify(items)) as JsonValue[] };
  }
  return { kind: 'run', input: runStepInput(definition, ref.step, previous, input) };
}

/** The workflow's stored input, parsed by its schema: what mappings and the first stage get. */
async function workflowInput(definition: AnyWorkflow, record: WorkflowRecord): Promise<unknown> {
  const schema = definition.input;
  const outcome = await validateNow(schema, revived(schema, record.input));
  if (outcome.ok) return outcome.value;
  throw new ValidationError(definition.name, 'input', outcome.issues, { afterJson: true });
}

/** What stage `index` handed on, from its stored results, in the shape `stageOutput` gives. */
export async function storedStageOutput(
  workflows: TransportWorkflows,
  definition: AnyWorkflow,
  record: WorkflowRecord,
  index: number,
): Promise<unknown> {
  const stage = definition.stages[index];
  if (stage === undefined) return stageOutput(definition, index, undefined);
  if (stage.kind === 'map') {
    const [step] = stage.steps;
    return stageOutput(definition, index, await childResults(workflows, record, step));
  }
  const values = await Promise.all(
    stage.steps.map(async (step) => {
      const [stored] = await workflows.results(record.id, step.name);
      return decoded(step, stored);
    }),
  );
  if (stage.kind === 'step') return stageOutput(definition, index, values[0]);
  const byName: Record<string, unknown> = {};
  stage.steps.forEach((step, at) => {
    byName[step.name] = values[at];
  });
  return stageOutput(definition, index, byName);
}

/** A map step's children's results, decoded, in index order; read in chunks side by side. */
async function childResults(
  workflows: TransportWorkflows,
  record: WorkflowRecord,
  step: WorkflowStep,
): Promise<unknown[]> {
  let count = 0;
  for (const rec of record.steps) if (rec.step === step.name && rec.child !== undefined) count++;
  const reads: Array<Promise<Array<JsonValue | undefined>>> = [];
  for (let from = 0; from < count; from += RESULTS_CHUNK) {
    const range = { from, count: Math.min(RESULTS_CHUNK, count - from) };
    reads.push(workflows.results(record.id, step.name, range));
  }
  const chunks = await Promise.all(reads);
  const stored: Array<JsonValue | undefined> = new Array(count).fill(undefined);
  chunks.forEach((chunk, at) => {
    const from = at * RESULTS_CHUNK;
    for (let i = 0; i < chunk.length && from + i < count; i++) stored[from + i] = chunk[i];
  });
  const decode = resultDecoder(step.task);
  if (decode === undefined) return stored;
  return Promise.all(stored.map((value) => (value === undefined ? undefined : decode(value))));
}

/** A stored result as a result reader gets it; `undefined` (a skipped step) stays so. */
async function decoded(step: WorkflowStep, stored: JsonValue | undefined): Promise<unknown> {
  if (stored === undefined) return undefined;
  const decode = resultDecoder(step.task);
  return decode === undefined ? stored : decode(stored);
}
