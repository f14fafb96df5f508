import type { BenchCase } from '../case-types.js';
import { now, payload, payloads } from '../payload.js';
import type { SystemAdapter } from '../systems/types.js';
import { checkPending, fill } from './fill.js';

const CALIBRATION_JOBS = 1_000;

/**
 * Time allowed for enqueueing before the jobs fall due: 1 s plus twice what enqueueing
 * them should take, from a timed calibration batch (put in a queue no worker reads, and
 * due in an hour, so it never interferes).
 */
async function marginMs(
  system: SystemAdapter,
  url: string,
  queue: string,
  jobs: number,
): Promise<number> {
  const producer = await system.createProducer({ url, queue: `${queue}-calibration` });
  try {
    await producer.add(payload(0), Date.now() + 3_600_000);
    const start = now();
    await producer.addBulk(payloads(CALIBRATION_JOBS), Date.now() + 3_600_000);
    const perJobMs = (now() - start) / CALIBRATION_JOBS;
    return 1_000 + 2 * perJobMs * jobs;
  } finally {
    await producer.close();
  }
}

/** Case 7: many delayed jobs fall due at the same moment; how long until all have run. */
export const delayed: BenchCase = {
  id: 'delayed',
  group: 7,
  title: 'Delayed jobs coming due',
  describe: (s) =>
    `${s.delayed.toLocaleString('en-US')} jobs enqueued in bulk, all due at the same instant; one worker process at concurrency 50 waits for them; timed from the due time to the last acknowledgement`,
  metrics: [
    { key: 'seconds', label: 'time to run all', unit: 's', higherIsBetter: false },
    { key: 'jobsPerSec', label: 'after due', unit: 'jobs/s', higherIsBetter: true },
  ],
  heavy: true,
  async run(system, { url, queue, sizes, pool }) {
    const jobs = sizes.delayed;
    const margin = await marginMs(system, url, queue, jobs);
    const producer = await system.createProducer({ url, queue });
    try {
      let dueAt = Number.POSITIVE_INFINITY;
      const result = await pool.run({
        system: system.name,
        processes: 1,
        consumer: { url, queue, concurrency: 50, delayed: true },
        // The consumer is connected before the due time is set: the margin covers only the
        // enqueueing, as calibrated, not a worker process's start-up on a busy machine.
        beforeGo: async () => {
          dueAt = Math.ceil(Date.now() + margin);
          await fill(producer, jobs, sizes.bulkBatch, dueAt);
        },
        until: (counts) => counts.completed >= jobs,
        timeoutMs: margin + 30_000 + jobs * 5,
      });
      const lateMs = result.startedAt - dueAt;
      const seconds = (result.lastAt - dueAt) / 1_000;
      const values = { seconds, jobsPerSec: jobs / seconds };
      if (lateMs > 0) {
        return {
          values,
          invalid: `enqueueing took longer than the ${Math.round(margin)} ms margin (worker started ${Math.round(lateMs)} ms after the due time)`,
        };
      }
      if (!result.reached) {
        return { values, invalid: `${jobs - result.completed} of ${jobs} jobs missing at the end` };
      }
      if (result.completed > jobs) {
        return { values, invalid: `${result.completed - jobs} jobs ran twice` };
      }
      if (result.lastAt < dueAt) return { values, invalid: 'jobs ran before their due time' };
      return { values, ...(await checkPending(producer, 0)) };
    } finally {
      await producer.close();
    }
  },
};
