import type { JobError, JsonValue, Reservation } from '@conveyor/core';
import type { JobOutcome } from '@conveyor/core/worker';

/** The worker's settings a child passes to `runJob`; its second argument, as JSON. */
export interface SandboxCaps {
  maxPayloadBytes: number;
  maxResultBytes: number;
  /** The default for tasks that set no `removeOnComplete`. */
  removeOnComplete: boolean;
}

/** Messages from the worker to a sandbox child (over the IPC channel, as JSON). */
export type ToChild =
  | { type: 'run'; reservation: Reservation }
  | { type: 'abort'; token: string; reason: JobError };

/** Messages from a sandbox child to the worker. */
export type FromChild =
  | { type: 'ready'; tasks: string[] }
  | { type: 'start-failed'; error: JobError }
  | { type: 'progress'; token: string; value: JsonValue }
  | {
      type: 'log';
      level: 'debug' | 'info' | 'warn' | 'error';
      fields: Record<string, unknown>;
      message: string;
    }
  | {
      type: 'outcome';
      token: string;
      kind: JobOutcome['kind'];
      settlement: JobOutcome['settlement'];
      error?: JobError;
    };

/**
 * An Error rebuilt from its JSON form, so logs and abort reasons keep name, code, stack
 * and issues.
 */
export function errorFromJob(error: JobError): Error {
  const rebuilt = new Error(error.message) as Error & Pick<JobError, 'code' | 'issues'>;
  rebuilt.name = error.name;
  if (error.code !== undefined) rebuilt.code = error.code;
  if (error.issues !== undefined) rebuilt.issues = error.issues;
  rebuilt.stack = error.stack ?? `${error.name}: ${error.message}`;
  return rebuilt;
}
