import {
  type AnyTaskDefinition,
  type Clock,
  type Logger,
  type ScheduleSpec,
  ValidationError,
} from '@conveyor/core';
import { revived, type ValidationOutcome, validateNow } from '@conveyor/core/worker';

/**
 * Whether a stored schedule's input passes its task's schema, checked as the worker checks the
 * job a slot enqueues. `defineSchedule` cannot check an input whose schema validates
 * asynchronously, and a schedule stored by an earlier deploy may hold an input the task's
 * current schema refuses: each slot would enqueue a job that is dead-lettered, with nothing
 * to say that the schedule is at fault. A refused input fires nothing; it is logged once per
 * revision of the schedule, naming it and saying what to do, and its slots are missed as
 * though no worker ran (its misfire policy applies once its input passes).
 */
export type ScheduleInputCheck = (spec: ScheduleSpec, revision: number) => Promise<boolean>;

export function createScheduleInputCheck(options: {
  /** The task's definition, when this worker has it (else the slot fires unchecked). */
  taskOf(name: string): AnyTaskDefinition | undefined;
  logger: Logger;
  clock: Clock;
  /**
   * How long an asynchronous schema may take: one that hangs (a refinement whose database
   * never answers) must not hold the tick, and a stopping worker with it. Past it the slot
   * fires unchecked, as when the schema throws.
   */
  timeoutMs: number;
}): ScheduleInputCheck {
  const { taskOf, logger, clock, timeoutMs } = options;
  /** Schedules whose input was refused (`<queue>/<id>`), with the revision logged. */
  const refused = new Map<string, number>();
  return async (spec, revision) => {
    const task = taskOf(spec.task);
    if (!task) return true;
    const key = `${spec.queue}/${spec.id}`;
    let outcome: ValidationOutcome<unknown> | undefined;
    try {
      const checked = validateNow(task.input, revived(task.input, spec.input));
      outcome = checked instanceof Promise ? await within(checked) : checked;
    } catch {
      // A schema that throws (a refinement whose database is down): the job's run decides,
      // as for any job, and retries it.
      return true;
    }
    if (outcome === undefined) return true;
    if (outcome.ok) {
      if (refused.delete(key)) logger.info({ schedule: key }, 'schedule input passes again');
      return true;
    }
    if (refused.get(key) !== revision) {
      refused.set(key, revision);
      const change =
        spec.source === 'code'
          ? "Change the schedule's input (or the task's schema) and deploy the workers that declare it"
          : 'Store it again with an input that passes (client.schedules.upsert)';
      const error = new ValidationError(task.name, 'input', outcome.issues, {
        value: spec.input,
        hint: `Schedule ${JSON.stringify(spec.id)} (queue ${JSON.stringify(spec.queue)}) stores this input, so none of its slots enqueues a job until it passes. ${change}, or pause it (conveyor schedules pause ${spec.id} --queue ${spec.queue}, with the options that reach this broker)`,
      });
      logger.error({ schedule: key, revision, err: error }, error.message);
    }
    return false;
  };

  /** `checking`'s outcome, or undefined when it takes longer than `timeoutMs`. */
  function within<T>(checking: Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const timer = clock.setTimeout(() => resolve(undefined), timeoutMs);
      checking.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
