import { defineTask, type TaskMinute, type WorkerRecord } from '@conveyor/core';
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
