import type {
  Clock,
  LeaseRenewal,
  LeaseStatus,
  Logger,
  TimerHandle,
  Transport,
} from '@conveyor/core';
import type { HeldJob } from './held-job.js';

export interface Heartbeat {
  /** Stops beating; resolves once a renew call in flight has been answered. */
  stop(): Promise<void>;
}

/**
 * Renews every held lease in one call every `intervalMs`, carrying progress values that
 * changed since the last beat, and runs `alongside` (slot renewals). The next beat is timed from the end of the previous one,
 * so renew calls never overlap.
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

  async function beat(): Promise<void> {
    await Promise.all([renewLeases(), options.alongside?.()]);
  }

  async function renewLeases(): Promise<void> {
    const jobs = [...options.jobs()].filter((job) => job.phase !== 'ending' && !job.leaseLost);
    if (jobs.length === 0) return;
    const renewals: LeaseRenewal[] = jobs.map((job) => {
      const renewal: LeaseRenewal = { id: job.id, token: job.token };
      if (job.progressDirty && job.progress !== undefined) renewal.progress = job.progress;
      return renewal;
    });
    const sent = jobs.map((job) => job.progress);
    let statuses: LeaseStatus[];
    try {
      statuses = await transport.renew(renewals, leaseMs);
    } catch (error) {
      logger.warn(
        { err: error, jobs: jobs.length },
        'renew call failed; retrying at the next heartbeat',
      );
      return;
    }
    jobs.forEach((job, index) => {
      // Progress reported while the call was out stays dirty for the next beat.
      if (job.progress === sent[index]) job.progressDirty = false;
      const status = statuses[index] ?? 'lost';
      if (status !== 'held' && job.phase !== 'ending') options.onStatus(job, status);
    });
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
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await beating;
    },
  };
}
