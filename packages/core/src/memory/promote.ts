import type { JobStore, StoredJob } from './job-store.js';

/**
 * Makes delayed jobs of `queue` waiting now [A14]: the given ids, or all of them when `ids`
 * is undefined, each at the end of its priority's line, in the order they were due. A job
 * of another queue, or one that is not delayed, stays as it is; one past its `expiresAt`
 * becomes expired instead, uncounted [R9]. Walks every stored job for "all", as the memory
 * transport's counts do.
 */
export function promoteDelayed(
  store: JobStore,
  queue: string,
  ids: readonly string[] | undefined,
  now: number,
): number {
  const jobs: StoredJob[] = [];
  if (ids === undefined) {
    for (const job of store.jobs()) if (isDelayedOf(job, queue)) jobs.push(job);
  } else {
    for (const id of new Set(ids)) {
      const job = store.get(id);
      if (job && isDelayedOf(job, queue)) jobs.push(job);
    }
  }
  jobs.sort((a, b) => (a.record.dueAt ?? 0) - (b.record.dueAt ?? 0) || a.moved - b.moved);
  let moved = 0;
  for (const job of jobs) {
    store.unqueue(job);
    const { expiresAt } = job.record.envelope;
    if (expiresAt !== undefined && now >= expiresAt) {
      store.finish(job, 'expired', now);
      continue;
    }
    store.makeWaiting(job, 'tail');
    moved++;
  }
  return moved;
}

function isDelayedOf(job: StoredJob, queue: string): boolean {
  return job.record.state === 'delayed' && job.record.envelope.queue === queue;
}
