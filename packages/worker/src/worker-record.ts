import { hostname } from 'node:os';
import type { WorkerRecord } from '@conveyor/core';
import type { HeldJob } from './held-job.js';
import type { TaskCounters } from './stats.js';
import type { WorkerStats } from './worker-api.js';

/** What the worker publishes about itself for `conveyor status`. */
export function buildWorkerRecord(input: {
  id: string;
  queues: readonly string[];
  tasks: string[];
  concurrency: number;
  state: WorkerRecord['state'];
  startedAt: number;
  jobs: Iterable<HeldJob>;
  totals: TaskCounters;
  /** `<queue>/<id>` of the schedules the worker declares. */
  schedules: readonly string[];
}): WorkerRecord {
  const { totals } = input;
  const record: WorkerRecord = {
    id: input.id,
    hostname: hostname(),
    pid: process.pid,
    queues: [...input.queues],
    tasks: input.tasks,
    concurrency: input.concurrency,
    state: input.state,
    startedAt: input.startedAt,
    jobs: [...input.jobs]
      .filter((job) => job.phase !== 'ending')
      .map((job) => ({
        id: job.id,
        task: job.task,
        attempt: job.attempt,
        ...(job.startedAt !== undefined && { startedAt: job.startedAt }),
      })),
    counts: {
      completed: totals.completed,
      failed: totals.failed,
      dead: totals.dead,
      retried: totals.retried,
    },
  };
  if (input.schedules.length > 0) record.schedules = [...input.schedules];
  return record;
}

/** The held jobs as `worker.stats()` lists them. */
export function heldJobStats(jobs: Iterable<HeldJob>, now: number): WorkerStats['jobs'] {
  return [...jobs].map((job) => ({
    id: job.id,
    task: job.task,
    attempt: job.attempt,
    phase: job.phase,
    ...(job.startedAt !== undefined && { runningMs: now - job.startedAt }),
  }));
}
