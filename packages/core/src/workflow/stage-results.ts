import type { JsonValue } from '../json.js';
import type { ResultDecoder } from '../result-codec.js';
import type { TransportWorkflows, WorkflowRecord } from '../transport-workflows.js';

/** A map stage's children's results are read this many at a time, in index order (§7). */
const RESULTS_CHUNK = 1_000;

/** What reading a stage's results needs of it: its kind and its steps' names (a plan's or a definition's stage). */
export interface StageToRead {
  readonly kind: 'step' | 'parallel' | 'map';
  readonly steps: readonly { readonly name: string }[];
}

/**
 * A stage's stored results, decoded, in the shape `stageOutput` takes and `handle.result()`
 * gives: a step's result; a group's results by step name; a map's children's results in
 * index order (read in chunks side by side). A step skipped by `onFailure: 'continue'`
 * gives `undefined`, a map step too (its items mapping threw, or were too many): not `[]`,
 * which is a map whose mapping returned no items. A step (or child) that completed with no
 * result (its task returned nothing) gives `undefined` too, in a group's record and a map's
 * array as well. `decoderFor(step)` is the step's task's decoder, or undefined to hand
 * stored results on as they are.
 */
export async function readStageResults(
  workflows: TransportWorkflows,
  record: WorkflowRecord,
  stage: StageToRead,
  decoderFor: (step: string) => ResultDecoder | undefined,
): Promise<unknown> {
  if (stage.kind === 'map') {
    const [step] = stage.steps;
    if (step === undefined) return [];
    const own = record.steps.find((rec) => rec.step === step.name && rec.child === undefined);
    // Skipped by its policy, it has no result, as a skipped step has none; its children,
    // if it expanded before it failed, were cancelled and stay in the record.
    if (own?.state === 'skipped') return undefined;
    return childResults(workflows, record, step.name, decoderFor);
  }
  const values = await Promise.all(
    stage.steps.map(async ({ name }) => {
      const [stored] = await workflows.results(record.id, name);
      return decoded(decoderFor(name), stored);
    }),
  );
  if (stage.kind === 'step') return values[0];
  return Object.fromEntries(stage.steps.map(({ name }, at) => [name, values[at]]));
}

/**
 * The stored results of children `0` to `count - 1` of map step `step` of workflow `id`, in
 * index order, read {@link RESULTS_CHUNK} at a time, the chunks side by side: one entry per
 * child, `undefined` where none is stored (a child not completed, or skipped). Undecoded.
 */
export async function readChildResults(
  workflows: TransportWorkflows,
  id: string,
  step: string,
  count: number,
): Promise<Array<JsonValue | undefined>> {
  const reads: Array<Promise<Array<JsonValue | undefined>>> = [];
  for (let from = 0; from < count; from += RESULTS_CHUNK) {
    const range = { from, count: Math.min(RESULTS_CHUNK, count - from) };
    reads.push(workflows.results(id, step, range));
  }
  const chunks = await Promise.all(reads);
  const stored: Array<JsonValue | undefined> = new Array(count).fill(undefined);
  chunks.forEach((chunk, at) => {
    const from = at * RESULTS_CHUNK;
    for (let i = 0; i < chunk.length && from + i < count; i++) stored[from + i] = chunk[i];
  });
  return stored;
}

/** A map step's children's results, decoded, in index order; read in chunks side by side. */
async function childResults(
  workflows: TransportWorkflows,
  record: WorkflowRecord,
  step: string,
  decoderFor: (step: string) => ResultDecoder | undefined,
): Promise<unknown[]> {
  const count = await childCount(workflows, record, step);
  const stored = await readChildResults(workflows, record.id, step, count);
  const decode = decoderFor(step);
  if (decode === undefined) return stored;
  return Promise.all(stored.map((value) => decoded(decode, value)));
}

/**
 * How many children map step `step` has: its own record says so (read with or without its
 * children). From a transport that leaves that out, the children listed after it, in a
 * full read when `record` was read without them.
 */
async function childCount(
  workflows: TransportWorkflows,
  record: WorkflowRecord,
  step: string,
): Promise<number> {
  const own = record.steps.find((rec) => rec.step === step && rec.child === undefined);
  if (own?.children !== undefined) return own.children;
  const full = record.steps.some((rec) => rec.child !== undefined)
    ? record
    : await workflows.get(record.id);
  let count = 0;
  for (const rec of full?.steps ?? []) if (rec.step === step && rec.child !== undefined) count++;
  return count;
}

/** A stored result as a result reader gets it; `undefined` (a skipped step) stays so. */
async function decoded(
  decode: ResultDecoder | undefined,
  stored: JsonValue | undefined,
): Promise<unknown> {
  return decode === undefined || stored === undefined ? stored : decode(stored);
}
