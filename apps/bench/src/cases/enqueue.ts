import { type BenchCase, JOBS_PER_SEC, REDIS_CPU } from '../case-types.js';
import { now, payload, payloads } from '../payload.js';
import { checkPending } from './fill.js';

const PRODUCER_CPU = {
  key: 'producerCpuMsPer1k',
  label: 'producer CPU',
  unit: 'ms/1k jobs',
  higherIsBetter: false,
} as const;

/** Case 1: single enqueue calls, made concurrently by many callers. */
export const enqueueSingle: BenchCase = {
  id: 'enqueue-single',
  group: 1,
  title: 'Enqueue, single calls made concurrently',
  describe: (s) =>
    `${s.enqueueSingle.toLocaleString('en-US')} jobs, one add per call, ${s.singleCallers} callers awaiting their calls concurrently`,
  metrics: [JOBS_PER_SEC, PRODUCER_CPU, REDIS_CPU],
  async run(system, { url, queue, sizes, probe }) {
    const producer = await system.createProducer({ url, queue });
    try {
      await producer.add(payload(0)); // connects and loads scripts
      const total = sizes.enqueueSingle;
      let next = 0;
      const caller = async () => {
        while (next < total) {
          next += 1;
          await producer.add(payload(next));
        }
      };
      const redis0 = await probe.cpuMs();
      const cpu0 = process.cpuUsage();
      const start = now();
      await Promise.all(Array.from({ length: sizes.singleCallers }, caller));
      const seconds = (now() - start) / 1_000;
      const cpu = process.cpuUsage(cpu0);
      const redisMs = (await probe.cpuMs()) - redis0;
      return {
        values: {
          jobsPerSec: total / seconds,
          producerCpuMsPer1k: (cpu.user + cpu.system) / total,
          redisCpuMsPer1k: (redisMs / total) * 1_000,
        },
        ...(await checkPending(producer, total + 1)),
      };
    } finally {
      await producer.close();
    }
  },
};

/** Case 2: bulk enqueue through each system's bulk call. */
export const enqueueBulk: BenchCase = {
  id: 'enqueue-bulk',
  group: 2,
  title: 'Bulk enqueue',
  describe: (s) =>
    `${s.enqueueBulk.toLocaleString('en-US')} jobs in bulk calls of ${s.bulkBatch.toLocaleString('en-US')}, one call at a time`,
  metrics: [JOBS_PER_SEC, PRODUCER_CPU, REDIS_CPU],
  async run(system, { url, queue, sizes, probe }) {
    const producer = await system.createProducer({ url, queue });
    try {
      await producer.add(payload(0));
      const total = sizes.enqueueBulk;
      const batches: ReturnType<typeof payloads>[] = [];
      for (let from = 0; from < total; from += sizes.bulkBatch) {
        batches.push(payloads(Math.min(sizes.bulkBatch, total - from), from + 1));
      }
      const redis0 = await probe.cpuMs();
      const cpu0 = process.cpuUsage();
      const start = now();
      for (const batch of batches) await producer.addBulk(batch);
      const seconds = (now() - start) / 1_000;
      const cpu = process.cpuUsage(cpu0);
      const redisMs = (await probe.cpuMs()) - redis0;
      return {
        values: {
          jobsPerSec: total / seconds,
          producerCpuMsPer1k: (cpu.user + cpu.system) / total,
          redisCpuMsPer1k: (redisMs / total) * 1_000,
        },
        ...(await checkPending(producer, total + 1)),
      };
    } finally {
      await producer.close();
    }
  },
};
