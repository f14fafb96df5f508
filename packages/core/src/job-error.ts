import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorError, ValidationError } from './errors.js';

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

/** Turns anything thrown into a {@link JobError}. */
export function toJobError(thrown: unknown): JobError {
  if (thrown instanceof Error) {
    const error: JobError = { name: thrown.name, message: thrown.message };
    const code =
      thrown instanceof ConveyorError ? thrown.code : (thrown as { code?: unknown }).code;
    if (typeof code === 'string') error.code = code;
    if (thrown.stack) error.stack = thrown.stack;
    if (thrown instanceof ValidationError) error.issues = thrown.issues.map(plainIssue);
    return error;
  }
  let message: string;
  try {
    message = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    message = String(thrown);
  }
  return { name: 'NonErrorThrown', message };
}

function plainIssue(issue: StandardSchemaV1.Issue): {
  message: string;
  path?: Array<string | number>;
} {
  if (!issue.path) return { message: issue.message };
  return {
    message: issue.message,
    path: issue.path.map((segment) => {
      const key = typeof segment === 'object' ? segment.key : segment;
      return typeof key === 'number' ? key : String(key);
    }),
  };
}
