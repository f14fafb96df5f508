import type { TransportAdmin, WorkerRecord } from '@conveyor/core';
import { createManualClock } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { createPresence } from '../src/presence.js';
import { captureLogger } from './helpers.js';

function recordingAdmin() {
  const puts: Array<{ record: WorkerRecord; ttlMs: number }> = [];
  const removed: string[] = [];
  const admin: TransportAdmin = {
    listQueues: async () => [],
    queueCounts: async () => [],
    purgeQueue: async () => 0,
    async putWorker(record, ttlMs) {
      puts.push({ record: structuredClone(record), ttlMs });
    },
    async removeWorker(id) {
      removed.push(id);
    },
    listWorkers: async () => [],
  };
  return { admin, puts, removed };
}

const record = (done: number): WorkerRecord => ({
  id: 'w-1',
  hostname: 'host',
  pid: 1,
  queues: ['work'],
  tasks: ['t'],
  concurrency: 1,
  state: 'running',
  startedAt: 0,
  jobs: [],
  counts: { completed: done, failed: 0, retried: 0 },
});

describe('worker presence', () => {
  it('refreshes on its own interval with that interval in the record, and stops on remove', async () => {
    const clock = createManualClock();
    const fake = recordingAdmin();
    let done = 0;
    const presence = createPresence({
      admin: fake.admin,
      id: 'w-1',
      ttlMs: 30_000,
      intervalMs: 2_000,
      clock,
      logger: captureLogger(),
      record: () => record(done),
    });
    presence.start();
    await clock.advance(0);
    expect(fake.puts).toEqual([{ record: { ...record(0), heartbeatMs: 2_000 }, ttlMs: 30_000 }]);

    // Fresh counts every interval, not only on the (10 s by default) lease heartbeat.
    done = 7;
    await clock.advance(2_000);
    expect(fake.puts).toHaveLength(2);
    expect(fake.puts[1]?.record.counts.completed).toBe(7);
    await clock.advance(4_000);
    expect(fake.puts).toHaveLength(4);

    await presence.remove();
    expect(fake.removed).toEqual(['w-1']);
    await clock.advance(10_000);
    expect(fake.puts).toHaveLength(4);
    expect(clock.pendingTimers()).toBe(0);
  });
});
