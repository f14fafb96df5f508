import type { DeadLetterPage } from '../transport-admin.js';
import type { JobStore } from './job-store.js';

/** A page of a queue's dead jobs, oldest first [R22]. O(offset + limit). */
export function listDead(
  store: JobStore,
  queue: string,
  { offset, limit }: { offset: number; limit: number },
): DeadLetterPage {
  const dead = store.deadOf(queue);
  const end = offset + limit;
  const jobs = [];
  let index = 0;
  for (const id of dead) {
    if (index >= end) break;
    if (index >= offset) {
      const job = store.get(id);
      if (job) jobs.push(structuredClone(job.record));
    }
    index++;
  }
  return { jobs, total: dead.size };
}

/**
 * Moves dead jobs back to `waiting` with a fresh attempt budget [R23]. A workflow's step
 * job stays dead: its workflow recorded the step's failure, so it would only be
 * acknowledged unrun; the workflow's retry runs the step again with a new job.
 */
export function retryDead(store: JobStore, queue: string, ids?: readonly string[]): number {
  let moved = 0;
  // Copy first: the set shrinks as jobs leave it.
  for (const id of ids ?? [...store.deadOf(queue)]) {
    const job = store.get(id);
    if (!job || job.record.envelope.workflow || !store.undead(queue, id)) continue;
    job.record.attempts = 0;
    delete job.record.finishedAt;
    // The failure is the last attempt's, kept in its history [R26]: left here, a retried
    // job that then completed read as carrying an error.
    delete job.record.error;
    store.makeWaiting(job, 'tail');
    moved++;
  }
  return moved;
}

/** Deletes dead jobs and their records [R24]. */
export function purgeDead(store: JobStore, queue: string, ids?: readonly string[]): number {
  let purged = 0;
  for (const id of ids ?? [...store.deadOf(queue)]) {
    if (!store.undead(queue, id)) continue;
    store.forget(id);
    purged++;
  }
  return purged;
}
