import type { Clock, LeaseStatus, Logger, TimerHandle } from '@conveyor/core';
import type { HeldJob } from './held-job.js';

/** What the heartbeat tells the watch about each renew call. */
export interface RenewWatch {
  /** A renew call goes out now for these leases. */
  sending(sentAt: number): void;
  /** The call sent at `sentAt` was answered, a status per job. */
  answered(sentAt: number, jobs: readonly HeldJob[], statuses: readonly LeaseStatus[]): void;
  /** The call failed (rejected): the leases of its `jobs` were not renewed. */
  failed(error: unknown, jobs: readonly HeldJob[]): void;
  stop(): void;
}

/**
 * Watches lease renewals for an outage, so the worker says so while its leases run out and
 * not only once a client gives up on the call (ioredis: after its retries, seconds later,
 * or never while the server hangs). An outage begins with a renew call that is not
 * answered. The watch warns once per outage, naming the wait and the leases at risk: after
 * `min(heartbeatMs, leaseMs / 2)` without an answer, or at a failed call if that comes
 * first (with its error; later failures are debug lines). The first answer after a warning
 * logs once that renewals are answered again, and how many leases the outage cost: not only
 * those that answer says are lost, but those of jobs that ended while their renewals failed
 * (they are in no later call) and whose settle was refused or whose lease ran out first.
 */
export function createRenewWatch(options: {
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  heartbeatMs: number;
  /** The leases the heartbeat renews now. */
  leases: () => readonly HeldJob[];
}): RenewWatch {
  const { clock, logger, leaseMs, heartbeatMs } = options;
  const stallMs = Math.min(heartbeatMs, Math.floor(leaseMs / 2));
  /** Earliest end of a job's lease on this clock, known from its last answered renewal. */
  const renewedUntil = new WeakMap<HeldJob, number>();
  /** When the first renew call not yet answered went out; undefined while all are answered. */
  let since: number | undefined;
  let timer: TimerHandle | undefined;
  let warned = false;
  let failures = 0;
  /** Jobs of calls that failed in this outage; each is judged when renewals are answered again. */
  const unrenewed = new Set<HeldJob>();

  /** A renewal extends the lease from when the broker ran it: no earlier than the send. */
  function leaseEnd(job: HeldJob): number {
    return renewedUntil.get(job) ?? job.reservation.leaseExpiresAt;
  }

  /** The one warning of an outage: the call is unanswered (`error` undefined) or failed. */
  function warnOnce(failed: { error: unknown } | undefined): void {
    if (since === undefined || warned) return;
    const leases = options.leases();
    // Nothing at risk: a stalled call is only worth a line once it fails.
    if (leases.length === 0 && !failed) return;
    warned = true;
    const now = clock.now();
    const waitedMs = now - since;
    const first = leases.reduce((end, job) => Math.min(end, leaseEnd(job)), Infinity) - now;
    const count = `${leases.length} lease${leases.length === 1 ? '' : 's'}`;
    const risk =
      leases.length === 0
        ? 'No lease is at risk now.'
        : `${count} at risk: the first ${first > 0 ? `runs out in ${first} ms` : `ran out ${-first} ms ago`} (leaseMs ${leaseMs}); a lease that runs out is lost, its job aborted here and run again by another delivery.`;
    const what = failed
      ? `lease renewal failed (${JSON.stringify(messageOf(failed.error))}), unanswered for ${waitedMs} ms`
      : `lease renewal unanswered for ${waitedMs} ms`;
    logger.warn(
      {
        ...(failed && { err: failed.error }),
        waitedMs,
        leases: leases.length,
        ...(leases.length > 0 && { firstLeaseEndsInMs: first }),
        leaseMs,
        heartbeatMs,
      },
      `${what}: the broker may be unreachable (or slow, or this process's event loop blocked). ${risk} Check that the broker is up and reachable from this worker; renewals go on, and a line says when they are answered again.`,
    );
  }

  /**
   * Whether an outage cost this job its lease: renewals of it failed, it is in no answered
   * call, and its settle was refused, or (not settled yet, or the call failed) its lease ran
   * out before renewals were answered again. Either way another delivery may run it again
   * (a job gone from the broker is counted apart: nothing runs it).
   */
  function lostUnrenewed(job: HeldJob, now: number): boolean {
    if (job.settleAnswer === 'ok') return false;
    return job.settleAnswer === 'stale' || job.leaseLost || leaseEnd(job) <= now;
  }

  function clearTimer(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  }

  return {
    sending(sentAt) {
      since ??= sentAt;
      if (timer !== undefined || warned) return;
      timer = clock.setTimeout(
        () => {
          timer = undefined;
          warnOnce(undefined);
        },
        Math.max(0, since + stallMs - sentAt),
      );
    },
    answered(sentAt, jobs, statuses) {
      const count = { renewed: 0, lost: 0, gone: 0 };
      jobs.forEach((job, index) => {
        const status = statuses[index];
        unrenewed.delete(job);
        if (status === 'gone') count.gone += 1;
        else if (status === 'lost') count.lost += 1;
        else {
          count.renewed += 1;
          renewedUntil.set(job, sentAt + leaseMs);
        }
      });
      clearTimer();
      const now = clock.now();
      // Jobs that ended during the outage are in no later call: counted here, or the line
      // would say no lease was lost after their settles were refused as stale.
      const ended = [...unrenewed];
      unrenewed.clear();
      const summary = { waitedMs: now - (since ?? now), failures, leases: jobs.length };
      const summarize = (): void => {
        for (const job of ended) {
          if (job.gone) count.gone += 1;
          else if (lostUnrenewed(job, now)) count.lost += 1;
        }
        logger.info({ ...summary, ...count }, answeredAgain(summary, count));
      };
      if (warned && since !== undefined) {
        // A stale settle being looked up (moved elsewhere, or gone?) is counted once known.
        const checks = ended.flatMap((job) =>
          job.goneCheck && job.settleAnswer === undefined ? [job.goneCheck] : [],
        );
        if (checks.length === 0) summarize();
        else void Promise.all(checks).then(summarize);
      }
      since = undefined;
      warned = false;
      failures = 0;
    },
    failed(error, jobs) {
      failures += 1;
      for (const job of jobs) unrenewed.add(job);
      if (warned) {
        logger.debug({ err: error, jobs: jobs.length, failures }, 'renew call failed again');
      } else warnOnce({ error });
    },
    stop() {
      clearTimer();
      unrenewed.clear();
    },
  };
}

/**
 * The line that ends an outage. A lost lease means its job may run twice; a job gone from
 * the broker runs nowhere unless enqueued again: each is said apart.
 */
function answeredAgain(
  summary: { waitedMs: number; leases: number },
  count: { renewed: number; lost: number; gone: number },
): string {
  const { waitedMs, leases } = summary;
  const { renewed, lost, gone } = count;
  // "of the N held now": the leases lost below are others (jobs that ended in the outage, or
  // whose lease ran out), which read as a contradiction beside "2 of 2 renewed".
  let line = `lease renewals answered again after ${waitedMs} ms: ${renewed} of the ${leases} lease${leases === 1 ? '' : 's'} held now renewed`;
  if (lost > 0) {
    const one = lost === 1;
    line += `; ${lost} lease${one ? '' : 's'} lost during the outage (answered lost, settle refused as stale, or ran out before a renewal was answered): another delivery may run ${one ? 'its job' : 'their jobs'} again, so ${one ? 'it' : 'each'} may have run twice`;
  }
  if (gone > 0) {
    const one = gone === 1;
    line += `; ${gone} job${one ? '' : 's'} gone from the broker during the outage (no record of ${one ? 'it' : 'them'}: deleted, or the broker lost its data): no other delivery will run ${one ? 'it' : 'them'} and ${one ? 'its result was' : 'their results were'} not recorded; enqueue ${one ? 'it' : 'them'} again if ${one ? 'it still has' : 'they still have'} to run`;
  }
  return line;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
