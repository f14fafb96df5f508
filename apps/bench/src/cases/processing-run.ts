import type { CaseContext, RunOutcome } from '../case-types.js';
import type { SystemAdapter } from '../systems/types.js';
import { checkPending, fill } from './fill.js';

export interface ProcessingPlan {
  /** Jobs in the queue when the workers start. */
  queued: number;
  /** Whether to enqueue `queued` jobs first (false: the queue already holds them). Default true. */
  fill?: boolean;
  /** Completions that end the timed window (default: all queued). */
  measured?: number;
  concurrency: number;
  processes?: number;
  retry?: boolean;
}

/** Generous: a run slower than 200 jobs/s (plus 30 s) is reported as missing jobs. */
function timeoutFor(jobs: number): number {
  return 30_000 + (jobs / 200) * 1_000;
}

/**
 * Fills a queue, then times worker processes until `measured` jobs are acknowledged.
 * Throughput runs from `go` to the last acknowledged completion; CPU is per 1,000 jobs.
 */
export async function processingRun(
  system: SystemAdapter,
  { url, queue, sizes, probe, pool }: CaseContext,
  plan: ProcessingPlan,
): Promise<RunOutcome> {
  const measured = plan.measured ?? plan.queued;
  const producer = await system.createProducer({ url, queue, retry: plan.retry });
  try {
    if (plan.fill !== false) await fill(producer, plan.queued, sizes.bulkBatch);
    let redisAtGo = 0;
    let redisAtEnd = 0;
    const result = await pool.run({
      system: system.name,
      processes: plan.processes ?? 1,
      consumer: { url, queue, concurrency: plan.concurrency, retry: plan.retry },
      until: (counts) => counts.completed >= measured,
      timeoutMs: timeoutFor(plan.retry ? measured * 2 : measured),
      beforeGo: async () => {
        redisAtGo = await probe.cpuMs();
      },
      onReached: async () => {
        redisAtEnd = await probe.cpuMs();
      },
    });
    const elapsedMs = result.lastAt - result.startedAt;
    const done = result.completed;
    const outcome: RunOutcome = {
      values: {
        completed: done,
        jobsPerSec: done / (elapsedMs / 1_000),
        workerCpuMsPer1k: result.cpuMicros / done,
        redisCpuMsPer1k: ((redisAtEnd - redisAtGo) / done) * 1_000,
        // Share of one core each side used while the jobs ran: what bounds the throughput.
        redisCpuCores: (redisAtEnd - redisAtGo) / elapsedMs,
        workerCpuCores: result.cpuMicros / 1_000 / elapsedMs,
      },
    };
    if (!result.reached) {
      return {
        ...outcome,
        invalid: `${measured - done} of ${measured} jobs missing after ${Math.round(timeoutFor(measured) / 1_000)} s`,
      };
    }
    if (plan.retry && result.retried < done) {
      return { ...outcome, invalid: `only ${result.retried} of ${done} jobs were retried` };
    }
    const check = await checkPending(producer, plan.queued - done);
    return { ...outcome, ...check };
  } finally {
    await producer.close();
  }
}
