import {
  assertJsonValue,
  type Clock,
  type LeaseRenewal,
  type LeaseStatus,
  type Logger,
  type TimerHandle,
  type Transport,
} from '@conveyor/core';
import type { HeldJob } from './held-job.js';
import { createRenewWatch } from './renew-watch.js';
import { startReported, startToReport } from './start-marks.js';

export interface Heartbeat {
  /** Stops beating; resolves once a renew call in flight has been answered. */
  stop(): Promise<void>;
}

/**
 * Renews every held lease in one call every `intervalMs`, carrying progress values that
 * changed since the last beat, and runs `alongside` (slot renewals). The next beat is timed
 * from the end of the previous one, so renew calls never overlap; a `RenewWatch` says when
 * one goes unanswered (an outage) and when renewals are answered again.
 */
export function startHeartbeat(options: {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  leaseMs: number;
  jobs: () => Iterable<HeldJob>;
  onStatus: (job: HeldJob, status: Exclude<LeaseStatus, 'held'>) => void;
  /** Runs on every beat, next to the renew call (slot renewals). Must not reject. */
  alongside?: () => Promise<void>;
}): Heartbeat {
  const { transport, clock, logger, intervalMs, leaseMs } = options;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let beating: Promise<void> | undefined;
  const watch = createRenewWatch({ clock, logger, leaseMs, heartbeatMs: intervalMs, leases });

  async function beat(): Promise<void> {
    await Promise.all([renewLeases(), options.alongside?.()]);
  }

  /** The leases a beat renews: not of a settled job, nor of one already lost. */
  function leases(): HeldJob[] {
    return [...options.jobs()].filter((job) => job.phase !== 'ending' && !job.leaseLost);
  }

  async function renewLeases(): Promise<void> {
    const jobs = leases();
    if (jobs.length === 0) return;
    const renewals: LeaseRenewal[] = jobs.map((job) => {
      const renewal: LeaseRenewal = { id: job.id, token: job.token };
      // A held job that started since it was reserved: its expired lease counts now [R27].
      if (startToReport(job)) renewal.started = true;
      if (job.progressDirty && job.progress !== undefined && sendable(job)) {
        renewal.progress = job.progress;
      }
      return renewal;
    });
    const sent = jobs.map((job) => job.progress);
    let statuses: LeaseStatus[];
    const sentAt = clock.now();
    // Says so while a call goes unanswered, not only once the client gives up on it.
    watch.sending(sentAt);
    try {
      statuses = await transport.renew(renewals, leaseMs);
    } catch (error) {
      watch.failed(error, jobs);
      return;
    }
    watch.answered(sentAt, jobs, statuses);
    jobs.forEach((job, index) => {
      // Progress reported while the call was out stays dirty for the next beat.
      if (job.progress === sent[index]) job.progressDirty = false;
      if (renewals[index]?.started === true) startReported(job);
      const status = statuses[index] ?? 'lost';
      if (status !== 'held' && job.phase !== 'ending') options.onStatus(job, status);
    });
  }

  /**
   * Whether a job's progress can travel. `ctx.progress` checks each value, but the task may
   * change the object afterwards (a bigint, a cycle): that one renew call would fail for
   * every job of the worker, whose leases then run out. Such a value is dropped, and said.
   */
  function sendable(job: HeldJob): boolean {
    try {
      assertJsonValue(job.progress, 'progress');
      return true;
    } catch (error) {
      logger.warn(
        { err: error, jobId: job.id, task: job.task },
        "a job's progress was changed after ctx.progress() into a value JSON cannot carry; not sending it (report a new value with ctx.progress)",
      );
      job.progress = undefined;
      job.progressDirty = false;
      return false;
    }
  }

  function arm(): void {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      beating = beat().finally(() => {
        beating = undefined;
        arm();
      });
    }, intervalMs);
  }

  arm();
  return {
    async stop() {
      stopped = true;
      watch.stop();
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await beating;
    },
  };
}
