import {
  describeSchedules,
  findSchedule,
  isWorkerStale,
  type ScheduleSpec,
  type Transport,
} from '@conveyor/core';
import { baseQueueOf } from '@conveyor/core/transport';
import type { FollowUp } from './follow-up.js';

/** Whether a schedule fires on no worker now, and what to say about a job run from it. */
export interface OrphanCheck {
  /** `<queue>/<id>` as stored (for a partitioned queue, the partition's name). */
  spec: ScheduleSpec;
  /** Orphaned by the rule `conveyor schedules` shows (false without `transport.admin`). */
  orphaned: boolean;
  /** A live worker of the schedule's queue lists its task (true when orphaned is false). */
  taskRun: boolean;
}

/**
 * Looks up schedule `id` (throwing as `run-now` would: not found, ambiguous) and whether it
 * is orphaned, by the same rule as `conveyor schedules` (core's describeSchedules), and, when
 * it is, whether a live worker of its queue lists its task.
 */
export async function checkOrphan(
  transport: Transport,
  id: string,
  queue: string | undefined,
): Promise<OrphanCheck> {
  const schedules = transport.schedules;
  if (!schedules) throw new Error('checkOrphan needs transport.schedules');
  const { spec } = await findSchedule(schedules, id, queue);
  const { admin } = transport;
  if (!admin) return { spec, orphaned: false, taskRun: true };
  const rows = await describeSchedules(transport, { queues: [spec.queue] });
  const row = rows.find((r) => r.id === spec.id && r.queue === spec.queue);
  if (!row?.orphaned) return { spec, orphaned: false, taskRun: true };
  // Staleness is judged by the transport's clock, as the schedule list reads it.
  const [workers, { now }] = await Promise.all([admin.listWorkers(), schedules.list([spec.queue])]);
  // The job goes to the schedule's queue: a worker runs it only if it serves that queue.
  const queues = new Set([spec.queue, baseQueueOf(spec.queue)]);
  const taskRun = workers.some(
    (worker) =>
      !isWorkerStale(worker, now) &&
      Array.isArray(worker.queues) &&
      worker.queues.some((name) => queues.has(name)) &&
      Array.isArray(worker.tasks) &&
      worker.tasks.includes(spec.task),
  );
  return { spec, orphaned: true, taskRun };
}

/**
 * The note `run-now` writes on stderr for an orphaned schedule: the job was enqueued, but no
 * live worker fires the schedule, and perhaps none runs its task, so the job may wait or be
 * dead-lettered as an unknown task.
 */
export function orphanNote(check: OrphanCheck, followUp: FollowUp): string {
  const { spec, taskRun } = check;
  const name = JSON.stringify(spec.id);
  const task = JSON.stringify(spec.task);
  const queue = JSON.stringify(spec.queue);
  const remove = followUp.command`schedules remove ${spec.id} --queue ${spec.queue}`;
  const removeHint = `remove it with \`${remove}\`${followUp.note} if it is gone for good`;
  if (spec.source === 'runtime') {
    return `note: schedule ${name} is orphaned: no live worker serves its queue ${queue}, so its slots do not fire and this job waits in ${queue} until a worker of that queue runs task ${task}. Start one, or ${removeHint}.`;
  }
  const job = taskRun
    ? `a live worker of queue ${queue} runs task ${task}, so this job runs`
    : `no live worker of queue ${queue} runs task ${task} now either, so this job waits there, or a worker of that queue that lacks the task dead-letters it as UNKNOWN_TASK`;
  return `note: no live worker declares schedule ${name} now (it is orphaned: its slots do not fire); ${job}. Deploy a worker whose code declares the schedule, or ${removeHint}.`;
}
