import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { partitionNames } from '@conveyor/core/transport';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { markerKey } from '../src/keys.js';
import { defineScripts } from '../src/scripts.js';
import { usePrivateRedis } from './helpers/private-redis.js';

const redis = usePrivateRedis();
const opened: Array<{ transport: RedisTransport; client: Redis }> = [];
afterEach(async () => {
  for (const { transport, client } of opened.splice(0)) {
    await transport.close();
    client.disconnect();
  }
});

type ScriptCall = (keys: string[], ...args: unknown[]) => Promise<unknown>;

/** A transport whose reserve script calls are recorded, by the partition they went to. */
function countedTransport(names: readonly string[]): {
  transport: RedisTransport;
  calls: string[];
} {
  const client = new Redis(redis.url());
  const transport = redisTransport({ client, logger: silentLogger });
  opened.push({ transport, client });
  const byMarker = new Map(names.map((name) => [markerKey('conveyor', name), name]));
  const calls: string[] = [];
  // The transport defines a script on the client at its first run and then looks the
  // command up on each call: defined here first, it is wrapped.
  defineScripts(client);
  const commands = client as unknown as Record<string, ScriptCall>;
  const reserve = commands.conveyor_reserve as ScriptCall;
  commands.conveyor_reserve = function (this: Redis, keys, ...args) {
    calls.push(byMarker.get(keys[13] as string) ?? 'other');
    return reserve.call(this, keys, ...args);
  };
  return { transport, calls };
}

const blocked = async () =>
  Number(/blocked_clients:(\d+)/.exec(await redis.admin().info('clients'))?.[1] ?? 0);

const reserveFrom = (transport: RedisTransport, queues: readonly string[], waitMs: number) =>
  transport.reserve({ queues: [...queues], max: 5, leaseMs: 30_000, waitMs, consumer: 'test' });

describe('reserving from the partitions of a queue', () => {
  it('an idle queue costs one reserve call per wake-up, not one per partition', async () => {
    const names = partitionNames(uniqueQueue('idle'), 8);
    const { transport, calls } = countedTransport(names);
    const producer = redis.transport();

    const first = reserveFrom(transport, names, 20_000);
    await expect.poll(blocked, { timeout: 10_000 }).toBe(1);
    // The first look goes to every partition.
    expect([...calls].sort()).toEqual([...names].sort());
    calls.length = 0;
    const job = makeEnvelope(names[5] as string);
    await producer.enqueue([{ envelope: job }]);
    expect((await first).map((got) => got.envelope.id)).toEqual([job.id]);
    expect(calls).toEqual([names[5]]);

    // The next reserve (a worker's next call) skips the partitions that were empty.
    calls.length = 0;
    const second = reserveFrom(transport, names, 20_000);
    await expect.poll(blocked, { timeout: 10_000 }).toBe(1);
    expect(calls.every((name) => name === names[5])).toBe(true);
    calls.length = 0;
    const next = makeEnvelope(names[2] as string);
    await producer.enqueue([{ envelope: next }]);
    expect((await second).map((got) => got.envelope.id)).toEqual([next.id]);
    expect(calls).toEqual([names[2]]);
  });

  it('a busy queue costs one reserve call per reserve', async () => {
    const names = partitionNames(uniqueQueue('busy'), 4);
    const { transport, calls } = countedTransport(names);
    for (const name of names) {
      await transport.enqueue(Array.from({ length: 10 }, () => ({ envelope: makeEnvelope(name) })));
    }
    for (let round = 0; round < 6; round++) {
      // Rotated between calls, as the worker's fetcher does.
      const order = [...names.slice(round % 4), ...names.slice(0, round % 4)];
      calls.length = 0;
      expect(await reserveFrom(transport, order, 5_000)).toHaveLength(5);
      expect(calls).toEqual([order[0]]);
    }
  });

  it("a busy worker looks at a quiet partition again soon: one partition's backlog does not hold up another's job", async () => {
    const names = partitionNames(uniqueQueue('busy-quiet'), 3);
    const { transport } = countedTransport(names);
    const backlog = 2_000;
    await transport.enqueue(
      Array.from({ length: backlog }, () => ({ envelope: makeEnvelope(names[0] as string) })),
    );
    // Partitions 1 and 2 answer nothing: quiet. Partition 0 keeps the worker busy, so it
    // never blocks and never sees partition 1's marker when a job arrives there.
    const first = await reserveFrom(transport, [names[1], names[2], names[0]] as string[], 5_000);
    expect(first).toHaveLength(5);
    const job = makeEnvelope(names[1] as string);
    await redis.transport().enqueue([{ envelope: job }]);
    let fromBacklog = first.length;
    for (let round = 0; ; round++) {
      // One job per reserve, the order rotated between calls, as the worker's fetcher does.
      const order = [...names.slice(round % 3), ...names.slice(0, round % 3)];
      const [got] = await transport.reserve({
        queues: order,
        max: 1,
        leaseMs: 60_000,
        consumer: 'c',
        waitMs: 5_000,
      });
      if (got?.envelope.id === job.id) break;
      fromBacklog++;
      // Skipped for as long as a quiet partition is, it would come after the whole backlog.
      expect(fromBacklog).toBeLessThan(backlog);
    }
  });

  it('a reserve that does not wait looks at every partition, quiet or not', async () => {
    const names = partitionNames(uniqueQueue('nowait'), 4);
    const { transport } = countedTransport(names);
    // A waiting reserve that found nothing: every partition is quiet now.
    expect(await reserveFrom(transport, names, 30)).toEqual([]);
    const job = makeEnvelope(names[3] as string);
    await redis.transport().enqueue([{ envelope: job }]);
    expect((await reserveFrom(transport, names, 0)).map((got) => got.envelope.id)).toEqual([
      job.id,
    ]);
  });

  it('a job delayed on a quiet partition is delivered when it comes due', async () => {
    const names = partitionNames(uniqueQueue('delayed'), 4);
    const { transport } = countedTransport(names);
    const waiting = reserveFrom(transport, names, 20_000);
    await expect.poll(blocked, { timeout: 10_000 }).toBe(1);
    const job = makeEnvelope(names[1] as string);
    await redis.transport().enqueue([{ envelope: job, delayMs: 300 }]);
    expect((await waiting).map((got) => got.envelope.id)).toEqual([job.id]);
  });
});
