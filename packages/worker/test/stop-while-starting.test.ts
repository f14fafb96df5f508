// stop() while start() still waits on the broker (a SIGTERM during start-up, Redis down):
// the worker stops at once, start() resolves as the README says, and a broker call that
// answers (or fails) later changes nothing.
import {
  defineSchedule,
  defineTask,
  memoryTransport,
  type Transport,
  type TransportAdmin,
  type TransportSchedules,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { captureLogger, deferred } from './helpers.js';

const task = defineTask({
  name: 't.nightly',
  input: z.object({}),
  queue: 'nightly',
  run: async () => null,
});
const nightly = defineSchedule({ id: 'nightly', task, every: '1d', input: {} });

function setup(hang: 'putWorker' | 'upsert') {
  const transport = memoryTransport();
  const admin = transport.admin as TransportAdmin;
  const schedules = transport.schedules as TransportSchedules;
  // A call the test answers (or fails) by hand, standing for a broker that does not answer.
  const call = deferred<never>();
  let calls = 0;
  const hung: Transport = {
    ...transport,
    admin: {
      ...admin,
      putWorker: (record, ttlMs) => {
        if (hang !== 'putWorker') return admin.putWorker(record, ttlMs);
        calls++;
        return call.promise;
      },
    },
    schedules: {
      ...schedules,
      upsert: (specs) => {
        if (hang !== 'upsert') return schedules.upsert(specs);
        calls++;
        return call.promise;
      },
    },
  };
  const logger = captureLogger();
  const worker = createWorker({
    transport: hung,
    tasks: [task],
    id: 'w-starting',
    schedules: [nightly],
    logger,
  });
  return { worker, admin, logger, call, calls: () => calls };
}

describe('stop() while start() waits on the broker', () => {
  it('storing the schedules unanswered: stop() and start() resolve, and a late failure is only logged', async () => {
    const { worker, admin, logger, call, calls } = setup('upsert');
    const running = worker.start();
    await expect.poll(calls, { timeout: 10_000 }).toBe(1);
    await worker.stop();
    expect(worker.stats().state).toBe('stopped');
    await expect(running).resolves.toBeUndefined();
    // The record published before the upsert is taken away again.
    await expect
      .poll(async () => (await admin.listWorkers()).map(({ id }) => id), { timeout: 10_000 })
      .toEqual([]);
    // The broker fails the call at last (a connection timeout): nothing rejects or restarts.
    call.reject(new Error('connect ETIMEDOUT'));
    await expect(running).resolves.toBeUndefined();
    expect(worker.stats().state).toBe('stopped');
    expect(logger.lines.filter((line) => line.message === 'worker started')).toEqual([]);
  });

  it('publishing the worker record unanswered: stop() and start() resolve without it', async () => {
    const { worker, call, calls } = setup('putWorker');
    const running = worker.start();
    await expect.poll(calls, { timeout: 10_000 }).toBe(1);
    await worker.stop();
    await expect(running).resolves.toBeUndefined();
    call.reject(new Error('connect ECONNREFUSED'));
    expect(worker.stats().state).toBe('stopped');
    // A stopped worker does not start again.
    await expect(worker.start()).rejects.toMatchObject({ code: 'WORKER_STOPPED' });
  });

  it('a broker call that answers after the stop does not make the worker run', async () => {
    const { worker, call, calls } = setup('upsert');
    const running = worker.start();
    await expect.poll(calls, { timeout: 10_000 }).toBe(1);
    const stopping = worker.stop();
    call.resolve(['created'] as never);
    await stopping;
    await expect(running).resolves.toBeUndefined();
    expect(worker.stats().state).toBe('stopped');
  });
});
