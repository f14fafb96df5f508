import type { JobRecord, JsonValue } from '@conveyor/core';
import {
  createRedactor,
  DEFAULT_REDACT,
  markedRedactPaths,
  REDACTED,
  type Redactor,
} from '@conveyor/dashboard';
import { usageError } from './errors.js';

// What the CLI prints of job data read back from the broker (a job's input, progress and
// result, a schedule's input, a workflow's input and step results) goes through the same
// redaction as the dashboard's: its default paths, the `--redact` paths, and the fields a
// task's input schema marks with `.meta({ redact: true })` where the command has the task.
// `--show-secrets` prints the values as stored.

/** The options of a command that prints job data: `--redact <path>…` and `--show-secrets`. */
export interface RedactionOptions {
  /** Paths redacted beside the defaults, as `parseRedactPaths` collected them. */
  redact?: readonly string[];
  /** Print values as stored: no redaction at all. */
  showSecrets?: boolean;
}

/** Applies a command's redaction to what it read from the broker. */
export interface Redaction {
  /** False under `--show-secrets`: values print as stored. */
  readonly active: boolean;
  /** A copy of `value` with every redacted path's value replaced by `[redacted]`. */
  value<T extends JsonValue | undefined>(value: T): T;
  /** A copy of the record with its input, progress and result through {@link value}. */
  record(record: JobRecord): JobRecord;
}

/** What `--redact` takes: a dot path of names, `*` (one segment) and `**` (any number). */
export const REDACT_PATH_RULE =
  "a dot path of keys, '*' (exactly one segment) and '**' (any number of segments), not all '**', such as card.number, items.*.sku or '**.cvv' (quoted for the shell)";

/** Prints everything as stored (`--show-secrets`). */
export const SHOW_AS_STORED: Redaction = {
  active: false,
  value: (value) => value,
  record: (record) => record,
};

/**
 * Checks each `--redact` path as the dashboard's `redact` option does; a bad one is a usage
 * error (exit 2) quoting it.
 */
export function checkRedactPaths(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      createRedactor([path]);
    } catch {
      throw usageError('--redact', path, `${REDACT_PATH_RULE}; fix it, or leave it out`);
    }
  }
}

/**
 * The paths that the input schemas of `definitions` (tasks or workflows, or their contracts)
 * mark with `.meta({ redact: true })`; `'all'` when a mark cannot be named by a path (the
 * whole input marked), so that everything is redacted rather than less.
 */
export function markedPathsOf(definitions: readonly unknown[]): string[] | 'all' {
  const paths = new Set<string>();
  for (const definition of definitions) {
    const input = (definition as { input?: unknown } | null | undefined)?.input;
    try {
      for (const path of markedRedactPaths(input)) paths.add(path);
    } catch {
      return 'all';
    }
  }
  return [...paths];
}

/** Redacts every value whole: a schema marks the whole input. */
const REDACT_ALL: Redactor = {
  apply: (value) => (value === undefined ? value : (REDACTED as typeof value)),
  hides: () => true,
};

/**
 * The redaction of a command: {@link SHOW_AS_STORED} under `--show-secrets`, else the
 * dashboard's default paths, the `--redact` paths (checked: a bad one is a usage error) and
 * the paths the input schemas of `definitions` mark, when the command has the tasks.
 */
export function redactionOf(
  options: RedactionOptions,
  definitions: readonly unknown[] = [],
): Redaction {
  if (options.showSecrets) return SHOW_AS_STORED;
  const extra = options.redact ?? [];
  checkRedactPaths(extra);
  const marked = markedPathsOf(definitions);
  const redactor =
    marked === 'all' ? REDACT_ALL : createRedactor([...DEFAULT_REDACT, ...extra, ...marked]);
  return fromRedactor(redactor);
}

function fromRedactor(redactor: Redactor): Redaction {
  return {
    active: true,
    value: (value) => redactor.apply(value),
    record(record) {
      const copy: JobRecord = {
        ...record,
        envelope: { ...record.envelope, input: redactor.apply(record.envelope.input) },
      };
      if (record.progress !== undefined) copy.progress = redactor.apply(record.progress);
      if (record.result !== undefined) copy.result = redactor.apply(record.result);
      return copy;
    },
  };
}
