import type { JobRecord } from '@conveyor/core';
import { FINAL_STATES, MAX_TIMER_MS, removedRecord } from '@conveyor/core/transport';
import type { Notifications } from './notifications.js';
import { uniqueOf } from './wire/script-calls.js';

/** What the wait for a job's final state reads and listens to. */
export interface FinalWaitDeps {
  notifications: Pick<Notifications, 'watchFinish'>;
  /** The job's record; `watch` asks the script to announce its finish (`get-job.lua`). */
  getRecord(id: string, queue: string, watch: boolean): Promise<JobRecord | null>;
  isClosed(): boolean;
  /** Settles when the transport closes. */
  closed: Promise<void>;
}

/**
 * `waitFor`'s wait: until the job reaches a final state, the timeout, an abort or the
 * transport's close, woken by its finish notice (no polling), and reading the job again
 * when its lease runs out (an expiry no script publishes) and after the subscriber
 * re-subscribed (a restarted Redis may have lost the job, or the finish was published while
 * the connection was down).
 */
export function createFinalWait({ notifications, getRecord, isClosed, closed }: FinalWaitDeps) {
  return async function waitUntilFinal(
    id: string,
    queue: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<JobRecord | null> {
    // The finish can be published while a read is still in flight, before anyone waits
    // on `wake`: remember it, or the wait would last until the lease deadline.
    let published = false;
    // Re-subscribed: the next read watches again (a restart may have lost the watched set).
    let rewatch = false;
    // Told it completed and was deleted at once (removeOnComplete): no record to read then.
    let removed = false;
    const markPublished = (): void => {
      published = true;
    };
    let wake: () => void = markPublished;
    const unwatch = await notifications.watchFinish(queue, uniqueOf(id, queue), (reason) => {
      if (reason === 'resubscribed') rewatch = true;
      if (reason === 'removed') removed = true;
      wake();
    });
    try {
      // Subscribed first, then read: a finish between the two cannot be missed [R21].
      let record = await getRecord(id, queue, true);
      const deadline = Date.now() + timeoutMs;
      while (record && !FINAL_STATES.has(record.state) && !isClosed() && !signal?.aborted) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        // An active job can also end by lease expiry, which no script publishes until
        // someone looks: look when the lease runs out.
        const leaseIn =
          record.state === 'active' && record.leaseExpiresAt !== undefined
            ? Math.max(1, record.leaseExpiresAt - Date.now() + 5)
            : remaining;
        if (!published) {
          await new Promise<void>((resolve) => {
            // Node fires a longer timer at once; the loop re-arms after a wake that came early.
            const timer = setTimeout(done, Math.min(remaining, leaseIn, MAX_TIMER_MS));
            const onAbort = (): void => done();
            function done(): void {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              wake = markPublished;
              resolve();
            }
            wake = done;
            signal?.addEventListener('abort', onAbort, { once: true });
            void closed.then(done);
          });
        }
        published = false;
        const watch = rewatch;
        rewatch = false;
        const last: JobRecord = record;
        record = await getRecord(id, queue, watch);
        // No finishedAt: the script did not say when, and this process's clock is not Redis'.
        if (record === null && removed) return removedRecord(last);
      }
      return record;
    } finally {
      unwatch();
    }
  };
}
