import type { HeldJob } from './held-job.js';

/**
 * What the broker believes of a job this worker has not started at once [R27]:
 * - `held`: it was reserved past the reserve's `startNow` (for the prefetch buffer or a
 *   task's limits) and has not started: an expired lease would not count its attempt;
 * - `started`: it has started since, and the next renewal says so (`started: true`);
 * - undefined: the broker counts its attempt as a run's (started at once, or told).
 */
export type StartMark = 'held' | 'started' | undefined;

/** Marks the jobs of one reserve that the broker holds unstarted: those past `startNow`. */
export function markHeld(jobs: readonly HeldJob[], startNow: number | undefined): void {
  if (startNow === undefined) return;
  for (let index = startNow; index < jobs.length; index++) {
    (jobs[index] as HeldJob).startMark = 'held';
  }
}

/** The job starts: a held one is to be reported on the next renewal. */
export function noteStart(job: HeldJob): void {
  if (job.startMark === 'held') job.startMark = 'started';
}

/** Whether the next renewal of the job carries `started: true`. */
export function startToReport(job: HeldJob): boolean {
  return job.startMark === 'started';
}

/** A renewal told the broker: nothing more to report (a failed call keeps the mark). */
export function startReported(job: HeldJob): void {
  if (job.startMark === 'started') job.startMark = undefined;
}
