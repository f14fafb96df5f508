import { silentLogger } from '@conveyor/core';
import { uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, RedisTransportError, redisTransport } from '../src/index.js';
import { enqueueMany } from './helpers/util.js';

let server: RedisServer | undefined;
let transport: RedisTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.stop();
  server = transport = undefined;
});

describe('a Redis that goes away while the transport runs', () => {
  it('fails each call with CONNECTION, naming the Redis it could not reach', async () => {
    server = await startRedis();
    transport = redisTransport({ url: server.url, logger: silentLogger });
    const queue = uniqueQueue('gone');
    await enqueueMany(transport, queue, 1); // connected and working
    await server.kill('SIGKILL');

    const endpoint = `127.0.0.1:${server.port}`;
    const failures = await Promise.all([
      enqueueMany(transport, queue, 1).then(
        () => undefined,
        (error: unknown) => error,
      ),
      transport.admin.listQueues().then(
        () => undefined,
        (error: unknown) => error,
      ),
    ]);
    for (const [failure, operation] of [
      [failures[0], 'enqueue-one'],
      [failures[1], 'list-queues'],
    ] as const) {
      expect(failure).toBeInstanceOf(RedisTransportError);
      expect(failure).toMatchObject({ failure: 'CONNECTION', operation, endpoint });
      expect((failure as Error).message).toContain(
        `${operation} at ${endpoint} failed (CONNECTION)`,
      );
      expect((failure as Error).message).toContain('Redis could not be reached');
    }
  });
});
