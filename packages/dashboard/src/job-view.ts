import {
  type AttemptRecord,
  type JobError,
  type JobRecord,
  type JobState,
  type JobWorkflowRef,
  type JsonValue,
  type ScheduledJob,
  scheduledJobOf,
} from '@conveyor/core';
import type { Redactor } from './redact.js';

/** A job as lists show it: no input or result. */
export interface JobSummary {
  id: string;
  queue: string;
  task: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  priority: number;
  enqueuedAt: number;
  dueAt?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: { code?: string; message: string };
}

/** A job as its page shows it: the input (redacted), result, progress, errors and history. */
export interface JobDetail extends Omit<JobSummary, 'error'> {
  input: JsonValue;
  result?: JsonValue;
  progress?: JsonValue;
  error?: JobError;
  history: AttemptRecord[];
  idempotencyKey?: string;
  schema?: string;
  expiresAt?: number;
  consumer?: string;
  leaseExpiresAt?: number;
  cancelRequested?: boolean;
  /** Set for a job a schedule fired for a slot; not for a run-now (a plain job id). */
  scheduled?: ScheduledJob;
  /** Set for a workflow's step job: the workflow and step it runs. */
  workflow?: JobWorkflowRef;
}

/** Copies the keys of `from` that are defined onto `to`. */
function defined<T extends object>(to: T, from: Partial<T>): T {
  for (const [key, value] of Object.entries(from)) {
    if (value !== undefined) (to as Record<string, unknown>)[key] = value;
  }
  return to;
}

export function toJobSummary(record: JobRecord): JobSummary {
  const { envelope } = record;
  const summary: JobSummary = {
    id: record.id,
    queue: envelope.queue,
    task: envelope.task,
    state: record.state,
    attempts: record.attempts,
    maxAttempts: envelope.maxAttempts,
    priority: envelope.priority,
    enqueuedAt: record.enqueuedAt,
  };
  defined(summary, {
    dueAt: record.dueAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
  });
  if (record.error) {
    summary.error =
      record.error.code === undefined
        ? { message: record.error.message }
        : { code: record.error.code, message: record.error.message };
  }
  return summary;
}

/** The job page's view; the input, result and progress go through the redactor. */
export function toJobDetail(record: JobRecord, redactor: Redactor): JobDetail {
  const { error: _summaryError, ...summary } = toJobSummary(record);
  const { envelope } = record;
  const detail: JobDetail = {
    ...summary,
    input: redactor.apply(envelope.input),
    history: record.history ?? [],
  };
  return defined(detail, {
    result: redactor.apply(record.result),
    progress: redactor.apply(record.progress),
    error: record.error,
    idempotencyKey: envelope.idempotencyKey,
    schema: envelope.schema,
    expiresAt: envelope.expiresAt,
    consumer: record.consumer,
    leaseExpiresAt: record.leaseExpiresAt,
    cancelRequested: record.cancelRequested,
    scheduled: scheduledJobOf(record),
    workflow: envelope.workflow,
  });
}
