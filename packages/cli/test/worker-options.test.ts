// `conveyor worker`'s options reach where they act: --result-ttl-ms and --max-finished the
// Redis transport, --time-limit and --max-payload-bytes the worker, and the worker's logger
// the transport's warnings. In-process, on a private Redis whose maxmemory-policy evicts.
import { createTaskRegistry, type JobRecord, silentLogger } from '@conveyor/core';
import { FINAL_STATES } from '@conveyor/core/transport';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWorker } from '../src/commands/worker.js';
import {
  partitionWarnings,
  planWorker,
  type WorkerCommandOptions,
} from '../src/commands/worker-plan.js';
import type { TransportSource } from '../src/transport-source.js';
import { boom, echo } from './fixtures/tasks.js';
import { untilAborted } from './fixtures/until-aborted.js';
import { type CliProcess, producer, startCli, TASKS, uniquePrefix, WAIT_MS } from './helpers.js';

const HOUR_MS = 3_600_000;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
});
afterAll(async () => {
  await redis?.stop();
});

describe('partitionWarnings', () => {
  it('warns of a --partitions queue neither the tasks nor --queues name', () => {
    const registry = createTaskRegistry([echo]);
    const [typo] = partitionWarnings({ 'cli-ecoh': 4 }, registry);
    expect(typo).toContain('queue "cli-ecoh" is named by none of this worker\'s tasks');
    expect(typo).toContain('did you mean cli-echo?');
    // A queue the worker reads by --queues (jobs routed there with enqueue's queue option)
    // is no typo: it was warned of as one.
    expect(partitionWarnings({ bulk: 4 }, registry, ['bulk', 'cli-echo'])).toEqual([]);
    expect(partitionWarnings({ 'cli-echo': 4 }, registry)).toEqual([]);
  });
});

describe('conveyor worker: duration options', () => {
  it('refuse a value they cannot read before connecting, saying both forms', async () => {
    const run = await startCli(['worker', '--tasks', TASKS, '--time-limit', '30 minutes']).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'Invalid --time-limit "30 minutes": expected a whole number of milliseconds (0 or more), or a number with a unit: ms, s, m, h or d (e.g. 1500, 30s, 5m, 1h).',
    );
    const wait = await startCli(['worker', '--tasks', TASKS, '--wait-for-broker', '90ms']).done;
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain('expected a whole number of seconds: it is 0.09.');
  });

  it('refuse a CONVEYOR_LOG_FORMAT they do not know, before connecting', async () => {
    const run = await startCli(['worker', '--tasks', TASKS], {
      env: { CONVEYOR_LOG_FORMAT: 'pretty' },
    }).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CONVEYOR_LOG_FORMAT is "pretty": expected json or text');
  });
});

describe('planWorker', () => {
  it('maps the flags onto the transport retention and createWorker options', () => {
    const registry = createTaskRegistry([echo]);
    const options: WorkerCommandOptions = {
      resultTtlMs: HOUR_MS,
      maxFinished: 0,
      timeLimit: 2_000,
      maxPayloadBytes: 10,
      maxWorkflowChildren: 50_000,
      logLevel: 'info',
    };
    const plan = planWorker(options, { registry, schedules: [], workflows: [], file: '/t.ts' });
    expect(plan.retention).toEqual({ defaultResultTtlMs: HOUR_MS, maxFinishedPerQueue: 0 });
    expect(plan.worker).toEqual({
      tasks: registry,
      defaultTimeout: 2_000,
      maxPayloadBytes: 10,
      maxWorkflowChildren: 50_000,
    });
  });

  it('refuses, naming the flag, a heartbeat no shorter than the lease and an empty worker id', () => {
    const tasks = {
      registry: createTaskRegistry([echo]),
      schedules: [],
      workflows: [],
      file: '/t.ts',
    };
    const plan = (options: Partial<WorkerCommandOptions>) =>
      planWorker({ logLevel: 'info', ...options }, tasks);
    expect(() => plan({ heartbeatMs: 999_999 })).toThrow(
      'Invalid --heartbeat-ms 999999: expected less than the lease (default 30000 ms)',
    );
    expect(() => plan({ leaseMs: 5_000, heartbeatMs: 5_000 })).toThrow(
      'Invalid --heartbeat-ms 5000: expected less than the lease (--lease-ms 5000 ms)',
    );
    expect(() => plan({ workerId: '' })).toThrow('Invalid --worker-id "": expected a non-empty id');
    expect(plan({ leaseMs: 5_000, heartbeatMs: 4_999 }).worker).toMatchObject({
      heartbeatMs: 4_999,
    });
  });
});

describe('conveyor worker: options reach the transport and the worker', () => {
  const prefix = uniquePrefix();
  const controller = new AbortController();
  let worker: CliProcess | undefined;
  let env: ReturnType<typeof producer>;

  beforeAll(async () => {
    env = producer(redis.url, prefix);
    worker = startCli(
      [
        'worker',
        '--redis',
        redis.url,
        '--prefix',
        prefix,
        '--tasks',
        'test/fixtures/until-aborted.ts',
        // With units: the worker gets 3,600,000 and 2,000 ms, as the tests below find.
        '--result-ttl-ms',
        '1h',
        '--max-finished',
        '0',
        '--time-limit',
        '2s',
        '--max-payload-bytes',
        '10',
        '--log-level',
        'silent',
      ],
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(worker?.stderr()).toContain('Ready.'), {
      timeout: WAIT_MS,
      interval: 20,
    });
  });
  afterAll(async () => {
    controller.abort();
    const run = await worker?.done;
    await env?.close();
    expect(run?.code).toBe(0);
  });

  /** The job once it is in a final state (completed, failed, dead…). */
  async function final(id: string): Promise<JobRecord | null> {
    const finalState = new RegExp(`^(${[...FINAL_STATES].join('|')})$`);
    await expect
      .poll(async () => (await env.transport.getJob(id))?.state, { timeout: WAIT_MS })
      .toMatch(finalState);
    return env.transport.getJob(id);
  }

  it('--result-ttl-ms and --max-finished: a finished job expires by a key TTL of that length', async () => {
    const job = await env.client.enqueue(echo, { n: 1 });
    expect(await final(job.id)).toMatchObject({ state: 'completed', result: { n: 1 } });
    const raw = new Redis(redis.url);
    try {
      // --max-finished 0: no count bound, so the key has a TTL (-1 with the default bound),
      // of --result-ttl-ms (the default would be 24 h).
      const unique = job.id.slice('cli-echo'.length + 1);
      const ttl = await raw.pttl(`${prefix}:{cli-echo}:j:${unique}`);
      expect(ttl).toBeGreaterThan(HOUR_MS / 2);
      expect(ttl).toBeLessThanOrEqual(HOUR_MS);
    } finally {
      raw.disconnect();
    }
  });

  it('--time-limit: a run past it fails as TIME_LIMIT_EXCEEDED (the default is 30 min)', async () => {
    const job = await env.client.enqueue(untilAborted, {});
    const record = await final(job.id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'TIME_LIMIT_EXCEEDED' } });
    expect(record?.error?.message).toContain('2000');
  });

  it('--max-payload-bytes: a larger input is dead-lettered as PAYLOAD_TOO_LARGE without running', async () => {
    // {"n":123456789} is 15 bytes, over the 10 given; {"n":1} (7 bytes) ran above.
    const job = await env.client.enqueue(echo, { n: 123_456_789 });
    const record = await final(job.id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(record?.result).toBeUndefined();
  });
});

describe('conveyor worker --remove-on-complete', () => {
  it('deletes completed jobs of tasks that do not say, and keeps failed ones', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const controller = new AbortController();
    const argv = ['worker', '--redis', redis.url, '--prefix', prefix, '--tasks', TASKS];
    const worker = startCli([...argv, '--remove-on-complete', '--log-level', 'silent'], {
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(worker.stderr()).toContain('Ready.'), {
        timeout: WAIT_MS,
        interval: 20,
      });
      expect(worker.stderr()).toContain('completed    deleted at once');
      const done = await env.client.enqueue(echo, { n: 1 });
      const failed = await env.client.enqueue(boom, { reason: 'kept' });
      await expect
        .poll(async () => (await env.transport.getJob(failed.id))?.state, { timeout: WAIT_MS })
        .toMatch(/^(failed|dead)$/);
      // Told as the job completes, though no record is left (the record is kept without the flag).
      await expect(done.result()).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(await env.transport.getJob(done.id)).toBeNull();
    } finally {
      controller.abort();
      await env.close();
    }
    expect((await worker.done).code).toBe(0);
  });
});

describe('conveyor worker: an abort that comes before the worker starts', () => {
  it('stops it: the command ends with 0 instead of running on', async () => {
    const controller = new AbortController();
    controller.abort();
    const argv = ['worker', '--redis', redis.url, '--prefix', uniquePrefix(), '--tasks', TASKS];
    const run = await startCli(argv, { signal: controller.signal }).done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Stopped: 0 completed');
  });
});

describe('openWorker', () => {
  it("hands the worker's logger to the Redis transport: the eviction warning reaches it", async () => {
    const warn = vi.fn();
    const source: TransportSource = {
      kind: 'redis',
      settings: { url: redis.url, prefix: uniquePrefix(), source: '--redis' },
    };
    const plan = { retention: {}, worker: { tasks: [echo] }, sandboxed: false };
    const { connection } = await openWorker(source, plan, { ...silentLogger, warn });
    try {
      await expect.poll(() => warn.mock.calls.length, { timeout: WAIT_MS }).toBeGreaterThan(0);
      expect(warn.mock.calls[0]?.[1]).toMatch(
        /maxmemory-policy is "allkeys-lru", not "noeviction"/,
      );
    } finally {
      await connection.close();
    }
  });
});
