import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorError } from './conveyor-error.js';
import { formatIssues, jsonText } from './issues.js';
import type { JobError } from './job-error.js';

export { ConveyorError, type ConveyorErrorCode } from './conveyor-error.js';
export { formatIssues } from './issues.js';
export { AmbiguousScheduleError, ScheduleNotFoundError } from './schedule-errors.js';

/** A job names a task that this worker or registry does not know. */
export class UnknownTaskError extends ConveyorError {
  declare readonly code: 'UNKNOWN_TASK';
  readonly task: string;
  readonly known: readonly string[];

  constructor(task: string, known: readonly string[]) {
    const list = known.length === 0 ? 'none registered' : `known: ${[...known].sort().join(', ')}`;
    super(
      'UNKNOWN_TASK',
      `Unknown task ${JSON.stringify(task)} (${list}). Register the task with the worker or fix the name at the producer.`,
    );
    this.task = task;
    this.known = known;
  }
}

/** Input (or a task's result) failed its schema. `issues` are the schema library's own issues. */
export class ValidationError extends ConveyorError {
  declare readonly code: 'VALIDATION_FAILED';
  readonly task: string;
  readonly target: 'input' | 'output';
  readonly issues: readonly StandardSchemaV1.Issue[];

  /**
   * `afterJson`: the value passed as given, but not in the form a reader gets after the
   * JSON trip (the producer checks that form, so the job is refused, not failed later).
   * `of`: what `task` names, a task (the default) or a workflow, for the message.
   * `value`: the value validated, whose parts at the issues' paths the message quotes (see
   * {@link formatIssues}); give it only where the message reaches the value's own caller.
   * `hint`: a sentence added to the message, saying what to do.
   */
  readonly afterJson: boolean;

  constructor(
    task: string,
    target: 'input' | 'output',
    issues: readonly StandardSchemaV1.Issue[],
    options: { afterJson?: boolean; of?: 'task' | 'workflow'; value?: unknown; hint?: string } = {},
  ) {
    const afterJson = options.afterJson === true;
    const of = options.of ?? 'task';
    const found = formatIssues(issues, 'value' in options ? { value: options.value } : undefined);
    super(
      'VALIDATION_FAILED',
      afterJson
        ? `Invalid ${target} for ${of} ${JSON.stringify(task)} once sent as JSON, as the ${target === 'input' ? 'worker' : 'reader'} would receive it: ${found}. JSON turns a Date into an ISO string (a Date again only where the schema says z.date()) and drops properties whose value is undefined; change the schema (z.date(), .optional()) or the value.`
        : `Invalid ${target} for ${of} ${JSON.stringify(task)}: ${found}${options.hint ? `. ${options.hint}` : ''}`,
    );
    this.task = task;
    this.target = target;
    this.issues = issues;
    this.afterJson = afterJson;
  }
}

/**
 * Marks an error as being about input `index` of a batch of `count` (more than one): sets
 * `inputIndex` and says so at the start of the message. Other errors pass through.
 */
export function atInput(error: unknown, index: number, count: number): unknown {
  if (count > 1 && error instanceof ConveyorError && error.inputIndex === undefined) {
    error.inputIndex = index;
    error.message = `inputs[${index}] (of ${count}): ${error.message}`;
  }
  return error;
}

/**
 * A job is over the payload cap (`maxPayloadBytes`): its serialized envelope at enqueue
 * (client or transport), or its stored input in the worker.
 */
export class PayloadTooLargeError extends ConveyorError {
  declare readonly code: 'PAYLOAD_TOO_LARGE';
  readonly bytes: number;
  readonly limit: number;
  readonly jobId: string | undefined;

  constructor(
    task: string,
    bytes: number,
    limit: number,
    jobId?: string,
    /** `value`: `task` is not a task's name but what was measured (`item 3 of step "each"`). */
    measured: 'job' | 'input' | 'value' = 'job',
    /** The setting that holds `limit`, as the advice names it: the client, transport and worker each have one. */
    setting = 'maxPayloadBytes',
  ) {
    const job = jobId === undefined ? 'Job' : `Job ${JSON.stringify(jobId)}`;
    const what =
      measured === 'value'
        ? task.charAt(0).toUpperCase() + task.slice(1)
        : `${measured === 'input' ? `${job}'s input` : job} for task ${JSON.stringify(task)}`;
    super(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${bytes} bytes, over the ${limit}-byte limit. Store large data elsewhere (database, object store) and pass its id, or raise ${setting}.`,
    );
    this.bytes = bytes;
    this.limit = limit;
    this.jobId = jobId;
  }
}

/** A task returned a result over the result cap (`maxResultBytes`); it was not stored. */
export class ResultTooLargeError extends ConveyorError {
  declare readonly code: 'RESULT_TOO_LARGE';
  readonly bytes: number;
  readonly limit: number;

  constructor(task: string, bytes: number, limit: number) {
    super(
      'RESULT_TOO_LARGE',
      `Task ${JSON.stringify(task)} returned a result of ${bytes} bytes, over the ${limit}-byte limit; it was not stored. Store large results elsewhere (database, object store) and return a reference, or raise the worker's maxResultBytes.`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A payload or result contains something JSON cannot carry. */
export class NotJsonError extends ConveyorError {
  declare readonly code: 'NOT_JSON';
  readonly path: string;

  constructor(path: string, shown: string, reason: string) {
    super('NOT_JSON', `${path} is not JSON-serializable (${shown}): ${reason}.`);
    this.path = path;
  }
}

/** Data read from a broker is not a job envelope this version understands. */
export class InvalidEnvelopeError extends ConveyorError {
  declare readonly code: 'INVALID_ENVELOPE';
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_ENVELOPE', message, options);
  }
}

/** An option is out of range or malformed, e.g. `priority: 12`. */
export class InvalidOptionError extends ConveyorError {
  declare readonly code: 'INVALID_OPTION';
  constructor(option: string, value: unknown, expected: string, options?: ErrorOptions) {
    super('INVALID_OPTION', `Invalid ${option} ${describe(value)}: expected ${expected}.`, options);
  }
}

/**
 * Throw from a task to fail the job at once, with no further attempts.
 *
 * @example
 * if (stock < quantity) throw new NonRetryableError(`Only ${stock} left of ${sku}`);
 */
export class NonRetryableError extends ConveyorError {
  declare readonly code: 'NON_RETRYABLE';
  constructor(message: string, options?: ErrorOptions) {
    super('NON_RETRYABLE', message, options);
  }
}

/** Thrown by `ctx.retry()` to re-schedule the current job; the runner catches it. */
export class RetryRequest extends ConveyorError {
  declare readonly code: 'RETRY_REQUESTED';
  /** Ms before the next attempt; undefined: the task's backoff. */
  readonly countdown: number | undefined;
  /** The `reason` the task gave, if any. */
  readonly reason: string | undefined;

  constructor(countdown: number | undefined, reason: string | undefined, options?: ErrorOptions) {
    super('RETRY_REQUESTED', reason ?? 'Retry requested by the task', options);
    this.countdown = countdown;
    this.reason = reason;
  }
}

/** `handle.result()` on a job that ended in failure (`failed` or `dead`). */
export class JobFailedError extends ConveyorError {
  declare readonly code: 'JOB_FAILED';
  readonly jobId: string;
  readonly jobError: JobError | undefined;

  constructor(jobId: string, state: string, jobError: JobError | undefined) {
    const reason = jobError ? `${jobError.name}: ${jobError.message}` : 'no error was recorded';
    super('JOB_FAILED', `Job ${JSON.stringify(jobId)} ended ${state}: ${reason}`);
    this.jobId = jobId;
    this.jobError = jobError;
  }
}

/** `handle.result()` on a job that was cancelled or expired before it ran. */
export class JobCancelledError extends ConveyorError {
  declare readonly code: 'JOB_CANCELLED';
  readonly jobId: string;
  /** How the job ended unrun: cancelled, or past its `expiresAt` before it started. */
  readonly state: 'cancelled' | 'expired';

  constructor(jobId: string, state: 'cancelled' | 'expired') {
    super('JOB_CANCELLED', `Job ${JSON.stringify(jobId)} was ${state} and has no result.`);
    this.jobId = jobId;
    this.state = state;
  }
}

/** No job with that id (never existed, or its record outlived its result TTL). */
export class JobNotFoundError extends ConveyorError {
  declare readonly code: 'JOB_NOT_FOUND';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      'JOB_NOT_FOUND',
      `No job ${JSON.stringify(jobId)}: it never existed, its record expired (see the task's resultTtl), or it was deleted as it completed (removeOnComplete, on its task or its worker).`,
    );
    this.jobId = jobId;
  }
}

/**
 * The job completed, but with `removeOnComplete`: its record was deleted as it completed,
 * result and all, so there is no result to return. Told to a `result()` that was waiting
 * when it completed; one called later finds no job (`JOB_NOT_FOUND`).
 */
export class ResultNotKeptError extends ConveyorError {
  declare readonly code: 'RESULT_NOT_KEPT';
  readonly jobId: string;

  constructor(jobId: string) {
    super(
      'RESULT_NOT_KEPT',
      `Job ${JSON.stringify(jobId)} completed, but its result was not kept: its record was deleted as it completed (removeOnComplete, on its task or its worker). Set removeOnComplete: false on the task to read its results.`,
    );
    this.jobId = jobId;
  }
}

/** `handle.result({ timeout })` gave up waiting; the job itself goes on. */
export class ResultTimeoutError extends ConveyorError {
  declare readonly code: 'RESULT_TIMEOUT';
  readonly jobId: string;

  constructor(jobId: string, timeoutMs: number, state: string) {
    super(
      'RESULT_TIMEOUT',
      `Job ${JSON.stringify(jobId)} did not finish within ${timeoutMs} ms (state: ${state}). Wait longer, or check that a worker consumes its queue.`,
    );
    this.jobId = jobId;
  }
}

/** A job ran past its time limit. */
export class TimeLimitError extends ConveyorError {
  declare readonly code: 'TIME_LIMIT_EXCEEDED';
  /** `origin` `worker`: the worker's default hard limit, for a task that sets none. */
  constructor(
    task: string,
    limitMs: number,
    kind: 'soft' | 'hard',
    origin: 'task' | 'worker' = 'task',
  ) {
    super(
      'TIME_LIMIT_EXCEEDED',
      origin === 'worker'
        ? `Task ${JSON.stringify(task)} exceeded the worker's default time limit of ${limitMs} ms (the task sets no hard limit). If its runs need longer, give the task a timeout or raise the worker's defaultTimeout (conveyor worker --time-limit).`
        : `Task ${JSON.stringify(task)} exceeded its ${kind} time limit of ${limitMs} ms.`,
    );
  }
}

/**
 * An idempotency key came back with a different input than the job holding it (strict
 * mode, `createClient({ idempotency: 'strict' })`). Nothing was enqueued for this input.
 */
export class IdempotencyConflictError extends ConveyorError {
  declare readonly code: 'IDEMPOTENCY_CONFLICT';
  /** The task, or for a workflow start the workflow (also in `workflow`). */
  readonly task: string;
  readonly idempotencyKey: string;
  /** The job that holds the key, or for a workflow start the run (also in `runId`). */
  readonly jobId: string;
  /** For a workflow start: the workflow and the run that holds the key. */
  readonly workflow: string | undefined;
  readonly runId: string | undefined;
  /** The fingerprint the key was claimed with (the holding job's or run's input). */
  readonly existingFingerprint: string;
  /** This call's input fingerprint. */
  readonly inputFingerprint: string;

  constructor(conflict: {
    task: string;
    idempotencyKey: string;
    jobId: string;
    existingFingerprint: string;
    inputFingerprint: string;
    /** The key is a workflow's, `task` its name and `jobId` its run. */
    workflow?: boolean;
  }) {
    const { task, idempotencyKey, jobId, existingFingerprint, inputFingerprint } = conflict;
    const [of, by, made, done] = conflict.workflow
      ? ['workflow', 'run', 'started', 'started']
      : ['task', 'job', 'enqueued', 'enqueued'];
    super(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency key ${JSON.stringify(idempotencyKey)} of ${of} ${JSON.stringify(task)} is held by ${by} ${JSON.stringify(jobId)}, ${made} with a different input (input fingerprint ${existingFingerprint}; this one's is ${inputFingerprint}), so this input was not ${done}. A new request needs a new key; a retry of the first request must send the same input.`,
    );
    this.task = task;
    this.idempotencyKey = idempotencyKey;
    this.jobId = jobId;
    this.workflow = conflict.workflow ? task : undefined;
    this.runId = conflict.workflow ? jobId : undefined;
    this.existingFingerprint = existingFingerprint;
    this.inputFingerprint = inputFingerprint;
  }
}

/** A broker operation failed. Transports subclass or wrap with `cause`. */
export class TransportError extends ConveyorError {
  declare readonly code: 'TRANSPORT_ERROR';
  /**
   * Whether the failure may pass by itself (the broker out of reach, restarting or failing
   * over), so that the same call sent again later may succeed: what a worker retries a failed
   * settle for. False for one that would come back each time (a script error, a key written
   * by something else). True unless the transport says otherwise.
   */
  readonly passing: boolean;
  constructor(message: string, options?: ErrorOptions & { passing?: boolean }) {
    super('TRANSPORT_ERROR', message, options);
    this.passing = options?.passing ?? true;
  }
}

/** The transport was closed; create a new one. */
export class TransportClosedError extends ConveyorError {
  declare readonly code: 'TRANSPORT_CLOSED';
  constructor(transport: string) {
    super('TRANSPORT_CLOSED', `The ${transport} transport is closed; create a new one.`);
  }
}

/**
 * A caller needs an optional transport capability (`transport.admin`, `transport.limits`, …)
 * that the transport does not have. Raised by `requireCapability`.
 */
export class CapabilityMissingError extends ConveyorError {
  declare readonly code: 'CAPABILITY_MISSING';
  readonly transport: string;
  readonly capability: string;

  constructor(transport: string, capability: string, neededBy: string) {
    super(
      'CAPABILITY_MISSING',
      `${neededBy} needs transport.${capability}, which the ${JSON.stringify(transport)} transport does not have. Use a transport that has it (the memory and Redis transports both do), or leave out what needs it.`,
    );
    this.transport = transport;
    this.capability = capability;
  }
}

function describe(value: unknown): string {
  // "Invalid run of task "x" undefined" read as garbled: the option was left out.
  if (value === undefined) return '(missing)';
  // JSON would show an invalid Date as null.
  if (value instanceof Date && Number.isNaN(value.getTime())) return 'Invalid Date';
  // Its source is no help in a message.
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  const text = jsonText(value) ?? String(value);
  // A 100,000-character key must not make a 100,000-character message. The count is the
  // value's own (a string's characters, not its quotes).
  if (text.length <= QUOTE_MAX) return text;
  const length = typeof value === 'string' ? value.length : text.length;
  return `${text.slice(0, QUOTE_MAX)}… (${length.toLocaleString('en-US')} characters)`;
}

/** The most of a value an error message quotes. */
const QUOTE_MAX = 300;
