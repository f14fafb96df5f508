import type { JobEnvelope } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { untilRedisTimePasses } from './helpers/util.js';

const { transport, admin } = usePrivateRedis();

/** Enqueues `count` jobs with the envelope's `overrides` and dead-letters them in one settle. */
async function buryMany(
  t: RedisTransport,
  queue: string,
  count: number,
  overrides: Partial<JobEnvelope> = {},
): Promise<string[]> {
  const envelopes = Array.from({ length: count }, (_, index) =>
    makeEnvelope(queue, { input: { index }, ...overrides }),
  );
  await t.enqueue(envelopes.map((envelope) => ({ envelope })));
  const jobs = await t.reserve({ queues: [queue], max: count, leaseMs: 60_000, consumer: 'c' });
  expect(jobs).toHaveLength(count);
  const error = { name: 'Error', message: 'dead' };
  const statuses = await t.settle(
    jobs.map((job) => ({
      type: 'fail' as const,
      id: job.envelope.id,
      token: job.token,
      error,
      deadLetter: true,
    })),
  );
  expect(new Set(statuses)).toEqual(new Set(['ok']));
  return envelopes.map((envelope) => envelope.id);
}

describe('retryDead on Redis', () => {
  it('retries every other dead job behind more than a batch of workflow step jobs', async () => {
    const t = transport();
    const queue = uniqueQueue('dead-steps-first');
    const workflow = { id: 'wf-many-steps', step: 'notify', kind: 'run' } as const;
    // More step jobs than one call of retry-dead.lua looks at (1,000), all older than the rest.
    const steps = await buryMany(t, queue, 1_005, { workflow });
    const [seconds, micros] = await admin().time();
    await untilRedisTimePasses(admin(), Number(seconds) * 1_000 + Number(micros) / 1_000 + 1);
    const plain = await buryMany(t, queue, 3);
    expect(await t.admin.retryDead(queue)).toBe(3);
    const left = await t.admin.listDead(queue, { limit: 2_000 });
    expect(left.total).toBe(steps.length);
    expect(new Set(left.jobs.map((job) => job.id))).toEqual(new Set(steps));
    const again = await t.reserve({ queues: [queue], max: 10, leaseMs: 60_000, consumer: 'c' });
    expect(again.map((job) => job.envelope.id).sort()).toEqual([...plain].sort());
  });
});
