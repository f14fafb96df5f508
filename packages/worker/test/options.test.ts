import { createClient, defineTask, memoryTransport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createWorker,
  type MetricsServer,
  serveMetrics,
  type WorkerOptions,
  WorkerStoppedError,
} from '../src/index.js';
import { captureLogger, QUEUE, useWorkerHarness } from './helpers.js';

const workers = useWorkerHarness();

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
    [{ removeOnComplete: 'yes' }, 'Invalid removeOnComplete "yes": expected true or false'],
    // Each of these failed later with a bare TypeError, or named the wrong option.
    [
      { logger: {} },
      'Invalid logger {}: expected a logger with info, warn and error methods (missing: info, warn, error)',
    ],
    [{ random: 5 }, 'Invalid random 5: expected a function'],
    [{ tasks: undefined }, 'Invalid tasks (missing): expected the tasks to run'],
    [{ tasks: [] }, 'Invalid tasks []: expected the tasks to run'],
    // A lease past 2^52 ms overflowed on Redis: expired as written, and another worker took it.
    [
      { leaseMs: 1e20 },
      'Invalid leaseMs 100000000000000000000: expected a number of ms from 1 to 4,503,599,627,370,496',
    ],
  ])('rejects %j', (options, message) => {
    expect(() => createWorker({ ...base(), ...options } as WorkerOptions)).toThrow(message);
  });

  it('rejects a missing options object with INVALID_OPTION', () => {
    expect(() => createWorker(undefined as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^Invalid options \(missing\)/),
      }),
    );
  });

  // Each of these was ignored: the worker ran with the default, or with no metrics host or
  // sandbox task choice, and said nothing.
  it.each([
    [
      { concurency: 5 },
      /^Invalid createWorker option "concurency": expected one of transport, tasks, queues, .*maxWorkflowChildren \(did you mean "concurrency"\?\)\.$/,
    ],
    [{ leaseMS: 5_000 }, /^Invalid createWorker option "leaseMS": .*\(did you mean "leaseMs"\?\)/],
    [
      { sandbox: { module: 'tasks.js', task: 'all' } },
      /^Invalid sandbox option "task": expected one of module, tasks, execArgv, startTimeoutMs \(did you mean "tasks"\?\)\.$/,
    ],
    [
      { metrics: { port: 0, hots: '127.0.0.1' } },
      /^Invalid metrics option "hots": expected one of port, host \(did you mean "host"\?\)\.$/,
    ],
  ])(
    'refuses the misspelt key of %j with INVALID_OPTION, naming the one meant',
    (options, message) => {
      expect(() => createWorker({ ...base(), ...options } as WorkerOptions)).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: expect.stringMatching(message),
        }),
      );
    },
  );

  it('takes an unknown key set to undefined, as if left out, but not with a value', async () => {
    const worker = createWorker({
      ...base(),
      concurency: undefined,
      sandbox: { module: 'tasks.js', task: undefined },
      metrics: { port: 0, hots: undefined },
    } as WorkerOptions);
    expect(worker.stats().concurrency).toBe(10);
    await worker.stop();
    expect(() => createWorker({ ...base(), concurency: 5 } as WorkerOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('serveMetrics refuses a misspelt option before it listens', async () => {
    const source = {
      stats: () => ({ id: 'w1', state: 'running', running: 0, inFlight: 0 }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
    };
    const outcome = await serveMetrics(source, { port: 0, hots: '127.0.0.1' } as never).catch(
      (error: unknown) => error,
    );
    // Closed when it listened after all, so that a failure here leaves no server behind.
    if (typeof (outcome as { close?: unknown }).close === 'function') {
      await (outcome as MetricsServer).close();
    }
    expect(outcome).toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/^Invalid serveMetrics option "hots": .*"host"/),
    });
  });

  it('a start() that fails late stops the loops it had begun: nothing is reserved after', async () => {
    const transport = memoryTransport();
    let reserves = 0;
    const reserve = transport.reserve.bind(transport);
    transport.reserve = (request) => {
      reserves += 1;
      return reserve(request);
    };
    const logger = {
      ...captureLogger(),
      info: () => {
        throw new Error('log sink is down');
      },
    };
    const worker = createWorker({ transport, tasks: [task], logger, reserveWaitMs: 10 });
    await expect(worker.start()).rejects.toThrow('log sink is down');
    expect(worker.stats().state).toBe('stopped');
    const after = reserves;
    const client = createClient({ transport });
    const handle = await client.enqueue(task, {});
    // A reserve loop still running would take this job within a few of its 10 ms waits.
    for (let turn = 0; turn < 20; turn++) await new Promise((done) => setImmediate(done));
    expect(reserves).toBe(after);
    expect(await handle.status()).toBe('waiting');
    await transport.close();
  });

  it('rejects start() after stop() and a negative graceMs', async () => {
    const worker = createWorker(base());
    await expect(worker.stop({ graceMs: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await worker.stop();
    await expect(worker.start()).rejects.toBeInstanceOf(WorkerStoppedError);
    expect(worker.stats().state).toBe('stopped');
  });
});

describe('start-up warnings', () => {
  const inQueue = defineTask({ name: 't.work', input: z.object({}), queue: QUEUE, run: () => 1 });

  /** The warnings a worker with these options logs by the time it has started. */
  async function warnings(options: Parameters<typeof workers.start>[1]) {
    const harness = await workers.start([inQueue], options);
    await harness.stop({ graceMs: 0 });
    return harness.logger.lines.filter((line) => line.level === 'warn');
  }

  it('warns once for a lease under 1 s, naming it', async () => {
    const logged = await warnings({ leaseMs: 10 });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ leaseMs: 10, heartbeatMs: 3 });
    expect(logged[0]?.message).toMatch(/^leaseMs 10 is under 1000 ms: .*default 30000/);
  });

  it('warns for a heartbeat that leaves no room for one late renewal', async () => {
    const logged = await warnings({ leaseMs: 3_000, heartbeatMs: 2_000 });
    expect(logged.map((line) => line.message)).toEqual([
      expect.stringMatching(/^heartbeatMs 2000 is more than half of leaseMs 3000/),
    ]);
  });

  it('warns when a renewal has under 1 s to arrive, though the lease is longer', async () => {
    // 1200 ms with the default heartbeat (400): a renewal 800 ms late loses the lease.
    const logged = await warnings({ leaseMs: 1_200 });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ leaseMs: 1_200, heartbeatMs: 400, marginMs: 800 });
    expect(logged[0]?.message).toMatch(
      /^leaseMs 1200 leaves 800 ms between a heartbeat \(heartbeatMs 400\) and the end of the lease, under 1000 ms: .*leaseMs - heartbeatMs is 1000 ms or more/,
    );
    expect(await warnings({ leaseMs: 2_000, heartbeatMs: 1_000 })).toEqual([]);
    // A long lease with a heartbeat near its end: the heartbeat is what to change.
    const nearEnd = await warnings({ leaseMs: 30_000, heartbeatMs: 29_500 });
    expect(nearEnd.map((line) => line.message)).toEqual([
      expect.stringMatching(
        /^heartbeatMs 29500 is more than half of leaseMs 30000: .*Leave heartbeatMs out/,
      ),
    ]);
  });

  it('says nothing for a lease shorter than the time limits: the heartbeat renews it', async () => {
    const long = defineTask({
      name: 't.long',
      input: z.object({}),
      queue: QUEUE,
      timeout: 600_000,
      run: () => 1,
    });
    const harness = await workers.start([long], { leaseMs: 5_000, defaultTimeout: 3_600_000 });
    await harness.stop({ graceMs: 0 });
    expect(harness.logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('warns for a queue that none of the tasks names', async () => {
    const logged = await warnings({ queues: [QUEUE, 'no-such-queue'] });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ queue: 'no-such-queue', taskQueues: [QUEUE] });
    expect(logged[0]?.message).toBe(
      `queue "no-such-queue" is named by none of this worker's tasks (they use ${QUEUE}): only jobs sent there with enqueue's queue option run here, and a job there of a task this worker lacks is dead-lettered as unknown. Check the queue names, or the tasks module.`,
    );
  });

  it('names the nearest task queue of a misspelt one', async () => {
    const logged = await warnings({ queues: [QUEUE, 'wrok'] });
    expect(logged.map((line) => line.message)).toEqual([
      `queue "wrok" is named by none of this worker's tasks (they use ${QUEUE}; did you mean ${QUEUE}?): only jobs sent there with enqueue's queue option run here, and a job there of a task this worker lacks is dead-lettered as unknown. Check the queue names, or the tasks module.`,
    ]);
  });

  it('says nothing for the defaults', async () => {
    expect(await warnings({})).toEqual([]);
  });
});
