import { defineTask, type Settlement, type TaskMinute, type WorkerRecord } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PRESENCE_INTERVAL_MS } from '../src/presence.js';
import { deferred, QUEUE, useWorkerHarness } from './helpers.js';

// A stopping worker's last broker calls (its record's removal, the last per-minute counts)
// go side by side: with a broker that does not answer, each waits out the command timeout
// (10 s on Redis), and one after the other they kept the worker 20 s past its last job.

const workers = useWorkerHarness();
const task = defineTask({ name: 't.quick', queue: QUEUE, input: z.object({}), run: () => 'ok' });

describe('the end of a stop', () => {
  it('removes the worker record and records the last counts at the same time', async () => {
    const removal = deferred();
    const recording = deferred();
    const calls: string[] = [];
    const harness = await workers.start([task], { metricsFlushMs: 60_000 }, (transport) => {
      const { admin, metrics } = transport;
      if (!admin || !metrics) throw new Error('the memory transport has admin and metrics');
      // A plain object (recordingTransport spreads the memory transport): its members can go.
      Object.assign(transport, {
        admin: {
          ...admin,
          async removeWorker(id: string) {
            calls.push('removeWorker');
            await removal.promise;
            return admin.removeWorker(id);
          },
        },
        metrics: {
          ...metrics,
          async record(minutes: readonly TaskMinute[]) {
            calls.push('record');
            await recording.promise;
            return metrics.record(minutes);
          },
        },
      });
    });
    const id = await harness.enqueue('t.quick');
    await harness.clock.advance(0);
    await vi.waitFor(async () => expect((await harness.job(id)).state).toBe('completed'), {
      timeout: 30_000,
    });
    const stopping = harness.worker.stop();
    await harness.clock.advance(0);
    try {
      // Both calls are made while neither has answered.
      await vi.waitFor(() => expect([...calls].sort()).toEqual(['record', 'removeWorker']), {
        timeout: 30_000,
      });
    } finally {
      removal.resolve();
      recording.resolve();
    }
    await stopping;
    expect(harness.worker.stats().state).toBe('stopped');
  });
});

describe('the end of a stop, with calls that do not return', () => {
  it('removes the record without waiting for a refresh of it still in flight', async () => {
    const refresh = deferred();
    const calls: string[] = [];
    const harness = await workers.start([task], { metricsFlushMs: false }, (transport) => {
      const { admin } = transport;
      if (!admin) throw new Error('the memory transport has admin');
      let puts = 0;
      Object.assign(transport, {
        admin: {
          ...admin,
          async putWorker(record: WorkerRecord, ttlMs: number) {
            puts += 1;
            // The first refresh is answered; the next one hangs, as on a silent broker.
            if (puts > 1) {
              calls.push('putWorker (hangs)');
              await refresh.promise;
            }
            return admin.putWorker(record, ttlMs);
          },
          async removeWorker(id: string) {
            calls.push('removeWorker');
            return admin.removeWorker(id);
          },
        },
      });
    });
    await harness.clock.advance(PRESENCE_INTERVAL_MS);
    await vi.waitFor(() => expect(calls).toEqual(['putWorker (hangs)']), { timeout: 30_000 });
    const stopping = harness.worker.stop();
    await harness.clock.advance(0);
    try {
      await vi.waitFor(() => expect(calls).toEqual(['putWorker (hangs)', 'removeWorker']), {
        timeout: 30_000,
      });
    } finally {
      refresh.resolve();
    }
    await stopping;
  });
});

describe('settling while stopping, with a broker that does not answer', () => {
  it('sends the completions beside the release of prefetched jobs, not after it', async () => {
    const gate = deferred();
    const slow = defineTask({
      name: 't.gated',
      queue: QUEUE,
      input: z.object({}),
      run: () => gate.promise.then(() => 'done'),
    });
    const releaseAnswer = deferred();
    const calls: string[][] = [];
    const harness = await workers.start(
      [slow],
      { concurrency: 1, prefetch: 2, metricsFlushMs: false },
      (transport) => {
        const settle = transport.settle.bind(transport);
        Object.assign(transport, {
          async settle(settlements: readonly Settlement[]) {
            calls.push(settlements.map((settlement) => settlement.type));
            // The release of the prefetched jobs hangs, as on a silent broker.
            if (settlements.some((settlement) => settlement.type === 'release')) {
              await releaseAnswer.promise;
            }
            return settle(settlements);
          },
        });
      },
    );
    for (let n = 0; n < 3; n++) await harness.enqueue('t.gated');
    await harness.clock.advance(0);
    await vi.waitFor(() => expect(harness.worker.stats().running).toBe(1), { timeout: 30_000 });
    await vi.waitFor(() => expect(harness.worker.stats().buffered).toBe(2), { timeout: 30_000 });
    const stopping = harness.worker.stop({ graceMs: 60_000 });
    await harness.clock.advance(0);
    try {
      await vi.waitFor(() => expect(calls).toEqual([['release', 'release']]), { timeout: 30_000 });
      gate.resolve();
      // The running job's completion goes while the release has not answered.
      await vi.waitFor(() => expect(calls).toEqual([['release', 'release'], ['complete']]), {
        timeout: 30_000,
      });
    } finally {
      gate.resolve();
      releaseAnswer.resolve();
    }
    await stopping;
    expect(harness.worker.stats().state).toBe('stopped');
  });
});

describe('a stop whose settles failed (a broker that does not answer)', () => {
  it('leaves the worker record to expire and waits for no in-flight counts', async () => {
    const gate = deferred();
    const gated = defineTask({
      name: 't.gated',
      queue: QUEUE,
      input: z.object({}),
      run: () => gate.promise,
    });
    const calls: string[] = [];
    const never = new Promise<never>(() => {});
    const harness = await workers.start([gated], { metricsFlushMs: 1_000 }, (transport) => {
      const { admin, metrics } = transport;
      if (!admin || !metrics) throw new Error('the memory transport has admin and metrics');
      Object.assign(transport, {
        settle: () => Promise.reject(new Error('Command timed out')),
        admin: {
          ...admin,
          async removeWorker(id: string) {
            calls.push('removeWorker');
            return admin.removeWorker(id);
          },
        },
        // A flush that never answers, in flight when the stop ends.
        metrics: { ...metrics, record: () => never },
      });
    });
    await harness.enqueue('t.gated');
    await harness.clock.advance(0);
    expect(harness.worker.stats().running).toBe(1);
    await harness.clock.advance(1_000);
    const stopping = harness.worker.stop();
    await harness.clock.advance(0);
    gate.resolve();
    await stopping;
    expect(calls).toEqual([]);
    expect(harness.logger.lines.map((line) => line.message)).toContain(
      'not removing the worker record: the broker did not answer this stop; it expires after its ttl',
    );
  });
});
