import { createClient, defineTask, silentLogger } from '@conveyor/core';
import {
  findFreePort,
  type RedisCluster,
  type RedisServer,
  sendCommand,
  startRedis,
  startRedisCluster,
} from '@conveyor/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTransport, RedisTransportError, redisTransport } from '../src/index.js';

// A transport on the wrong kind of Redis for its client must fail, at once or within the
// Cluster's connectTimeout, never hang. Each test's own timeout is below the 10 s default
// wait, so a hang (or a wait that ignores connectTimeout) fails it.
const clients: Cluster[] = [];
const transports: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  for (const client of clients.splice(0)) client.disconnect();
});

function onCluster(ports: number[], connectTimeout?: number): RedisTransport {
  const client = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { lazyConnect: true, redisOptions: connectTimeout === undefined ? {} : { connectTimeout } },
  );
  clients.push(client);
  return open({ client });
}

function open(options: Parameters<typeof redisTransport>[0]): RedisTransport {
  const transport = redisTransport({ ...options, logger: silentLogger });
  transports.push(transport);
  return transport;
}

const anything = {
  '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
} as const;
const task = defineTask({ name: 'mismatch.t', input: anything, queue: 'q', run: () => null });

/** The rejection of `promise`, which must reject. */
async function failureOf(promise: Promise<unknown>): Promise<RedisTransportError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RedisTransportError);
  return error as RedisTransportError;
}

describe('a Cluster client on nodes it cannot reach', () => {
  it('fails ready() and enqueue with CONNECTION within its connectTimeout, naming the nodes', async () => {
    const port = await findFreePort(); // nothing listens there
    // Long enough for the refused connection's "Connection is closed" to be heard first on a
    // busy machine: at 200 ms the timeout came before it (the message said "no answer yet").
    const transport = onCluster([port], 2_000);
    const error = await failureOf(transport.ready());
    expect(error.code).toBe('TRANSPORT_ERROR');
    expect(error.failure).toBe('CONNECTION');
    expect(error.endpoint).toBe(`the Cluster of 127.0.0.1:${port}`);
    expect(error.message).toContain(`127.0.0.1:${port}: Connection is closed`);
    expect(error.message).toContain('not ready within 2000 ms');
    expect(error.message).toContain(
      'Check that the startup nodes are nodes of a running Redis Cluster',
    );
    const enqueued = await failureOf(createClient({ transport }).enqueue(task, {}));
    expect(enqueued.failure).toBe('CONNECTION');
    expect(enqueued.operation).toBe('enqueue-one');
  }, 20_000);

  it('fails admin reads with CONNECTION within its connectTimeout too, not after ioredis gives up', async () => {
    const port = await findFreePort();
    const transport = onCluster([port], 200);
    const [queues, workers] = await Promise.all([
      failureOf(transport.admin.listQueues()),
      failureOf(transport.admin.listWorkers()),
    ]);
    for (const [error, operation] of [
      [queues, 'list-queues'],
      [workers, 'list-workers'],
    ] as const) {
      expect(error.failure).toBe('CONNECTION');
      expect(error.operation).toBe(operation);
      expect(error.endpoint).toBe(`the Cluster of 127.0.0.1:${port}`);
      expect(error.message).toContain('not ready within 200 ms');
    }
  }, 5_000);

  it('rejects a waiting ready() when the transport closes', async () => {
    const transport = onCluster([await findFreePort()]);
    const ready = failureOf(transport.ready());
    await transport.close();
    expect((await ready).message).toContain('closed before the Cluster was ready');
  }, 5_000);
});

describe('a Cluster client on a plain Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('fails ready() and enqueue at once, saying it is not a cluster and what to use', async () => {
    const transport = onCluster([redis.port]); // the default 10 s wait is not waited out
    const error = await failureOf(transport.ready());
    expect(error.failure).toBe('CLUSTER');
    expect(error.message).toContain(
      `127.0.0.1:${redis.port} is not a Redis Cluster node (ERR This instance has cluster support disabled)`,
    );
    expect(error.message).toContain(`redisTransport({ url: 'redis://127.0.0.1:${redis.port}' })`);
    const enqueued = await failureOf(createClient({ transport }).enqueue(task, {}));
    expect(enqueued.failure).toBe('CLUSTER');
  }, 5_000);
});

describe('a plain connection to a node of a Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const advice =
    'give the transport an ioredis Cluster client, redisTransport({ client: new Cluster([{ host, port }]) })';

  it('fails ready() with CLUSTER, saying to use a Cluster client', async () => {
    const node = cluster.nodes[0] as RedisServer;
    const error = await failureOf(open({ url: node.url }).ready());
    expect(error.failure).toBe('CLUSTER');
    expect(error.operation).toBe('ready');
    expect(error.message).toContain(
      `127.0.0.1:${node.port} is one node of a Redis Cluster of 3 masters`,
    );
    expect(error.message).toContain(advice);
  });

  it('says the same when an enqueue without ready() gets MOVED', async () => {
    const transport = open({ url: (cluster.nodes[0] as RedisServer).url });
    const client = createClient({ transport });
    // Of a dozen queues, some live in another node's slots.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) => client.enqueue(task, {}, { queue: `moved-${n}` })),
    );
    const moved = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as RedisTransportError] : [],
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const error of moved) {
      expect(error.failure).toBe('CLUSTER');
      expect(error.message).toMatch(/failed \(CLUSTER\): MOVED \d+ /);
      expect(error.message).toContain(advice);
      expect(error.message).not.toContain('down or resharding');
    }
  });

  it('lets a one-node cluster (every slot on it) through', async () => {
    const node = await startRedis({ cluster: true });
    try {
      await sendCommand(node.port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
      await expect(open({ url: node.url }).ready()).resolves.toBeUndefined();
    } finally {
      await Promise.all(transports.splice(0).map((transport) => transport.close()));
      await node.stop();
    }
  });
});
