import type { EnqueueRequest, EnqueueResult, JobState } from '../transport.js';
import type { FireResult, ScheduleMark, TransportSchedules } from '../transport-schedules.js';

/** States in which a schedule's previous job blocks a slot with `overlap: 'skip'`. */
const UNFINISHED: ReadonlySet<JobState> = new Set(['waiting', 'delayed', 'active']);

export interface MemorySchedulesOptions {
  /** Runs one whole transport operation (deadlines brought up to date, waiters woken). */
  operate<T>(operation: (now: number) => T): T;
  /** Adds a job as `enqueue` does, inside an operation. */
  add(request: EnqueueRequest, now: number): EnqueueResult;
  /** The state of a stored job, or undefined when it is gone. */
  stateOf(id: string): JobState | undefined;
}

/**
 * The memory transport's schedules [S1–S5]: a mark per (queue, schedule). `fire` reads the
 * mark, checks overlap, adds the job and moves the mark in one synchronous operation, so
 * concurrent calls cannot interleave.
 */
export function createMemorySchedules(options: MemorySchedulesOptions): TransportSchedules {
  const { operate, add, stateOf } = options;
  // `queue` + NUL + schedule id → its mark
  const marks = new Map<string, ScheduleMark>();

  return {
    async fire({ scheduleId, slotAt, job, overlap }) {
      return operate((now): FireResult => {
        const key = `${job.envelope.queue}\0${scheduleId}`;
        const jobId = job.envelope.id;
        const mark = marks.get(key);
        if (mark && slotAt <= mark.slotAt) return { fired: false, jobId, reason: 'claimed-before' };
        if (overlap === 'skip' && mark) {
          const state = stateOf(mark.jobId);
          if (state !== undefined && UNFINISHED.has(state)) {
            marks.set(key, { ...mark, slotAt });
            return { fired: false, jobId, reason: 'overlap' };
          }
        }
        const result = add(job, now);
        marks.set(key, { slotAt, jobId: result.id, jobSlotAt: slotAt, firedAt: now });
        if (!result.duplicate) return { fired: true, jobId };
        // Its job stored already (a mark lost, or another transport's), or an idempotency key.
        const reason = result.id === jobId ? 'claimed-before' : 'duplicate';
        return { fired: false, jobId: result.id, reason };
      });
    },

    async lastFired(queue, scheduleIds) {
      return scheduleIds.map((id) => {
        const mark = marks.get(`${queue}\0${id}`);
        return mark ? { ...mark } : null;
      });
    },
  };
}
