import type { BenchCase, RunOutcome } from '../case-types.js';
import { type BenchPayload, now, payload } from '../payload.js';
import { percentile } from '../stats.js';
import { checkPending } from './fill.js';

const WARM_UP = 20;
/** Pause between samples, so that the worker is back to waiting (idle) each time. */
const GAP_MS = 2;

/**
 * Case 4: enqueue-to-start latency on an idle worker. Producer and worker share this
 * process, so both timestamps come from one clock; only one job is in flight at a time.
 */
export const latency: BenchCase = {
  id: 'latency',
  group: 4,
  title: 'Enqueue-to-start latency, idle worker',
  describe: (s) =>
    `${s.latencySamples.toLocaleString('en-US')} jobs one at a time (after ${WARM_UP} warm-up jobs): from calling add() to the handler starting; worker at concurrency 50, in the harness process`,
  metrics: [
    { key: 'p50Ms', label: 'p50', unit: 'ms', higherIsBetter: false },
    { key: 'p99Ms', label: 'p99', unit: 'ms', higherIsBetter: false },
    { key: 'maxMs', label: 'max', unit: 'ms', higherIsBetter: false },
  ],
  async run(system, { url, queue, sizes }): Promise<RunOutcome> {
    let expected = -1;
    let started: ((at: number) => void) | undefined;
    const consumer = await system.createConsumer(
      { url, queue, concurrency: 50 },
      {
        onStart(job: BenchPayload) {
          if (job.n === expected) started?.(now());
        },
        onCompleted() {},
        onRetried() {},
      },
    );
    const producer = await system.createProducer({ url, queue });
    await consumer.start();
    try {
      const samples: number[] = [];
      const total = WARM_UP + sizes.latencySamples;
      for (let i = 0; i < total; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, GAP_MS));
        const job = payload(i);
        expected = job.n;
        const startedAt = new Promise<number>((resolve, reject) => {
          started = resolve;
          setTimeout(() => reject(new Error(`job ${i} did not start within 10 s`)), 10_000).unref();
        });
        const sentAt = now();
        await producer.add(job);
        const startAt = await startedAt.catch(() => undefined);
        if (startAt === undefined) {
          return { values: {}, invalid: `job ${i} of ${total} did not start within 10 s` };
        }
        if (i >= WARM_UP) samples.push(startAt - sentAt);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      return {
        values: {
          p50Ms: percentile(samples, 50),
          p99Ms: percentile(samples, 99),
          maxMs: Math.max(...samples),
        },
        ...(await checkPending(producer, 0)),
      };
    } finally {
      await consumer.stop();
      await producer.close();
    }
  },
};
