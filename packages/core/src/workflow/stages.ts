import { isTaskLike, notATaskError } from '../call-options.js';
import { InvalidOptionError } from '../errors.js';
import { nearestName } from '../known-keys.js';
import type { AnyTaskContract } from '../task.js';
import type { CompensationDraft, FlowDraft, StageDraft } from './flow.js';
import type { OnFailure } from './flow-types.js';

/** A step's input mapping or a map's `items`, untyped: the worker calls them. */
// biome-ignore lint/suspicious/noExplicitAny: called with stored results, checked by the task's schema.
export type WorkflowFunction = (previous: any, input: any) => unknown;

/** One step of a checked workflow: a stage's step, a group's branch, a map, or a compensation. */
export interface WorkflowStep {
  readonly name: string;
  readonly task: AnyTaskContract;
  /** The input mapping; undefined when the step takes what flows in (a map's child takes its item). */
  readonly input: WorkflowFunction | undefined;
  /** Always `'fail'` for a compensation: one that fails ends the workflow `failed`. */
  readonly onFailure: OnFailure;
}

/** A checked stage. `steps` has one step, except in a group. */
export type WorkflowStage =
  | { readonly kind: 'step'; readonly steps: readonly [WorkflowStep] }
  | { readonly kind: 'parallel'; readonly steps: readonly WorkflowStep[] }
  | {
      readonly kind: 'map';
      readonly steps: readonly [WorkflowStep];
      /** One task input per child job, in order. */
      readonly items: WorkflowFunction;
    };

/** Step names: 1–64 of A–Z, a–z, 0–9, `_` and `-`. */
export const STEP_NAME_RULE = '1–64 characters from A–Z, a–z, 0–9, "_" and "-"';
const STEP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` is a valid step name. */
export function isStepName(value: unknown): value is string {
  return typeof value === 'string' && STEP_NAME.test(value);
}

/**
 * Checks what a flow recorded and returns its stages and compensations, frozen. Throws
 * {@link InvalidOptionError} naming the workflow, the step and what to write instead.
 */
export function checkedStages(
  draft: FlowDraft,
  workflow: string,
): { stages: readonly WorkflowStage[]; compensations: readonly WorkflowStep[] } {
  const label = `of workflow ${JSON.stringify(workflow)}`;
  if (draft.stages.length === 0) {
    throw new InvalidOptionError(
      `steps ${label}`,
      'no stages',
      'at least one .step(), .parallel() or .map() before any .compensation()',
    );
  }
  const names = new Set<string>();
  const stages = draft.stages.map((stage) => checkedStage(stage, label, names));
  const compensations = draft.compensations.map((c) => checkedCompensation(c, label, names));
  const declared = new Set(compensations.map((c) => c.name));
  for (const stage of stages) {
    for (const step of stage.steps) {
      if (typeof step.onFailure !== 'object') continue;
      const target = step.onFailure.compensate;
      if (declared.has(target)) continue;
      const known = declared.size > 0 ? `one of ${[...declared].join(', ')}` : 'none declared';
      throw new InvalidOptionError(
        `onFailure of step ${JSON.stringify(step.name)} ${label}`,
        step.onFailure,
        names.has(target)
          ? `a compensation: ${JSON.stringify(target)} is a stage; declare the compensation with .compensation(name, task, { input }) after the stages`
          : `the name of a compensation declared with .compensation(name, task, { input }) (${known})`,
      );
    }
  }
  return { stages: Object.freeze(stages), compensations: Object.freeze(compensations) };
}

function checkedStage(draft: StageDraft, label: string, names: Set<string>): WorkflowStage {
  switch (draft.kind) {
    case 'step': {
      const options = optionsOf(draft.options, draft.name, label, 'step');
      const step = checkedStep(draft.name, draft.task, options, label, names);
      return Object.freeze({ kind: 'step', steps: Object.freeze([step] as const) });
    }
    case 'map': {
      const options = optionsOf(draft.options, draft.name, label, 'map');
      const { items } = options;
      const step = checkedStep(
        draft.name,
        draft.task,
        { ...options, input: undefined },
        label,
        names,
      );
      if (typeof items !== 'function') {
        throw new InvalidOptionError(
          `items of map step ${JSON.stringify(step.name)} ${label}`,
          items,
          'a function (previous, input) => the task inputs, one per child job',
        );
      }
      return Object.freeze({
        kind: 'map',
        steps: Object.freeze([step] as const),
        items: items as WorkflowFunction,
      });
    }
    case 'parallel': {
      const { branches } = draft;
      if (typeof branches !== 'object' || branches === null || Array.isArray(branches)) {
        throw new InvalidOptionError(
          `parallel group ${label}`,
          branches,
          'an object of steps by name: { ship: { task, input }, … }',
        );
      }
      const entries = Object.entries(branches);
      if (entries.length === 0) {
        throw new InvalidOptionError(
          `parallel group ${label}`,
          branches,
          'at least one step: { ship: { task, input }, … }',
        );
      }
      const steps = entries.map(([name, branch]) => {
        const { task, ...options } = optionsOf(branch, name, label, 'branch') as { task?: unknown };
        return checkedStep(name, task, options, label, names);
      });
      return Object.freeze({ kind: 'parallel', steps: Object.freeze(steps) });
    }
    default:
      throw new InvalidOptionError(`stage ${label}`, draft, 'a step, parallel group or map');
  }
}

function checkedCompensation(
  draft: CompensationDraft,
  label: string,
  names: Set<string>,
): WorkflowStep {
  const options = optionsOf(draft.options, draft.name, label, 'compensation');
  return checkedStep(draft.name, draft.task, options, label, names, 'compensation');
}

interface RawOptions {
  readonly input?: unknown;
  readonly onFailure?: unknown;
  readonly items?: unknown;
  readonly task?: unknown;
}

function optionsOf(options: unknown, name: unknown, label: string, kind: OptionsKind): RawOptions {
  if (options === undefined && kind !== 'map') return {};
  const allowed = OPTION_KEYS[kind];
  const unknownKey =
    typeof options === 'object' && options !== null
      ? Object.keys(options).find((key) => !allowed.includes(key))
      : undefined;
  if (typeof options !== 'object' || options === null || unknownKey !== undefined) {
    const nearest = unknownKey === undefined ? undefined : nearestName(unknownKey, allowed);
    throw new InvalidOptionError(
      `options of ${kind === 'compensation' ? 'compensation' : 'step'} ${JSON.stringify(name)} ${label}`,
      unknownKey === undefined ? options : `unknown option ${unknownKey}`,
      `an object { ${allowed.join(', ')} }${nearest === undefined ? '' : ` (did you mean ${JSON.stringify(nearest)}?)`}`,
    );
  }
  return options as RawOptions;
}

type OptionsKind = 'step' | 'map' | 'branch' | 'compensation';

const OPTION_KEYS: Record<OptionsKind, readonly string[]> = {
  step: ['input', 'onFailure'],
  map: ['items', 'onFailure'],
  branch: ['task', 'input', 'onFailure'],
  compensation: ['input'],
};

function checkedStep(
  name: unknown,
  task: unknown,
  options: RawOptions,
  label: string,
  names: Set<string>,
  what: 'step' | 'compensation' = 'step',
): WorkflowStep {
  if (!isStepName(name))
    throw new InvalidOptionError(`${what} name ${label}`, name, STEP_NAME_RULE);
  if (names.has(name)) {
    throw new InvalidOptionError(
      `${what} name ${label}`,
      name,
      'a name no other step or compensation of the workflow has',
    );
  }
  names.add(name);
  const stepLabel = `${what} ${JSON.stringify(name)} ${label}`;
  if (!isTaskLike(task)) {
    throw notATaskError(
      `task of ${stepLabel}`,
      task,
      'a task from defineTask or a contract from taskContract or codegen',
    );
  }
  const { input } = options;
  if (input !== undefined && typeof input !== 'function') {
    throw new InvalidOptionError(
      `input of ${stepLabel}`,
      input,
      what === 'compensation'
        ? 'a function (failure, input) => the task input'
        : 'a function (previous, input) => the task input',
    );
  }
  return Object.freeze({
    name,
    task,
    input: input as WorkflowFunction | undefined,
    onFailure: onFailureOf(options.onFailure, stepLabel),
  });
}

function onFailureOf(value: unknown, stepLabel: string): OnFailure {
  if (value === undefined || value === 'fail' || value === 'continue') return value ?? 'fail';
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).join() === 'compensate' &&
    isStepName((value as { compensate: unknown }).compensate)
  ) {
    return Object.freeze({ compensate: (value as { compensate: string }).compensate });
  }
  throw new InvalidOptionError(
    `onFailure of ${stepLabel}`,
    value,
    "'fail', 'continue' or { compensate: '<compensation name>' }",
  );
}
