import { ConveyorError } from './conveyor-error.js';

/** `client.schedules` (or the CLI) was given a schedule id that no stored schedule has. */
export class ScheduleNotFoundError extends ConveyorError {
  declare readonly code: 'SCHEDULE_NOT_FOUND';
  readonly scheduleId: string;
  readonly queue: string | undefined;

  constructor(scheduleId: string, queue: string | undefined) {
    super(
      'SCHEDULE_NOT_FOUND',
      `No schedule ${JSON.stringify(scheduleId)}${queue === undefined ? ' in any queue' : ` in queue ${JSON.stringify(queue)}`}. List the stored schedules (client.schedules.list() or conveyor schedules) for the ids.`,
    );
    this.scheduleId = scheduleId;
    this.queue = queue;
  }
}

/** A schedule id stored in more than one queue was given without the queue. */
export class AmbiguousScheduleError extends ConveyorError {
  declare readonly code: 'SCHEDULE_AMBIGUOUS';
  readonly scheduleId: string;
  readonly queues: readonly string[];

  constructor(scheduleId: string, queues: readonly string[]) {
    super(
      'SCHEDULE_AMBIGUOUS',
      `Schedule ${JSON.stringify(scheduleId)} is in more than one queue (${queues.map((queue) => JSON.stringify(queue)).join(', ')}); say which: { queue: ${JSON.stringify(queues[0])} } (--queue on the command line).`,
    );
    this.scheduleId = scheduleId;
    this.queues = queues;
  }
}
