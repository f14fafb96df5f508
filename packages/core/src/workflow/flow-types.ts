import type { AnyTaskContract, TaskInput, TaskResult } from '../task.js';

/**
 * The types of a workflow's builder (`defineWorkflow({ steps: (flow) => flow.step(…) })`).
 * Each stage receives what the stage before it produced, as a result reader gets it
 * (`TaskResult`: the JSON form, so a `Date` arrives as a string), and the compiler holds
 * every hand-off to the task that receives it.
 */

/**
 * What happens when a step fails (retries exhausted, a `NonRetryableError`, a time limit):
 * the workflow fails (`'fail'`, the default), the step counts as done with no result
 * (`'continue'`: what flows on is typed `… | undefined`), or the named compensation step
 * runs (`{ compensate: 'name' }`, declared with `.compensation(name, …)`).
 */
export type OnFailure = 'fail' | 'continue' | { readonly compensate: string };

/** What a compensation step receives about the step that failed. */
export interface StepFailure {
  /** The name of the step that failed. */
  readonly step: string;
  /** Its error's message. */
  readonly message: string;
  /** Its error's code, when it had one (`NON_RETRYABLE`, `TIME_LIMIT_EXCEEDED`, …). */
  readonly code?: string;
}

/**
 * A step's input mapping: from what flows in (`previous`) and the workflow's input to the
 * task's input. It runs in the worker that runs the step, never on the producer.
 */
export type StepMapping<TPrevious, TWorkflowInput, T extends AnyTaskContract> = (
  previous: TPrevious,
  input: TWorkflowInput,
) => TaskInput<T>;

/** What a stage hands on: the step's result, or `undefined` too when it may `'continue'`. */
type Outcome<TResult, F> = F extends 'continue' ? TResult | undefined : TResult;

/**
 * What a map stage hands on: its children's results in item order; with `'continue'`, each
 * may be `undefined` (a child that failed), and so may the whole (the map step itself failed
 * before its children ran: its items mapping threw, or there were too many).
 */
type MapOutcome<TResult, F> = F extends 'continue'
  ? Array<TResult | undefined> | undefined
  : TResult[];

/** The compensation a failure policy names, if any. */
type CompensationOf<F> = F extends { readonly compensate: infer C extends string } ? C : never;

/**
 * `unknown` when a step without an input mapping can take what flows into it, otherwise
 * an object whose one required property is the message, so that passing the task fails
 * to compile and the compiler's error quotes it:
 * `Property '"step \"fulfil\" cannot take the output of step \"reserve\""' is missing…`.
 */
export type TakesPrevious<TPrevious, TTaskInput, TStep extends string, TFrom extends string> = [
  TPrevious,
] extends [TTaskInput]
  ? unknown
  : {
      readonly [K in `step "${TStep}" cannot take the output of ${TFrom}`]: 'give the step an input mapping: { input: (previous, input) => … }';
    };

/** {@link TakesPrevious} for a compensation step without an input mapping. */
export type TakesFailure<TTaskInput, TStep extends string> = [StepFailure] extends [TTaskInput]
  ? unknown
  : {
      readonly [K in `compensation "${TStep}" cannot take a step failure { step, message, code? }`]: 'give the compensation an input mapping: { input: (failure, input) => … }';
    };

/** One step of a `.parallel({...})` group, as written: a task, a mapping unless it takes what flows in. */
export interface ParallelBranch<TWorkflowInput, TPrevious> {
  readonly task: AnyTaskContract;
  readonly input?: (previous: TPrevious, input: TWorkflowInput) => unknown;
  readonly onFailure?: OnFailure;
}

type TaskOf<B> = B extends { readonly task: infer T extends AnyTaskContract } ? T : never;

/**
 * What each branch of a group must also be: a mapping that returns the task's input, or,
 * without one, a task that can take what flows in ({@link TakesPrevious}).
 */
export type BranchChecks<B, TWorkflowInput, TPrevious, TFrom extends string> = {
  [K in keyof B]: B[K] extends { readonly input: (...args: never[]) => unknown }
    ? { readonly input: StepMapping<TPrevious, TWorkflowInput, TaskOf<B[K]>> }
    : { readonly task: TakesPrevious<TPrevious, TaskInput<TaskOf<B[K]>>, K & string, TFrom> };
};

/** What a group hands on: each branch's result by name. */
type GroupOutcome<B> = {
  -readonly [K in keyof B]: Outcome<
    TaskResult<TaskOf<B[K]>>,
    B[K] extends { readonly onFailure: infer F } ? F : 'fail'
  >;
};

/** The compensations a group's branches name. */
type GroupCompensations<B> = {
  [K in keyof B]: B[K] extends { readonly onFailure: infer F } ? CompensationOf<F> : never;
}[keyof B];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  i: infer I,
) => void
  ? I
  : never;
type LastOf<U> =
  UnionToIntersection<U extends unknown ? (u: U) => void : never> extends (u: infer L) => void
    ? L
    : never;

/** `"ship", "confirm"`: a group's step names, for messages (the order is the compiler's). */
type JoinNames<U extends string, Done extends string = ''> = [U] extends [never]
  ? Done
  : LastOf<U> extends infer L extends string
    ? JoinNames<Exclude<U, L>, Done extends '' ? `"${L}"` : `"${L}", ${Done}`>
    : Done;

/** Type-level state shared by {@link Flow} and {@link CompensationFlow}. */
export interface FlowState<TResult, TRefs extends string, TDeclared extends string> {
  /**
   * Type-level only, never set: what the last stage produces, the compensations an
   * `onFailure` names and those declared.
   */
  readonly '~flow'?: { result: TResult; refs: TRefs; declared: TDeclared };
}

/**
 * The builder `defineWorkflow`'s `steps` receives. `TPrevious` is what the next stage
 * receives; `TFrom` names where it comes from, for compile errors.
 */
export interface Flow<TWorkflowInput, TPrevious, TFrom extends string, TRefs extends string = never>
  extends FlowState<TPrevious, TRefs, never> {
  /**
   * A step: runs `task` once. With `input`, the task's input is what the mapping returns;
   * without, it is what flows in (a compile error when that does not fit the task).
   */
  step<const N extends string, T extends AnyTaskContract, const F extends OnFailure = 'fail'>(
    name: N,
    task: T,
    options: { input: StepMapping<TPrevious, TWorkflowInput, T>; onFailure?: F },
  ): Flow<TWorkflowInput, Outcome<TaskResult<T>, F>, `step "${N}"`, TRefs | CompensationOf<F>>;
  step<const N extends string, T extends AnyTaskContract, const F extends OnFailure = 'fail'>(
    name: N,
    task: T & TakesPrevious<TPrevious, TaskInput<T>, N, TFrom>,
    options?: { input?: undefined; onFailure?: F },
  ): Flow<TWorkflowInput, Outcome<TaskResult<T>, F>, `step "${N}"`, TRefs | CompensationOf<F>>;

  /**
   * A group: its steps run side by side, each named by its key (a step name), and the
   * next stage receives their results as a record by the same keys.
   */
  parallel<const B extends Record<string, ParallelBranch<TWorkflowInput, TPrevious>>>(
    branches: B & BranchChecks<B, TWorkflowInput, TPrevious, TFrom>,
  ): Flow<
    TWorkflowInput,
    GroupOutcome<B>,
    `parallel ${JoinNames<keyof B & string>}`,
    TRefs | GroupCompensations<B>
  >;

  /**
   * A fan-out: `items` returns one task input per child job; the next stage receives the
   * children's results in the order of the array. With `onFailure: 'continue'`, a child
   * that failed gives `undefined` in it, and a map step that failed itself (its items
   * mapping threw, or returned more items than the workers' limit) gives `undefined`
   * instead of the array.
   */
  map<const N extends string, T extends AnyTaskContract, const F extends OnFailure = 'fail'>(
    name: N,
    task: T,
    options: {
      items: (previous: TPrevious, input: TWorkflowInput) => readonly TaskInput<T>[];
      onFailure?: F;
    },
  ): Flow<TWorkflowInput, MapOutcome<TaskResult<T>, F>, `map "${N}"`, TRefs | CompensationOf<F>>;

  /**
   * A compensation step: runs only when a step whose `onFailure` names it fails, with the
   * failure. Compensations come after the stages.
   */
  compensation<const N extends string, T extends AnyTaskContract>(
    name: N,
    task: T,
    options: { input: (failure: StepFailure, input: TWorkflowInput) => TaskInput<T> },
  ): CompensationFlow<TWorkflowInput, TPrevious, TRefs, N>;
  compensation<const N extends string, T extends AnyTaskContract>(
    name: N,
    task: T & TakesFailure<TaskInput<T>, N>,
    options?: { input?: undefined },
  ): CompensationFlow<TWorkflowInput, TPrevious, TRefs, N>;
}

/** The builder after the first `.compensation(...)`: more compensations only. */
export interface CompensationFlow<
  TWorkflowInput,
  TResult,
  TRefs extends string,
  TDeclared extends string,
> extends FlowState<TResult, TRefs, TDeclared> {
  compensation<const N extends string, T extends AnyTaskContract>(
    name: N,
    task: T,
    options: { input: (failure: StepFailure, input: TWorkflowInput) => TaskInput<T> },
  ): CompensationFlow<TWorkflowInput, TResult, TRefs, TDeclared | N>;
  compensation<const N extends string, T extends AnyTaskContract>(
    name: N,
    task: T & TakesFailure<TaskInput<T>, N>,
    options?: { input?: undefined },
  ): CompensationFlow<TWorkflowInput, TResult, TRefs, TDeclared | N>;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest builder, for constraints.
export type AnyFlow = FlowState<any, string, string>;

/** What a built flow's last stage produces: the workflow's result. */
export type FlowResult<F extends AnyFlow> = NonNullable<F['~flow']>['result'];

type Undeclared<F extends AnyFlow> = Exclude<
  NonNullable<F['~flow']>['refs'],
  NonNullable<F['~flow']>['declared']
>;

/**
 * `unknown` when every compensation an `onFailure` names is declared, otherwise an
 * object whose required property is the message (see {@link TakesPrevious}).
 */
export type CompensationsDeclared<F extends AnyFlow> = [Undeclared<F>] extends [never]
  ? unknown
  : {
      readonly [K in `onFailure names compensation "${Undeclared<F>}", which is not declared`]: 'declare it: .compensation(name, task, { input })';
    };
