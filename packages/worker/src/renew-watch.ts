import type { Clock, LeaseStatus, Logger, TimerHandle } from '@conveyor/core';
import type { HeldJob } from './held-job.js';

/** What the heartbeat tells the watch about each renew call. */
export interface RenewWatch {
  /** A renew call goes out now for these leases. */
  sending(sentAt: number): void;
  /** The call sent at `sentAt` was answered, a status per job. */
  answered(sentAt: number, jobs: readonly HeldJob[], statuses: readonly LeaseStatus[]): void;
  /** The call failed (rejected): its `jobs` leases were not renewed. */
  failed(error: unknown, jobs: number): void;
  stop(): void;
}

/**
 * Watches lease renewals for an outage, so the worker says so while its leases run out and
 * not only once a client gives up on the call (ioredis: after its retries, seconds later,
 * or never while the server hangs). An outage begins with a renew call that is not
 * answered. The watch warns once per outage, naming the wait and the leases at risk: after
 * `min(heartbeatMs, leaseMs / 2)` without an answer, or at a failed call if that comes
 * first (with its error; later failures are debug lines). The first answer after a warning
 * logs once that renewals are answered again.
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
      jobs.forEach((job, index) => {
        const status = statuses[index];
        if (status !== 'lost' && status !== 'gone') renewedUntil.set(job, sentAt + leaseMs);
      });
      clearTimer();
      if (warned && since !== undefined) {
        const lost = statuses.filter((status) => status === 'lost' || status === 'gone').length;
        logger.info(
          { waitedMs: clock.now() - since, failures, leases: jobs.length, lost },
          `lease renewals answered again after ${clock.now() - since} ms: ${jobs.length - lost} of ${jobs.length} lease${jobs.length === 1 ? '' : 's'} renewed${lost > 0 ? `, ${lost} lost (their jobs are aborted)` : ''}`,
        );
      }
      since = undefined;
      warned = false;
      failures = 0;
    },
    failed(error, jobs) {
      failures += 1;
      if (warned) logger.debug({ err: error, jobs, failures }, 'renew call failed again');
      else warnOnce({ error });
    },
    stop: clearTimer,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
