// An enqueueMany whose Redis dies part-way: the error of the batch that failed says which
// inputs were stored (with their handles) and which never sent, so that finishing the call
// stores each input once. A private redis-server, killed and restarted by this file.

import {
  ConveyorError,
  createClient,
  defineTask,
  type EnqueueRequest,
  silentLogger,
} from '@conveyor/core';
import { uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';

const servers: RedisServer[] = [];
const transports: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** Any object with a number `n`; a Standard Schema of its own, so as to need no zod here. */
const echo = defineTask({
  name: 'test.echo',
  input: {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value: unknown) => ({ value: value as { n: number } }),
    },
  },
  run: ({ n }: { n: number }) => n,
});

function inputOf(input: unknown): number {
  return (input as { n?: number } | undefined)?.n ?? -1;
}

describe('enqueueMany when Redis goes down between batches', () => {
  it('names the stored inputs and the first unsent one, and finishing the call stores each once', async () => {
    const server = await startRedis({ appendfsync: 'always' });
    servers.push(server);
    const redis = redisTransport({ url: server.url, logger: silentLogger });
    transports.push(redis);
    const queue = uniqueQueue('many-outage');
    // Redis is killed as the third batch (inputs 4 and 5) goes out.
    let calls = 0;
    const transport = {
      ...redis,
      async enqueue(requests: readonly EnqueueRequest[]) {
        if (calls++ === 2) await server.kill('SIGKILL');
        return redis.enqueue(requests);
      },
    };
    const client = createClient({ transport, batchSize: 2, logger: silentLogger });
    const inputs = Array.from({ length: 9 }, (_, n) => ({ n }));

    const error = await client.enqueueMany(echo, inputs, { queue }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConveyorError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', failure: 'CONNECTION' });
    const progress = (error as ConveyorError).enqueueMany;
    if (!progress) throw new Error('no enqueueMany on the error');
    expect(progress).toMatchObject({ count: 9, notSentFrom: 6, uncertain: { from: 4, to: 6 } });
    expect((error as Error).message).toContain('inputs.slice(6)');

    await server.restart();
    // The acknowledged batches survived kill -9 (appendfsync always); their handles find them.
    const stored = await Promise.all(progress.stored.map((handle) => handle.info()));
    expect(stored.map((record) => inputOf(record?.envelope.input))).toEqual([0, 1, 2, 3]);

    // As the message says: look the failed batch up, send again what is missing, then the rest.
    const { from, ids } = progress.uncertain;
    const missing = [];
    for (const [offset, id] of ids.entries()) {
      if ((await client.getJob(id)) === null) missing.push(inputs[from + offset]);
    }
    await client.enqueueMany(echo, [...missing, ...inputs.slice(progress.notSentFrom)], {
      queue,
    });
    const page = await redis.admin.listJobs(queue, { state: 'waiting', limit: 100 });
    const sent = page.jobs.map((job) => inputOf(job.envelope.input));
    expect(sent.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
