import { defineTask, memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createWorker, WorkerStoppedError } from '../src/index.js';
import { captureLogger } from './helpers.js';

const task = defineTask({ name: 't.x', input: z.object({}), run: () => 1 });
const base = () => ({ transport: memoryTransport(), tasks: [task], logger: captureLogger() });

describe('options', () => {
  it.each([
    [{ concurrency: 0 }, 'Invalid concurrency 0'],
    [{ prefetch: -1 }, 'Invalid prefetch -1'],
    [
      { leaseMs: 3_000, heartbeatMs: 3_000 },
      'Invalid heartbeatMs 3000: expected less than leaseMs (3000)',
    ],
    [{ queues: [] }, 'Invalid queues []'],
    [{ queues: ['bad queue'] }, 'Invalid queue "bad queue"'],
    [{ maxPayloadBytes: 0 }, 'Invalid maxPayloadBytes 0: expected a number of bytes'],
    [{ maxResultBytes: 1.5 }, 'Invalid maxResultBytes 1.5: expected a number of bytes'],
  ])('rejects %j', (options, message) => {
    expect(() => createWorker({ ...base(), ...options })).toThrow(message);
  });

  it('rejects start() after stop() and a negative graceMs', async () => {
    const worker = createWorker(base());
    await expect(worker.stop({ graceMs: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await worker.stop();
    await expect(worker.start()).rejects.toBeInstanceOf(WorkerStoppedError);
    expect(worker.stats().state).toBe('stopped');
  });
});
