// `conveyor enqueue --wait`: the outcome of the job (or run) the command started.

import type { JsonValue } from '@conveyor/core';
import { type Connection, lostConnection } from '../connection.js';
import { CliError } from '../errors.js';
import type { FollowUp } from '../follow-up.js';
import type { Redaction } from '../redaction.js';
import type { EnqueueCommandOptions } from './enqueue.js';

/** What the command reads of a job's handle or a workflow run's. */
export interface Started {
  id: string;
  duplicate: boolean;
  /**
   * The state the call left a new job (or run) in: `waiting`, `delayed` or `running`. A
   * state read back later would be a worker's (a fast one had already failed its first
   * attempt, and the command said the job was "delayed").
   */
  initial: string;
  state(): Promise<string>;
  /** When a delayed job is due (transport clock, ms); undefined for a run or another state. */
  dueAt?(): Promise<number | undefined>;
  result(options: { timeout?: number; signal?: AbortSignal }): Promise<unknown>;
}

/** Why `--wait` cannot tell the outcome of a job it enqueued whose record is gone. */
const GONE =
  'Its record was deleted before its outcome could be read. Workers that remove completed jobs (removeOnComplete on the task, or conveyor worker --remove-on-complete) delete it as it completes, and when it completes before the wait begins, its outcome cannot be told; a purge, or a Redis restart without persistence, deletes it too. To wait on results, keep completed jobs.';

/** What `result()` rejects with when the job (or run) ended without a result. */
const ENDED_WITHOUT_RESULT = new Set([
  'JOB_FAILED',
  'JOB_CANCELLED',
  'WORKFLOW_NOT_COMPLETED',
  'WORKFLOW_NOT_FOUND',
]);

export type Outcome =
  | { state: string; result: unknown }
  | { state: string; error: string }
  /** Completed, with its record deleted as it completed (removeOnComplete): no result. */
  | { state: 'completed'; resultKept: false };

/** The outcome with its result (read back from the broker) through `redaction`. */
export function redactedOutcome(outcome: Outcome, redaction: Redaction): Outcome {
  if (!('result' in outcome)) return outcome;
  return { ...outcome, result: redaction.value(outcome.result as JsonValue | undefined) };
}

/** The outcome under `--wait`: the result, or why there is none (the job goes on). */
export async function waitFor(
  handle: Started,
  options: EnqueueCommandOptions & { signal?: AbortSignal },
): Promise<Outcome> {
  const timeout = options.wait === true ? undefined : (options.wait as number) * 1000;
  try {
    const result = await handle.result({ timeout, signal: options.signal });
    return { state: 'completed', result };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'RESULT_NOT_KEPT') return { state: 'completed', resultKept: false };
    // This command stored it, so it existed: its record was deleted before it could be read.
    if (code === 'JOB_NOT_FOUND') return { state: 'gone', error: GONE };
    let reason: string;
    if (options.signal?.aborted) {
      reason = 'Stopped waiting (interrupted); it goes on.';
    } else if (code === 'RESULT_TIMEOUT') {
      reason = `Not finished after --wait ${options.wait} s; it goes on.`;
    } else if (typeof code === 'string' && ENDED_WITHOUT_RESULT.has(code)) {
      // Core's advice names the library call; here the command that does the same.
      reason = (error as Error).message
        .replace(/\.?$/, '.')
        .replace(
          'handle.retry() runs it again',
          `\`conveyor workflows retry ${handle.id}\` runs it again`,
        );
    } else {
      throw error;
    }
    return { state: await handle.state(), error: reason };
  }
}

/**
 * A --wait that failed (the broker gone longer than the connection rides out): the job is
 * stored and goes on, so the error names it, and does not say to run the command again,
 * which would enqueue it twice.
 */
export function waitFailed(
  connection: Connection,
  error: unknown,
  what: string,
  followUp: FollowUp,
): CliError {
  const lost = lostConnection(connection, error);
  const why = (lost ?? (error as Error)).message
    .replace(/,? then run the command again\.$/, '.')
    .replace(/\.?$/, '');
  const id = what.slice(what.indexOf(' ') + 1);
  return new CliError(
    lost ? 'REDIS_UNREACHABLE' : 'FAILED',
    `The ${what} is stored and goes on, but waiting for its outcome failed: ${why}. \`${followUp.command`inspect ${id}`}\` shows it once the broker answers${followUp.note}; do not run the command again, which would add it twice.`,
    { cause: error },
  );
}
