import type { StandardSchemaV1 } from '@standard-schema/spec';
import { lazyTaskContext } from './context.js';
import type { JobEnvelope, JobWorkflowRef } from './envelope.js';
import {
  NonRetryableError,
  PayloadTooLargeError,
  ResultTooLargeError,
  RetryRequest,
  UnknownTaskError,
  ValidationError,
} from './errors.js';
import { type JobError, toJobError } from './job-error.js';
import { assertJsonValue, type JsonValue } from './json.js';
import { revived } from './json-boundary.js';
import { type Logger, silentLogger } from './logger.js';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  utf8SizeOver,
} from './payload-size.js';
import type { TaskRegistry } from './registry.js';
import { storedResult } from './result-codec.js';
import { backoffDelay, resolveRetryPolicy } from './retry-policy.js';
import { type ValidationOutcome, validateNow } from './schema.js';
import type { AnyTaskDefinition } from './task.js';
import type { Reservation, Settlement } from './transport.js';

export interface RunJobOptions {
  registry: TaskRegistry;
  /**
   * Becomes `ctx.signal`: abort it on cancel, time limit or shutdown. A function is
   * called when the task first reads `ctx.signal` (most never do), so an AbortController
   * need not exist per job.
   */
  signal: AbortSignal | (() => AbortSignal);
  /** Base logger; the task sees a child carrying job id, task and attempt. */
  logger?: Logger;
  /** Receives `ctx.progress()` values. */
  onProgress?: (value: JsonValue) => void;
  /** [0, 1) source for back-off jitter. */
  random?: () => number;
  /**
   * Largest input run, in UTF-8 bytes of its JSON, checked against the reservation's
   * `inputBytes`. Default 512 KiB ({@link DEFAULT_MAX_PAYLOAD_BYTES}).
   */
  maxPayloadBytes?: number;
  /** Largest result stored, in UTF-8 bytes of its JSON. Default 512 KiB ({@link DEFAULT_MAX_RESULT_BYTES}). */
  maxResultBytes?: number;
  /**
   * Whether a completed job's record is deleted at once, for tasks that do not say
   * (`removeOnComplete` on the task wins, `false` included). Default false: kept.
   */
  removeOnComplete?: boolean;
}

/**
 * What happened in one run, for logs and metrics. `settlement` is what to send to the
 * transport; the other fields describe it.
 */
export interface JobOutcome {
  settlement: Settlement;
  /** `completed`, `retry`, `failed` (no retry wanted) or `dead` (attempts exhausted, unknown task). */
  kind: 'completed' | 'retry' | 'failed' | 'dead';
  error?: unknown;
}

/**
 * Runs one delivered job and decides how it ends. Never throws: every failure becomes a
 * settlement.
 *
 * - Input over `maxPayloadBytes` (`PAYLOAD_TOO_LARGE`): dead-lettered, never run.
 * - Unknown task: dead-lettered with a reason naming it.
 * - Invalid input: dead-lettered, never run; the schema issues are the error.
 *
 * The three are refusals of a job the producer's checks let through: a deploy in progress
 * (a schema or task ahead of or behind the producer's), a smaller cap here, a job written
 * by hand. Each waits in the dead-letter set, where `retry` runs it once the worker's code
 * or settings match, instead of failing for good.
 * - `NonRetryableError`, invalid output, non-JSON result, a result over `maxResultBytes`
 *   (`RESULT_TOO_LARGE`, not stored): failed.
 * - Any other error (from `run` or a schema) or `ctx.retry()`: retried after the policy's back-off (or the
 *   `countdown` given), or dead-lettered once attempts run out.
 */
export async function runJob(
  reservation: Reservation,
  options: RunJobOptions,
): Promise<JobOutcome> {
  const { envelope, token } = reservation;
  const { id } = envelope;
  const task = options.registry.get(envelope.task);
  const { inputBytes } = reservation;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (inputBytes !== undefined && inputBytes > maxPayloadBytes) {
    const error = new PayloadTooLargeError(
      envelope.task,
      inputBytes,
      maxPayloadBytes,
      id,
      'input',
      "the worker's maxPayloadBytes (createWorker, or conveyor worker --max-payload-bytes)",
    );
    return failedOutcome(id, token, error, true);
  }
  if (!task) {
    const error = new UnknownTaskError(envelope.task, options.registry.names());
    return failedOutcome(id, token, error, true);
  }
  // A schema can throw (an async refinement that queries a database): that is an
  // error like one from `run`, retried, not a rejection of runJob.
  let input: ValidationOutcome<unknown>;
  try {
    // The JSON form, with Dates revived where the schema says z.date(): what the
    // producer checked before it queued the job.
    const checked = validateNow(task.input, revived(task.input, envelope.input));
    input = checked instanceof Promise ? await checked : checked;
  } catch (thrown) {
    return whenThrown(reservation, task, thrown, options.random);
  }
  if (!input.ok) {
    const hint = refusedInputHint(envelope, task, input.issues);
    const error = new ValidationError(task.name, 'input', input.issues, { hint });
    return failedOutcome(id, token, error, true);
  }

  // ctx.logger adds jobId, task and attempt; it is made when the task first logs.
  const ctx = lazyTaskContext({
    jobId: id,
    task: task.name,
    queue: envelope.queue,
    attempt: envelope.attempt,
    maxAttempts: envelope.maxAttempts,
    signal: options.signal,
    logger: options.logger ?? silentLogger,
    ...(options.onProgress && { onProgress: options.onProgress }),
  });

  let value: unknown;
  try {
    value = task.run(input.value, ctx);
    // A synchronous `run` (or one returning a plain value) needs no extra turn.
    if (isThenable(value)) value = await value;
  } catch (thrown) {
    return whenThrown(reservation, task, thrown, options.random);
  }

  let result = value;
  if (task.output) {
    let output: ValidationOutcome<unknown>;
    try {
      const checked = validateNow(task.output, value);
      output = checked instanceof Promise ? await checked : checked;
    } catch (thrown) {
      return whenThrown(reservation, task, thrown, options.random);
    }
    if (!output.ok) {
      return failedOutcome(
        id,
        token,
        new ValidationError(task.name, 'output', output.issues),
        false,
        task.resultTtl,
      );
    }
    result = storedResult(task.output, value, output.value);
  }
  let stored: JsonValue | undefined;
  if (result !== undefined) {
    try {
      assertJsonValue(result, 'result');
    } catch (error) {
      return failedOutcome(id, token, error, false, task.resultTtl);
    }
    const text = JSON.stringify(result);
    const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    const bytes = utf8SizeOver(text, maxResultBytes);
    if (bytes !== undefined) {
      const error = new ResultTooLargeError(task.name, bytes, maxResultBytes);
      return failedOutcome(id, token, error, false, task.resultTtl);
    }
    stored = JSON.parse(text) as JsonValue;
  }
  return {
    kind: 'completed',
    settlement: {
      type: 'complete',
      id,
      token,
      result: stored,
      ...(task.resultTtl !== undefined && { resultTtlMs: task.resultTtl }),
      ...((task.removeOnComplete ?? options.removeOnComplete) === true && { remove: true }),
    },
  };
}

/**
 * What to do about a job whose input the worker's schema refuses (it is dead-lettered). A
 * retry runs the same stored input, so after schema skew it helps only if that input is
 * valid under this worker's schema: one that lacks a newly required field never will.
 */
function refusedInputHint(
  envelope: JobEnvelope,
  task: AnyTaskDefinition,
  issues: readonly StandardSchemaV1.Issue[],
): string {
  if (envelope.workflow !== undefined) return stepInputHint(envelope.workflow);
  const retry = `retry it (conveyor retry ${envelope.id})`;
  const { schema } = envelope;
  if (schema === undefined || task.fingerprint === undefined || schema === task.fingerprint) {
    // A retry runs the same stored input: fixing the producer alone makes it fail again.
    return `A retry runs this same input: if the schema should take it, change the schema, then ${retry}; if the input is wrong, fix the producer and enqueue the job anew`;
  }
  const skew = `The producer checked it with another version of the schema (${schema}, this worker's ${task.fingerprint})`;
  const paths = issues.map((issue) => (issue.path ?? []).map(keyOf)).filter((p) => p.length > 0);
  const missing = unique(paths.filter((path) => !hasPath(envelope.input, path)));
  if (missing.length > 0) {
    return `${skew}, and the stored input lacks ${missing.join(', ')}, which this worker's schema requires: a retry runs that same input and fails again, so enqueue it anew from a producer that runs the updated task code`;
  }
  const failing = unique(paths);
  const fields = failing.length > 0 ? ` (failing: ${failing.join(', ')})` : '';
  return `${skew}: a retry runs the same stored input, so it helps only if that input is valid under the schema the worker then runs${fields}. If the worker's schema is the one to keep, enqueue it anew from an updated producer; if the producer's is, run the worker on that task code, then ${retry}`;
}

/**
 * The same for a workflow step job: its input is not a producer's but what the step's
 * mapping returned, computed in the worker, and `conveyor retry` refuses step jobs. A retry
 * of the workflow runs the step again with its input resolved anew from the worker's
 * definition (docs/workflows.md §2, §6), so that is what runs a fixed mapping.
 */
function stepInputHint(ref: JobWorkflowRef): string {
  const step = `step ${JSON.stringify(ref.step)} of workflow ${ref.id}`;
  const from =
    ref.child === undefined
      ? `what ${step} resolved through its input mapping (without one, what flowed into the step, as it is)`
      : `child ${ref.child}'s item, from the items mapping of map ${step}`;
  const mapping = ref.child === undefined ? 'input mapping' : 'items mapping';
  return `This input is ${from}, not a producer's, and a retry of this step job would not run it again. If the input is wrong, fix the step's ${mapping}; if the schema should take it, change the schema. Deploy that to the workers (restart them), then retry the workflow (conveyor workflows retry ${ref.id}): the step runs again with its input resolved anew`;
}

function keyOf(segment: PropertyKey | StandardSchemaV1.PathSegment): string {
  return String(typeof segment === 'object' ? segment.key : segment);
}

function unique(paths: readonly (readonly string[])[]): string[] {
  return [...new Set(paths.map((path) => path.join('.')))];
}

/** True when every segment of `path` is an own key along `input`. */
function hasPath(input: unknown, path: readonly string[]): boolean {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return true;
}

/** An error thrown by the task (or a schema): failed, retried or dead-lettered. */
function whenThrown(
  reservation: Reservation,
  task: AnyTaskDefinition,
  thrown: unknown,
  random: (() => number) | undefined,
): JobOutcome {
  const { envelope, token } = reservation;
  const { id } = envelope;
  if (thrown instanceof NonRetryableError) {
    return failedOutcome(id, token, thrown, false, task.resultTtl);
  }
  // `ctx.retry({ cause })`, as Celery's `self.retry(exc=e)`: the attempt's error and, with
  // no attempt left, the job's are the cause (it was "Retry requested by the task").
  const stored = retryCause(thrown) ?? thrown;
  if (envelope.attempt >= envelope.maxAttempts) {
    return failedOutcome(id, token, stored, true);
  }
  const policy = resolveRetryPolicy(task.retry);
  const delayMs =
    thrown instanceof RetryRequest && thrown.countdown !== undefined
      ? Math.max(0, thrown.countdown)
      : backoffDelay(policy, envelope.attempt, random);
  return {
    kind: 'retry',
    error: stored,
    settlement: { type: 'retry', id, token, error: toJobError(stored), delayMs },
  };
}

/**
 * The cause a `ctx.retry({ cause })` names, as the error to store: the reason given, if any,
 * comes first in its message. Undefined for anything else.
 */
function retryCause(thrown: unknown): unknown {
  if (!(thrown instanceof RetryRequest) || thrown.cause === undefined) return undefined;
  const { cause, reason } = thrown;
  if (reason === undefined) return cause;
  const error = cause instanceof Error ? cause : undefined;
  const named = new Error(`${reason}: ${error ? error.message : toJobError(cause).message}`, {
    cause: error?.cause,
  });
  named.name = error?.name ?? 'Error';
  // The first line rebuilt, not String.replace (whose `$&` in a message is a pattern).
  if (error?.stack) {
    const head = `${error.name}: ${error.message}`;
    const rest = error.stack.startsWith(head) ? error.stack.slice(head.length) : `\n${error.stack}`;
    named.stack = `${named.name}: ${named.message}${rest}`;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === undefined ? named : Object.assign(named, { code });
}

/**
 * A job's failed end: `failed`, or `dead` when dead-lettered; `resultTtlMs` (the task's
 * `resultTtl`) keeps a failed record as long as a result would be.
 */
export function failedOutcome(
  id: string,
  token: string,
  thrown: unknown,
  deadLetter: boolean,
  resultTtlMs?: number,
): JobOutcome {
  const error: JobError = toJobError(thrown);
  return {
    kind: deadLetter ? 'dead' : 'failed',
    error: thrown,
    settlement: {
      type: 'fail',
      id,
      token,
      error,
      deadLetter,
      ...(resultTtlMs !== undefined && { resultTtlMs }),
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
