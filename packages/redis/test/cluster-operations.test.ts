import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisCluster, sendCommand, startRedisCluster } from '@conveyor/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { enqueueMany, recordingLogger } from './helpers/util.js';

// One private 3-master cluster for the file.
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

function open(options: Parameters<typeof redisTransport>[0] = {}): RedisTransport {
  const client = new Cluster(cluster.startupNodes, {
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 10 },
  });
  clients.push(client);
  const transport = redisTransport({ client, logger: silentLogger, ...options });
  transports.push(transport);
  return transport;
}

const onEveryNode = (...command: string[]) =>
  Promise.all(cluster.nodes.map((node) => sendCommand(node.port, command)));

describe('redis cluster', () => {
  it('warns once, naming the policy and what can be lost, when the masters may evict', async () => {
    await onEveryNode('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const logger = recordingLogger();
      const transport = open({ logger });
      await transport.getJob('q:nothing');
      await expect.poll(() => logger.warnings.length, { timeout: 10_000 }).toBeGreaterThan(0);
      // The one check reads every master before it warns: later calls add nothing.
      await transport.getJob('q:nothing');
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(
        /"allkeys-lru" on (127\.0\.0\.1:\d+(, )?){3}, not "noeviction"/,
      );
      expect(logger.warnings[0]).toMatch(/waiting and delayed jobs, the leases of running jobs/);
    } finally {
      await onEveryNode('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it("keeps idempotency claims in the queue's slot whatever the task and key hold", async () => {
    const transport = open();
    const queue = uniqueQueue('claim-slot');
    // Braces in the task or key must not move the claim: the queue's tag comes first.
    const keyed = () => makeEnvelope(queue, { task: 'a{b}', idempotencyKey: '{other}:1' });
    const first = keyed();
    const again = keyed();
    await transport.enqueue([{ envelope: first, inputFingerprint: 'f1' }]);
    expect(await transport.enqueue([{ envelope: again, inputFingerprint: 'f2' }])).toEqual([
      { id: first.id, duplicate: true, inputFingerprint: 'f1' },
    ]);
    const probe = new Cluster(cluster.startupNodes, { lazyConnect: true });
    clients.push(probe);
    const claim = `conveyor:{${queue}}:i:4:a{b}:{other}:1`;
    expect(await probe.cluster('KEYSLOT', claim)).toBe(
      await probe.cluster('KEYSLOT', `{${queue}}`),
    );
    expect(await probe.get(claim)).toBe(`f1 ${first.id.slice(queue.length + 1)}`);
  });

  it('fails with CLUSTER while a slot is not served, and a waiting reserve rides it out', async () => {
    const transport = open();
    const queue = uniqueQueue('slot-down');
    const [envelope] = await enqueueMany(transport, queue, 1);
    // The master serving the queue's slot stops serving it: ioredis follows MOVED replies
    // until it gives up ("Too many Cluster redirections").
    const probe = new Cluster(cluster.startupNodes, { lazyConnect: true });
    clients.push(probe);
    const slot = String(await probe.cluster('KEYSLOT', `{${queue}}`));
    const ranges = await probe.cluster('SLOTS');
    const owner = ranges.find(([from, to]) => from <= Number(slot) && Number(slot) <= to)?.[2]?.[1];
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
    expect(await sendCommand(owner, ['CLUSTER', 'DELSLOTS', slot])).toContain('OK');
    let restored = false;
    try {
      const reserving = transport.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 60_000,
        waitMs: 30_000,
        consumer: 'c',
      });
      // By the time a later call has failed, the reserve's first attempt has failed too.
      await expect(transport.getJob(envelope?.id ?? '')).rejects.toMatchObject({
        code: 'TRANSPORT_ERROR',
        failure: 'CLUSTER',
        message: expect.stringContaining('Too many Cluster redirections'),
      });
      expect(await sendCommand(owner, ['CLUSTER', 'ADDSLOTS', slot])).toContain('OK');
      restored = true;
      const jobs = await reserving;
      expect(jobs.map((job) => job.envelope.id)).toEqual([envelope?.id]);
    } finally {
      if (!restored) await sendCommand(owner, ['CLUSTER', 'ADDSLOTS', slot]);
    }
  });
});
