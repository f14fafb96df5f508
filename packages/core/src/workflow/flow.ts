import type { Flow } from './flow-types.js';

/**
 * The builder behind {@link Flow} at run time. It records each call as given, and
 * `defineWorkflow` checks the record as a whole (so that every error can name the
 * workflow). Each call returns a new builder: a flow is never changed after the fact.
 */

/** A `.step`, `.parallel` or `.map` call, as written. */
export type StageDraft =
  | {
      readonly kind: 'step';
      readonly name: unknown;
      readonly task: unknown;
      readonly options: unknown;
    }
  | { readonly kind: 'parallel'; readonly branches: unknown }
  | {
      readonly kind: 'map';
      readonly name: unknown;
      readonly task: unknown;
      readonly options: unknown;
    };

/** A `.compensation` call, as written. */
export interface CompensationDraft {
  readonly name: unknown;
  readonly task: unknown;
  readonly options: unknown;
}

/** What a built flow recorded. */
export interface FlowDraft {
  readonly stages: readonly StageDraft[];
  readonly compensations: readonly CompensationDraft[];
}

const drafts = new WeakMap<object, FlowDraft>();

/** The flow `steps` starts from. */
export function emptyFlow(): Flow<unknown, unknown, 'the workflow input'> {
  return builder({ stages: [], compensations: [] }) as unknown as Flow<
    unknown,
    unknown,
    'the workflow input'
  >;
}

/** What a value returned by `steps` recorded, or undefined when it is no flow. */
export function draftOf(value: unknown): FlowDraft | undefined {
  return typeof value === 'object' && value !== null ? drafts.get(value) : undefined;
}

function builder(draft: FlowDraft): object {
  const withStage = (stage: StageDraft) =>
    builder({ stages: [...draft.stages, stage], compensations: draft.compensations });
  const withCompensation = (compensation: CompensationDraft) =>
    builder({ stages: draft.stages, compensations: [...draft.compensations, compensation] });
  const flow =
    draft.compensations.length > 0
      ? {
          compensation: (name: unknown, task: unknown, options?: unknown) =>
            withCompensation({ name, task, options }),
        }
      : {
          step: (name: unknown, task: unknown, options?: unknown) =>
            withStage({ kind: 'step', name, task, options }),
          parallel: (branches: unknown) => withStage({ kind: 'parallel', branches }),
          map: (name: unknown, task: unknown, options: unknown) =>
            withStage({ kind: 'map', name, task, options }),
          compensation: (name: unknown, task: unknown, options?: unknown) =>
            withCompensation({ name, task, options }),
        };
  Object.freeze(flow);
  drafts.set(flow, draft);
  return flow;
}
