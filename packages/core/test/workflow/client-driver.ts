import type { TaskContext } from '../../src/context.js';
import { toJobError } from '../../src/job-error.js';
import type { JsonValue } from '../../src/json.js';
import type { AnyTaskDefinition } from '../../src/task.js';
import type { TransportWith } from '../../src/transport-capabilities.js';
import type { StepAddress, StepOutcome, WorkflowRecord } from '../../src/transport-workflows.js';
import type { AnyWorkflow } from '../../src/workflow/define-workflow.js';
import { applyWorkflowEffects, enqueueMapChildren } from '../../src/workflow/dispatch.js';
import { workflowPlan } from '../../src/workflow/plan.js';
import {
  findWorkflowStep,
  mapItems,
  runStepInput,
  stageOutput,
  stepFailure,
} from '../../src/workflow/step-input.js';

/**
 * A worker by hand, for producer tests (core has no worker): reserves step jobs, claims the
 * step, works out its input from stored results, runs its task (or what `behave` says),
 * records the outcome, applies the effects and settles the job, until no job is left.
 */

type Transport = TransportWith<'workflows'>;

/** What a step does instead of its task: an outcome, or undefined to run the task. */
export type Behave = (address: StepAddress, input: unknown) => StepOutcome | undefined;

export interface DriveReport {
  /** Step jobs run (claimed), as `step` or `step[child]`, in order. */
  ran: string[];
}

/** Runs every step job of `workflow` that is (or becomes) ready, until none is left. */
export async function driveSteps(
  transport: Transport,
  workflow: AnyWorkflow,
  behave: Behave = () => undefined,
): Promise<DriveReport> {
  const plan = workflowPlan(workflow);
  const queues = [
    ...new Set(
      [...plan.stages.flatMap((stage) => stage.steps), ...plan.compensations].map((s) => s.queue),
    ),
  ];
  const report: DriveReport = { ran: [] };
  for (;;) {
    const reserved = await transport.reserve({
      queues,
      max: 50,
      leaseMs: 60_000,
      consumer: 'test',
    });
    if (reserved.length === 0) return report;
    for (const { envelope, token } of reserved) {
      const ref = envelope.workflow;
      if (ref === undefined) throw new Error(`job ${envelope.id} is not a step job`);
      const address: StepAddress =
        ref.child === undefined ? { step: ref.step } : { step: ref.step, child: ref.child };
      const claimed = await transport.workflows.claim(ref.id, address);
      if (claimed !== 'claimed') {
        await transport.settle([{ type: 'complete', id: envelope.id, token, result: null }]);
        continue;
      }
      report.ran.push(ref.child === undefined ? ref.step : `${ref.step}[${ref.child}]`);
      // A map child's input is its item: its record is not read (10,000 reads of a big one
      // would be slow).
      const record = ref.child === undefined ? await mustGet(transport, ref.id) : undefined;
      if (ref.kind === 'expand') {
        const found = mustHave(record);
        const items = (await itemsOf(transport, workflow, found, ref.step)) as JsonValue[];
        const expanded = await transport.workflows.expand(ref.id, ref.step, items, 100_000);
        await applyWorkflowEffects(transport, ref.id, expanded);
        const { children } = expanded;
        if (children) {
          await enqueueMapChildren(transport, ref.id, found.plan, ref.step, items, children);
        }
      } else {
        const effects = await transport.workflows.record(
          ref.id,
          address,
          await outcomeOf(transport, workflow, record, address, envelope.input, behave),
        );
        await applyWorkflowEffects(transport, ref.id, effects);
      }
      await transport.settle([{ type: 'complete', id: envelope.id, token, result: null }]);
    }
  }
}

async function outcomeOf(
  transport: Transport,
  workflow: AnyWorkflow,
  found: WorkflowRecord | undefined,
  address: StepAddress,
  item: JsonValue,
  behave: Behave,
): Promise<StepOutcome> {
  const location = findWorkflowStep(workflow, address.step);
  let input: unknown;
  const record = address.child === undefined ? mustHave(found) : undefined;
  if (record === undefined) {
    input = item;
  } else if (location.kind === 'compensation') {
    const failure = record.failure;
    if (failure === undefined) throw new Error('a compensation without a failure');
    input = runStepInput(
      workflow,
      address.step,
      stepFailure(failure.step, failure.error),
      record.input,
    );
  } else {
    const previous = await previousOf(transport, workflow, record, location.stageIndex);
    input = runStepInput(workflow, address.step, previous, record.input);
  }
  const given = behave(address, input);
  if (given !== undefined) return given;
  try {
    const task = location.step.task as AnyTaskDefinition;
    const returned = await task.run(input, {} as TaskContext);
    return { ok: true, result: JSON.parse(JSON.stringify(returned ?? null)) as JsonValue };
  } catch (error) {
    return { ok: false, error: toJobError(error) };
  }
}

async function itemsOf(
  transport: Transport,
  workflow: AnyWorkflow,
  record: WorkflowRecord,
  step: string,
): Promise<readonly unknown[]> {
  const location = findWorkflowStep(workflow, step);
  if (location.kind !== 'stage') throw new Error(`${step} is not a stage step`);
  const previous = await previousOf(transport, workflow, record, location.stageIndex);
  return mapItems(workflow, step, previous, record.input);
}

/** What stage `stageIndex` receives: the stage before's output, from stored results. */
async function previousOf(
  transport: Transport,
  workflow: AnyWorkflow,
  record: WorkflowRecord,
  stageIndex: number,
): Promise<unknown> {
  if (stageIndex === 0) return record.input;
  const before = workflow.stages[stageIndex - 1];
  if (before === undefined) throw new Error(`no stage ${stageIndex - 1}`);
  const { workflows } = transport;
  let results: unknown;
  if (before.kind === 'parallel') {
    const entries = await Promise.all(
      before.steps.map(async ({ name }) => [name, (await workflows.results(record.id, name))[0]]),
    );
    results = Object.fromEntries(entries);
  } else if (before.kind === 'map') {
    const name = before.steps[0]?.name ?? '';
    const count = record.steps.filter((s) => s.step === name && s.child !== undefined).length;
    results = await workflows.results(record.id, name, { from: 0, count });
  } else {
    results = (await workflows.results(record.id, before.steps[0]?.name ?? ''))[0];
  }
  return stageOutput(workflow, stageIndex - 1, results);
}

function mustHave(record: WorkflowRecord | undefined): WorkflowRecord {
  if (record === undefined) throw new Error('the record was not read');
  return record;
}

async function mustGet(transport: Transport, id: string): Promise<WorkflowRecord> {
  const record = await transport.workflows.get(id);
  if (record === null) throw new Error(`no workflow ${id}`);
  return record;
}
