import type { BenchCase } from '../case-types.js';
import { payload } from '../payload.js';
import { checkPending, fill } from './fill.js';

/** Case 5: Redis memory per waiting job, from the `used_memory` delta. */
export const memory: BenchCase = {
  id: 'memory',
  group: 5,
  title: 'Redis memory per waiting job',
  describe: (s) =>
    `used_memory before and after ${s.memoryJobs.toLocaleString('en-US')} jobs are enqueued in bulk (no worker), divided by the jobs`,
  metrics: [{ key: 'bytesPerJob', label: 'memory', unit: 'bytes/job', higherIsBetter: false }],
  heavy: true,
  async run(system, { url, queue, sizes, probe }) {
    const producer = await system.createProducer({ url, queue });
    try {
      // The first job creates the queue's fixed structures, which are not per-job cost.
      await producer.add(payload(90_000_000 - 1));
      const before = await probe.usedMemory();
      await fill(producer, sizes.memoryJobs, sizes.bulkBatch);
      const after = await probe.usedMemory();
      return {
        values: { bytesPerJob: (after - before) / sizes.memoryJobs },
        ...(await checkPending(producer, sizes.memoryJobs + 1)),
      };
    } finally {
      await producer.close();
    }
  },
};
