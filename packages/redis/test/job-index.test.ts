import { INDEX_LIMITS } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { luaScript } from '../src/scripts.js';
import { encodeIndexEntries } from '../src/wire/enqueue-calls.js';
import { usePrivateRedis } from './helpers/private-redis.js';

const { transport, admin } = usePrivateRedis();

const TASK = 'shop.sendReceipt';
const indexKey = (queue: string, field: string, value: string) =>
  `conveyor:{${queue}}:x:${TASK.length}:${TASK}:${field.length}:${field}:${value}`;

describe('the input-field index on Redis', () => {
  it('keeps the limits core declares', () => {
    const lua = luaScript('enqueue');
    expect(lua).toContain(`local INDEX_PER_VALUE = ${INDEX_LIMITS.perValue}\n`);
    expect(lua).toContain(`local INDEX_TTL_MS = '${INDEX_LIMITS.ttlMs}'\n`);
    expect(encodeIndexEntries([{ field: 'a.b', value: 'é:1' }])).toBe('3:a.b4:é:1');
  });

  it('writes one ZSET per value, with a TTL, in the enqueue, and lists the fields', async () => {
    const t = transport();
    const queue = uniqueQueue('index-write');
    const jobs = ['c-1', 'c-2', 'c-1'].map((customer) => ({
      envelope: makeEnvelope(queue, { task: TASK, input: { customer } }),
      index: [
        { field: 'customer', value: customer },
        { field: 'note', value: 'a b|c:d' },
      ],
    }));
    // One without entries, in the same call: it joins no index.
    const plain = makeEnvelope(queue, { task: TASK, input: { customer: 'c-1' } });
    await t.enqueue([...jobs, { envelope: plain }]);
    const redis = admin();
    const members = await redis.zrange(indexKey(queue, 'customer', 'c-1'), '0', '-1');
    expect(members.sort()).toEqual(
      [jobs[0], jobs[2]].map((job) => job?.envelope.id.slice(queue.length + 1)).sort(),
    );
    const ttl = await redis.pttl(indexKey(queue, 'customer', 'c-1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(INDEX_LIMITS.ttlMs);
    expect(await redis.zcard(indexKey(queue, 'note', 'a b|c:d'))).toBe(3);
    expect(await t.admin.indexedFields(queue)).toEqual([
      { task: TASK, field: 'customer' },
      { task: TASK, field: 'note' },
    ]);
    const found = await t.admin.findByIndex(queue, { task: TASK, field: 'customer', value: 'c-1' });
    expect(found.jobs.map((job) => job.id).sort()).toEqual(
      [jobs[0], jobs[2]].map((job) => job?.envelope.id).sort(),
    );
    expect(
      await t.admin.findByIndex(queue, { task: 'other.task', field: 'customer', value: 'c-1' }),
    ).toEqual({ jobs: [] });
  });

  it('skips jobs that are gone and removes them from the index', async () => {
    const t = transport();
    const queue = uniqueQueue('index-gone');
    const jobs = Array.from({ length: 6 }, () => ({
      envelope: makeEnvelope(queue, { task: TASK }),
      index: [{ field: 'customer', value: 'c-9' }],
    }));
    await t.enqueue(jobs);
    const redis = admin();
    const gone = jobs.filter((_, index) => index % 2 === 0).map((job) => job.envelope.id);
    // The jobs are packed: fields of the queue's hash of packed jobs, not keys of their own.
    await redis.hdel(`conveyor:{${queue}}:j:`, ...gone.map((id) => id.slice(queue.length + 1)));
    const search = { task: TASK, field: 'customer', value: 'c-9' };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.admin.findByIndex(queue, {
        ...search,
        limit: 1,
        ...(cursor && { cursor }),
      });
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.next;
    } while (cursor !== undefined);
    const kept = jobs.map((job) => job.envelope.id).filter((id) => !gone.includes(id));
    expect(seen.sort()).toEqual(kept.sort());
    expect(await redis.zcard(indexKey(queue, 'customer', 'c-9'))).toBe(kept.length);
  });

  it('keeps the newest jobs per value', async () => {
    const t = transport();
    const queue = uniqueQueue('index-bound');
    const redis = admin();
    const key = indexKey(queue, 'customer', 'busy');
    // Stand-ins for older entries, one over the bound: the next enqueue trims the oldest.
    const old = Array.from({ length: INDEX_LIMITS.perValue }, (_, n) => [
      String(n + 1),
      `old-${n}`,
    ]);
    await redis.zadd(key, ...old.flat());
    const job = makeEnvelope(queue, { task: TASK });
    await t.enqueue([{ envelope: job, index: [{ field: 'customer', value: 'busy' }] }]);
    expect(await redis.zcard(key)).toBe(INDEX_LIMITS.perValue);
    expect(await redis.zscore(key, 'old-0')).toBeNull();
    expect(await redis.zrevrange(key, 0, 0)).toEqual([job.id.slice(queue.length + 1)]);
  });
});
