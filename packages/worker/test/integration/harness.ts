import { type Client, createClient, type JobRecord } from '@conveyor/core';
import { FINAL_STATES } from '@conveyor/core/transport';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { createWorker, type Worker, type WorkerOptions } from '../../src/index.js';
import { spawnWorker, type WorkerProcess } from './processes.js';

export interface RedisWorkers {
  /** The broker's URL (once `beforeAll` has run). */
  url(): string;
  /** The producer's transport on the broker. */
  producer(): RedisTransport;
  /** A client on the producer's transport. */
  client(): Client;
  /** A plain connection to the broker, for writing keys behind the scripts' back. */
  admin(): Redis;
  /** The ledger: a second private Redis the jobs of processes write to (`{ ledger: true }`). */
  ledger(): Redis;
  /**
   * A worker in this process, with its own transport on the broker. Started in a test, it
   * is stopped (running jobs released) after that test; started in `beforeAll`, after all.
   */
  startWorker(options: Omit<WorkerOptions, 'transport'>): Worker;
  /** A real worker process (`worker-entry.ts`) on the broker and the ledger; killed after all. */
  spawnWorker(name: string, env?: Record<string, string | number>): WorkerProcess;
  /**
   * Waits (on the broker's notifications, not by polling) until every job is final, and
   * returns their records; rejects naming the jobs still unfinished after `timeoutMs`.
   */
  finished(ids: readonly string[], timeoutMs?: number): Promise<JobRecord[]>;
  /** `finished`, then expects every job completed. */
  completed(ids: readonly string[], timeoutMs?: number): Promise<JobRecord[]>;
}

interface Running {
  worker: Worker;
  transport: RedisTransport;
  running: Promise<void>;
}

/**
 * A private broker (and, with `ledger`, a private ledger Redis) for the calling file, with
 * a producer, in-process workers and worker processes that are all stopped for it, as
 * `usePrivateRedis` does for the Redis tests.
 *
 * @example
 * const redis = useRedisWorkers();
 * it('runs', async () => {
 *   redis.startWorker({ tasks, queues: [queue] });
 *   const [record] = await redis.finished([await enqueue()]);
 * });
 */
export function useRedisWorkers(options: { ledger?: boolean } = {}): RedisWorkers {
  let broker: RedisServer | undefined;
  let ledgerServer: RedisServer | undefined;
  let producer: RedisTransport | undefined;
  let client: Client | undefined;
  let admin: Redis | undefined;
  let ledger: Redis | undefined;
  let inTest = false;
  const forTest: Running[] = [];
  const forFile: Running[] = [];
  const processes: WorkerProcess[] = [];

  const stop = async (list: Running[]) => {
    await Promise.all(
      list.splice(0).map(async ({ worker, transport, running }) => {
        await worker.stop({ graceMs: 0 });
        await running;
        await transport.close();
      }),
    );
  };

  beforeAll(async () => {
    [broker, ledgerServer] = await Promise.all([
      startRedis(),
      options.ledger ? startRedis() : undefined,
    ]);
  });
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await stop(forTest);
  });
  afterAll(async () => {
    await stop(forFile);
    const killed = processes.splice(0);
    for (const worker of killed) worker.signal('SIGKILL');
    await Promise.all(killed.map((worker) => worker.exited));
    await client?.close();
    await producer?.close();
    admin?.disconnect();
    ledger?.disconnect();
    await Promise.all([broker?.stop(), ledgerServer?.stop()]);
  });

  const url = () => {
    if (!broker) throw new Error('useRedisWorkers: the broker starts in beforeAll');
    return broker.url;
  };
  const ledgerUrl = () => {
    if (!ledgerServer) throw new Error('useRedisWorkers: pass { ledger: true } for a ledger');
    return ledgerServer.url;
  };
  const producerTransport = () => {
    producer ??= redisTransport({ url: url() });
    return producer;
  };

  async function finished(ids: readonly string[], timeoutMs = 60_000): Promise<JobRecord[]> {
    const transport = producerTransport();
    const records = await Promise.all(ids.map((id) => transport.waitFor(id, { timeoutMs })));
    const unfinished = ids.flatMap((id, index) => {
      const record = records[index];
      return record && FINAL_STATES.has(record.state) ? [] : [`${id}: ${record?.state ?? 'gone'}`];
    });
    if (unfinished.length > 0) {
      throw new Error(`not final after ${timeoutMs} ms: ${unfinished.join(', ')}`);
    }
    return records as JobRecord[];
  }

  return {
    url,
    producer: producerTransport,
    client() {
      client ??= createClient({ transport: producerTransport() });
      return client;
    },
    admin() {
      admin ??= new Redis(url());
      return admin;
    },
    ledger() {
      ledger ??= new Redis(ledgerUrl());
      return ledger;
    },
    startWorker(workerOptions) {
      const transport = redisTransport({ url: url() });
      const worker = createWorker({ transport, ...workerOptions });
      (inTest ? forTest : forFile).push({ worker, transport, running: worker.start() });
      return worker;
    },
    spawnWorker(name, env = {}) {
      const worker = spawnWorker(name, {
        CONVEYOR_TEST_REDIS: url(),
        ...(ledgerServer && { CONVEYOR_TEST_LEDGER: ledgerServer.url }),
        ...env,
      });
      processes.push(worker);
      return worker;
    },
    finished,
    async completed(ids, timeoutMs) {
      const records = await finished(ids, timeoutMs);
      expect(records.map((record) => record.state)).toEqual(ids.map(() => 'completed'));
      return records;
    },
  };
}
