import { type Logger, type ScheduleSpec, scheduleKey, type TransportAdmin } from '@conveyor/core';
import { baseQueueOf } from '@conveyor/core/transport';
import type { WorkerEvent } from './stats.js';

export interface ScheduleFireNotesOptions {
  /** The queues this worker takes jobs from (stored names: partitions spelled out). */
  queues: readonly string[];
  /** The transport's admin, to read the live workers' queues; without it nothing is checked. */
  admin: TransportAdmin | undefined;
  logger: Logger;
  /** The worker's events: each fire is a `scheduleFired`. */
  emit(event: WorkerEvent): void;
}

/**
 * What the worker does when one of the schedules it fires has enqueued a job: a debug line,
 * a `scheduleFired` event, and, for a schedule into a queue this worker does not take, a
 * look at the live workers. When none takes that queue either, a warning says so, once
 * until a worker takes it again: `conveyor worker --queues default` fired `reports` jobs
 * that waited for ever, and nothing said why (a worker that only fires schedules, as
 * `celery beat` does, is fine, as long as some other worker takes the queue).
 */
export function scheduleFireNotes(
  options: ScheduleFireNotesOptions,
): (spec: ScheduleSpec, slotAt: number, jobId: string) => void {
  const { admin, logger } = options;
  const own = new Set(options.queues.map(baseQueueOf));
  /** Schedules warned about, until a worker takes their queue again. */
  const warned = new Set<string>();
  /** Schedules whose look at the live workers is under way. */
  const checking = new Set<string>();

  async function check(spec: ScheduleSpec, jobId: string): Promise<void> {
    const schedule = scheduleKey(spec);
    const queue = baseQueueOf(spec.queue);
    const workers = await (admin as TransportAdmin).listWorkers();
    if (workers.some((worker) => worker.queues.some((name) => baseQueueOf(name) === queue))) {
      warned.delete(schedule);
      return;
    }
    if (warned.has(schedule)) return;
    warned.add(schedule);
    const takes = [...own].sort().join(', ');
    logger.warn(
      { schedule, queue, jobId, workerQueues: [...own].sort() },
      `schedule ${JSON.stringify(schedule)} enqueued job ${jobId} into queue ${JSON.stringify(queue)}, which no live worker takes (this one takes ${takes}): its jobs wait there until one does. Start a worker for it (\`conveyor worker --queues ${queue}\`), or add the queue to this worker's.`,
    );
  }

  return (spec, slotAt, jobId) => {
    logger.debug({ schedule: scheduleKey(spec), slotAt, jobId }, 'schedule fired');
    options.emit({ type: 'scheduleFired', task: spec.task, jobId });
    const schedule = scheduleKey(spec);
    if (admin === undefined || own.has(baseQueueOf(spec.queue)) || checking.has(schedule)) return;
    checking.add(schedule);
    check(spec, jobId)
      .catch((error: unknown) => {
        // Only a note: the job is stored either way, and the broker's trouble is logged
        // where the worker meets it.
        logger.debug({ err: error, schedule }, 'live workers not read');
      })
      .finally(() => {
        checking.delete(schedule);
      });
  };
}
