// The base of every Conveyor error: its stable codes, and an identity that holds across
// copies of this package in one process. The error classes themselves are in errors.ts.

import type { EnqueueManyProgress } from './enqueue-batches.js';

/** Every stable error code Conveyor raises. Match on `error.code`, not on messages. */
export type ConveyorErrorCode =
  | 'UNKNOWN_TASK'
  | 'VALIDATION_FAILED'
  | 'IDEMPOTENCY_CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RESULT_TOO_LARGE'
  | 'NOT_JSON'
  | 'INVALID_ENVELOPE'
  | 'INVALID_OPTION'
  | 'NON_RETRYABLE'
  | 'RETRY_REQUESTED'
  | 'JOB_FAILED'
  | 'JOB_CANCELLED'
  | 'JOB_NOT_FOUND'
  | 'RESULT_TIMEOUT'
  | 'RESULT_NOT_KEPT'
  | 'TIME_LIMIT_EXCEEDED'
  | 'TRANSPORT_ERROR'
  | 'TRANSPORT_CLOSED'
  | 'CAPABILITY_MISSING'
  | 'SCHEDULE_NOT_FOUND'
  | 'SCHEDULE_AMBIGUOUS'
  | 'WORKFLOW_NOT_COMPLETED'
  | 'WORKFLOW_NOT_FOUND';

/**
 * The class names of a Conveyor error, from its own class up to `ConveyorError`, under a key
 * every copy of this package shares (`Symbol.for`): see `ConveyorError[Symbol.hasInstance]`.
 */
const ERROR_CLASSES = Symbol.for('@conveyor/core/error-classes');
const classNames = new Map<object, readonly string[]>();

function classNamesOf(target: { name: string }): readonly string[] {
  let names = classNames.get(target);
  if (!names) {
    const chain: string[] = [];
    for (
      let at: { name: string } | null = target;
      at && at !== Error;
      at = Object.getPrototypeOf(at) as { name: string } | null
    ) {
      chain.push(at.name);
    }
    names = Object.freeze(chain);
    classNames.set(target, names);
  }
  return names;
}

/**
 * Base class: a stable `code`, a message that says what to do, and an optional `cause`.
 *
 * `instanceof` holds across copies of `@conveyor/core` in one process: a task module loaded
 * through a loader of its own (tsx, as `conveyor worker` loads TypeScript) or from a second
 * install gets classes that are not this copy's, and a `NonRetryableError` it throws must still
 * fail the job at once. An error is an instance of a Conveyor error class of the same name.
 */
export class ConveyorError extends Error {
  readonly code: ConveyorErrorCode;
  /** In a batch enqueue (`enqueueMany`), the index of the input this error is about. */
  inputIndex?: number;
  /**
   * In an `enqueueMany` sent in more than one batch, on the error of the batch that failed:
   * which inputs were stored (with their jobs' handles), which may have been, and from which
   * input on nothing was sent. Declared only: the other errors show no empty field for it.
   */
  declare enqueueMany?: EnqueueManyProgress;

  // `this` is the class on the right of `instanceof`: a subclass inherits this method.
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the subclass being tested, not ConveyorError
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    const names = (value as { [ERROR_CLASSES]?: unknown })[ERROR_CLASSES];
    // biome-ignore lint/complexity/noThisInStatic: the subclass being tested, not ConveyorError
    return Array.isArray(names) && names.includes(this.name);
  }

  constructor(code: ConveyorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, ERROR_CLASSES, { value: classNamesOf(new.target) });
  }
}
