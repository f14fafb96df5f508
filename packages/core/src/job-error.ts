import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorError, ValidationError } from './errors.js';
import { jsonAncestors } from './json-ancestors.js';

/** An error as stored with a failed job: plain JSON, readable from any process. */
export interface JobError {
  name: string;
  message: string;
  /** Stable code for Conveyor errors (`VALIDATION_FAILED`, …) or the error's own `code`. */
  code?: string;
  stack?: string;
  /** Schema issues, for `VALIDATION_FAILED`. */
  issues?: Array<{ message: string; path?: Array<string | number> }>;
}

/**
 * How much of an error {@link toJobError} keeps, in characters (UTF-16 code units, as
 * JavaScript counts them). Longer text keeps its start and ends with a marker such as
 * `… [truncated 5,242,880 characters]`, the marker included in the cap. Dead jobs are
 * kept until purged, and errors are logged, so their size must not depend on the task.
 */
export const JOB_ERROR_LIMITS = {
  /** `name` and `code`. */
  name: 256,
  message: 4_096,
  /** The whole stack, its first line (which repeats the message) included. */
  stack: 16_384,
  /** Issues kept; a last one says how many more were cut. */
  issues: 20,
  issueMessage: 512,
  /** Path segments kept per issue; a last one says how many more were cut. */
  pathSegments: 16,
  /** Characters kept of one string path segment. */
  pathSegment: 64,
} as const;

/** Longest message an attempt record keeps, in characters; see {@link attemptError}. */
export const ATTEMPT_MESSAGE_LIMIT = 1_024;

/**
 * The error as a job's attempt record keeps it [R26]: without its stack, and with the message
 * cut to {@link ATTEMPT_MESSAGE_LIMIT} characters (with a marker). The job's own `error` keeps
 * the latest error whole, so twenty retries of a task that throws a long error don't keep
 * twenty stacks. Returns `error` itself when there is nothing to drop.
 *
 * @example
 * attemptError({ name: 'Error', message: 'boom', stack: 'Error: boom\n    at …' });
 * // { name: 'Error', message: 'boom' }
 */
export function attemptError(error: JobError): JobError {
  if (error.stack === undefined && error.message.length <= ATTEMPT_MESSAGE_LIMIT) return error;
  const { stack: _stack, ...kept } = error;
  return { ...kept, message: bounded(error.message, ATTEMPT_MESSAGE_LIMIT) };
}

/**
 * Turns anything thrown into a {@link JobError}, bounded by {@link JOB_ERROR_LIMITS}.
 *
 * @example
 * const error = toJobError(new Error('x'.repeat(5_000_000)));
 * error.message.length; // 4096, ending "… [truncated 4,995,939 characters]"
 */
export function toJobError(thrown: unknown): JobError {
  if (thrown instanceof Error) {
    const raw = String(thrown.message);
    const message = bounded(raw, JOB_ERROR_LIMITS.message);
    const error: JobError = { name: bounded(String(thrown.name), JOB_ERROR_LIMITS.name), message };
    const code =
      thrown instanceof ConveyorError ? thrown.code : (thrown as { code?: unknown }).code;
    if (typeof code === 'string') error.code = bounded(code, JOB_ERROR_LIMITS.name);
    const { stack } = thrown;
    if (typeof stack === 'string' && stack !== '') {
      error.stack = boundedStack(stack + causedBy(thrown), raw, message);
    }
    if (thrown instanceof ValidationError) error.issues = boundedIssues(thrown.issues);
    return error;
  }
  // A code as every other stored error has one, for scripts that sort failures by code.
  return {
    name: 'NonErrorThrown',
    message: describeThrown(thrown, JOB_ERROR_LIMITS.message),
    code: 'NON_ERROR_THROWN',
  };
}

/**
 * A thrown value that is not an Error, as text of at most `max` characters: JSON where it
 * has a form, and what JSON cannot write named as it reads in code (`10n`, `NaN`,
 * `Symbol(s)`, `[Function: f]`, `"[Circular]"` for a cycle, `"TypeError: m"` for an Error
 * inside). Never throws: a value JSON cannot read (a getter that throws) falls back to
 * String().
 */
function describeThrown(thrown: unknown, max: number): string {
  if (typeof thrown === 'string') return bounded(thrown, max);
  if (typeof thrown !== 'object' || thrown === null) return bounded(String(readable(thrown)), max);
  const walk = readableJson(max);
  let text: string | undefined;
  try {
    text = JSON.stringify(thrown, walk.replacer);
  } catch {
    text = undefined;
  }
  if (text === undefined) return bounded(plainString(thrown), max);
  if (!walk.stopped) return bounded(text, max);
  // How much was cut is unknown: the rest of the value was never written.
  const end = '… [truncated]';
  return `${text.slice(0, keepable(text, max - end.length))}${end}`;
}

/** Primitives and functions JSON has no form for, as they read in code; others unchanged. */
function readable(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return value.name ? `[Function: ${value.name}]` : '[Function (anonymous)]';
    case 'number':
      return Number.isFinite(value) ? value : String(value);
  }
  return value;
}

/**
 * A JSON.stringify replacer that writes a cycle as "[Circular]" and stops, once the text
 * has more than `budget` characters, so that a huge or deeply shared value (a DAG that
 * repeats its branches) costs no more than the start that is kept. `stopped` says whether
 * it did: the text then goes on past the budget with what is not the value's.
 */
function readableJson(budget: number) {
  const above = jsonAncestors();
  // Characters written so far, counted low (escapes and punctuation count less).
  let spent = 0;
  const walk = {
    stopped: false,
    replacer(this: unknown, key: string, value: unknown): unknown {
      const cyclic = above.cycles(this, value);
      spent += Array.isArray(this) ? 1 : key.length + 3;
      if (spent > budget) {
        // Omitted (null in an array): the text is cut before here anyway.
        walk.stopped = true;
        return undefined;
      }
      if (typeof value === 'string') spent += value.length;
      if (typeof value !== 'object' || value === null) return readable(value);
      if (cyclic) return '[Circular]';
      if (value instanceof Error) return `${String(value.name)}: ${String(value.message)}`;
      let holder: object = value;
      if (Array.isArray(value) && value.length > budget - spent) {
        // Each item costs at least one: the rest would only be omitted, one at a time.
        holder = value.slice(0, budget - spent + 1);
        walk.stopped = true;
      }
      above.enter(holder, value);
      return holder;
    },
  };
  return walk;
}

/** String(value), or the object's tag when that throws (`Object.create(null)`). */
function plainString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `text` when it has at most `max` characters, else its start and a truncation marker. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  // The marker is widest when it counts every character; keep what leaves room for that.
  const kept = keepable(text, max - marker(text.length).length);
  return `${text.slice(0, kept)}${marker(text.length - kept)}`;
}

/** How many leading characters of `text` fit in `room`, never splitting a surrogate pair. */
function keepable(text: string, room: number): number {
  const kept = Math.min(text.length, Math.max(0, room));
  const last = text.charCodeAt(kept - 1);
  return last >= 0xd800 && last <= 0xdbff ? kept - 1 : kept;
}

function marker(cut: number): string {
  return `… [truncated ${groupDigits(cut)} characters]`;
}

function groupDigits(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Causes followed at most (a cycle or a long chain stops there). */
const MAX_CAUSES = 4;

/**
 * `error`'s causes, as lines to end its stack with (`Caused by: Error: connect ECONNREFUSED
 * …` and the cause's own stack): `fetch failed` says nothing without its cause. '' for none.
 */
function causedBy(error: Error): string {
  let text = '';
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
    const described =
      cause instanceof Error
        ? typeof cause.stack === 'string' && cause.stack !== ''
          ? cause.stack
          : `${cause.name}: ${cause.message}`
        : describeThrown(cause, JOB_ERROR_LIMITS.message);
    text += `\nCaused by: ${described}`;
    if (text.length > JOB_ERROR_LIMITS.stack) break;
    cause = cause instanceof Error && cause.cause !== error ? cause.cause : undefined;
  }
  return text;
}

/**
 * The stack, bounded. V8 stacks begin with `<name>: <message>`; when the message was cut,
 * so is that copy of it, so a long message is not stored twice.
 */
function boundedStack(stack: string, message: string, keptMessage: string): string {
  if (keptMessage.length < message.length) {
    const at = stack.indexOf(message.slice(0, 64));
    if (at >= 0 && at <= JOB_ERROR_LIMITS.name + 2 && stack.startsWith(message, at)) {
      stack = stack.slice(0, at) + keptMessage + stack.slice(at + message.length);
    }
  }
  return bounded(stack, JOB_ERROR_LIMITS.stack);
}

type PlainIssue = { message: string; path?: Array<string | number> };

function boundedIssues(issues: readonly StandardSchemaV1.Issue[]): PlainIssue[] {
  const max = JOB_ERROR_LIMITS.issues;
  const plain = issues.slice(0, max).map(plainIssue);
  if (issues.length > max) {
    plain.push({ message: `… [truncated ${groupDigits(issues.length - max)} issues]` });
  }
  return plain;
}

function plainIssue(issue: StandardSchemaV1.Issue): PlainIssue {
  const message = bounded(String(issue.message), JOB_ERROR_LIMITS.issueMessage);
  if (!issue.path) return { message };
  const max = JOB_ERROR_LIMITS.pathSegments;
  const path: Array<string | number> = issue.path.slice(0, max).map((segment) => {
    const key = typeof segment === 'object' ? segment.key : segment;
    return typeof key === 'number' ? key : bounded(String(key), JOB_ERROR_LIMITS.pathSegment);
  });
  if (issue.path.length > max) {
    path.push(`… [truncated ${groupDigits(issue.path.length - max)} segments]`);
  }
  return { message, path };
}
