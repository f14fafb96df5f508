import { createClient, defineTask, type Reservation, silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { partitionNames } from '@conveyor/core/transport';
import { type RedisCluster, sendCommand, startRedisCluster } from '@conveyor/test-redis';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueHashTag, queueSlot, type RedisTransport, redisTransport } from '../src/index.js';

// One private 3-master cluster for the file, its slots split evenly by `redis-cli --cluster create`.
let cluster: RedisCluster;
const clients: Cluster[] = [];
const transports: RedisTransport[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  for (const client of clients.splice(0)) client.disconnect();
});
afterAll(async () => {
  await cluster?.stop();
});

function clusterClient(): Cluster {
  const client = new Cluster(cluster.startupNodes, {
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 10 },
  });
  clients.push(client);
  return client;
}

function open(): RedisTransport {
  const transport = redisTransport({ client: clusterClient(), logger: silentLogger });
  transports.push(transport);
  return transport;
}

/** Port of the master serving each slot, read from CLUSTER SLOTS. */
async function masterOfSlot(): Promise<(slot: number) => number> {
  const reply = await clusterClient().cluster('SLOTS');
  return (slot) => {
    const range = reply.find(([first, last]) => slot >= first && slot <= last);
    if (!range?.[2]) throw new Error(`slot ${slot} is not served`);
    return range[2][1];
  };
}

/** Keys matching `pattern` on one node (a private cluster: only this file's keys). */
async function keysOn(port: number, pattern: string): Promise<string[]> {
  const node = new Redis(port, { lazyConnect: true });
  try {
    return await node.keys(pattern);
  } finally {
    node.disconnect();
  }
}

/** Clients blocked (BLPOP) on all the nodes together. */
async function blockedClients(): Promise<number> {
  const infos = await Promise.all(
    cluster.nodes.map((node) => sendCommand(node.port, ['INFO', 'clients'])),
  );
  return infos.reduce((sum, info) => sum + Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? 0), 0);
}

describe('partitions on a Redis Cluster', () => {
  it('compute the slots Redis computes', async () => {
    const probe = clusterClient();
    for (const name of [...partitionNames('emails', 8), ...partitionNames('a', 256)]) {
      const key = `conveyor:${queueHashTag(name)}:w5`;
      expect(await probe.cluster('KEYSLOT', key)).toBe(queueSlot(name));
    }
  });

  it('put the partitions of 3 on the three masters, and their jobs with them', async () => {
    const transport = open();
    const queue = uniqueQueue('spread');
    const names = partitionNames(queue, 3);
    const masterOf = await masterOfSlot();
    const masters = names.map((name) => masterOf(queueSlot(name)));
    expect(new Set(masters).size).toBe(3);
    for (const name of names) {
      await transport.enqueue([{ envelope: makeEnvelope(name) }, { envelope: makeEnvelope(name) }]);
    }
    // Every key of a partition is on its master, none on the others.
    for (const [p, name] of names.entries()) {
      for (const node of cluster.nodes) {
        const keys = await keysOn(node.port, `conveyor:{${name}~*`);
        if (node.port === masters[p]) expect(keys.length).toBeGreaterThanOrEqual(3);
        else expect(keys).toEqual([]);
      }
    }
  });

  it('spread 8 partitions over 3 masters as 3, 3 and 2', async () => {
    const masterOf = await masterOfSlot();
    const perMaster = new Map<number, number>();
    for (const name of partitionNames(uniqueQueue('eight'), 8)) {
      const master = masterOf(queueSlot(name));
      perMaster.set(master, (perMaster.get(master) ?? 0) + 1);
    }
    expect([...perMaster.values()].sort()).toEqual([2, 3, 3]);
  });

  it('wake a waiting reserve on all partitions for a job in any of them (one BLPOP per slot)', async () => {
    const producer = open();
    const worker = open();
    const names = partitionNames(uniqueQueue('pickup'), 3);
    // From the second round on the worker remembers the partitions as empty (quiet): the
    // marker alone must bring it back to the one that got a job.
    for (const name of [names[2], names[0], names[1]] as string[]) {
      const waiting = worker.reserve({
        queues: names,
        max: 5,
        leaseMs: 30_000,
        waitMs: 30_000,
        consumer: 'test',
      });
      // Enqueued once the reserve waits on every partition's marker, each on its master
      // (BLPOPs of an earlier wait that lost the race may still be blocked too).
      await expect.poll(blockedClients, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      const envelope = makeEnvelope(name);
      await producer.enqueue([{ envelope }]);
      const got = await waiting;
      expect(got.map((reservation) => reservation.envelope.id)).toEqual([envelope.id]);
    }
  });

  it('keep the order of jobs with the same partitionBy key', async () => {
    const transport = open();
    const queue = uniqueQueue('ordered');
    const anything = {
      '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
    } as const;
    const task = defineTask({
      name: 'shop.charge',
      queue: { name: queue, partitions: 3, partitionBy: 'customer' },
      input: anything,
      run: () => null,
    });
    const client = createClient({ transport });
    const customers = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'];
    const sent = new Map<string, string[]>();
    for (let step = 0; step < 10; step++) {
      for (const customer of customers) {
        const job = await client.enqueue(task, { customer, step });
        sent.set(customer, [...(sent.get(customer) ?? []), job.id]);
      }
    }
    // Every customer's jobs went to one partition.
    for (const ids of sent.values()) {
      expect(new Set(ids.map((id) => id.slice(0, id.indexOf(':')))).size).toBe(1);
    }
    // Reserved a few at a time, rotating over the partitions as a worker does.
    const names = partitionNames(queue, 3);
    const got: Reservation[] = [];
    for (let round = 0; got.length < 60; round++) {
      const order = [...names.slice(round % 3), ...names.slice(0, round % 3)];
      got.push(
        ...(await transport.reserve({ queues: order, max: 4, leaseMs: 30_000, consumer: 't' })),
      );
    }
    const received = new Map<string, string[]>();
    for (const { envelope } of got) {
      const customer = (envelope.input as { customer: string }).customer;
      received.set(customer, [...(received.get(customer) ?? []), envelope.id]);
    }
    expect(received).toEqual(sent);
  });
});
