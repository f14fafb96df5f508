import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { JOB_FORMAT_VERSION, parseFixed } from '../src/wire/job-hash.js';
import { usePrivateRedis } from './helpers/private-redis.js';
import { untilRedisTimePasses } from './helpers/util.js';

// Every job is stored with its job format version, at the start of `d`
// (`<version><priority>|<maxAttempts>|<enqueuedAt>|<offset>|<task>`; see the README's "Job
// hash" table). Jobs stored before the version was have none and read as version 1; a
// version this package does not know is refused with INVALID_ENVELOPE (a listing shows it
// as a row whose error says so).

const { transport, admin } = usePrivateRedis();
const jobKey = (queue: string, unique: string) => `conveyor:{${queue}}:j:${unique}`;
const uniqueOfId = (id: string) => id.slice(id.indexOf(':') + 1);
const reserveAll = (queue: string, leaseMs = 10_000) =>
  transport().reserve({ queues: [queue], max: 10, leaseMs, consumer: 'c' });

/** Writes a job hash behind the scripts' back, as an older or newer release would. */
async function storeRaw(queue: string, fixed: string, priority: number): Promise<string> {
  const unique = `raw${Math.random().toString(36).slice(2, 10)}`;
  await admin().hset(jobKey(queue, unique), 's', 'w', 'd', fixed, 'i', '{"raw":true}');
  await admin().rpush(`conveyor:{${queue}}:w${priority}`, unique);
  return `${queue}:${unique}`;
}

describe('the job format version in Redis', () => {
  it('stores the version before the priority in d', async () => {
    const queue = uniqueQueue('format-stored');
    const envelope = makeEnvelope(queue, { priority: 7, maxAttempts: 2, task: 'a|b:c' });
    await transport().enqueue([{ envelope }]);
    // A waiting job is packed: `<d> <input>` in the queue's hash of packed jobs.
    const packed = await admin().hget(`conveyor:{${queue}}:j:`, uniqueOfId(envelope.id));
    const fixed = packed?.slice(0, packed.indexOf(' '));
    expect(fixed).toMatch(new RegExp(`^${JOB_FORMAT_VERSION}7\\|2\\|\\d+\\|-?\\d+\\|a\\|b:c$`));
    expect(parseFixed(fixed)).toMatchObject({
      version: String(JOB_FORMAT_VERSION),
      priority: 7,
      maxAttempts: 2,
      task: 'a|b:c',
    });
    // Scripts read the priority out of d: a released job goes back to its own list.
    const [job] = await reserveAll(queue);
    expect(job?.envelope).toEqual({ ...envelope, attempt: 1 });
    await transport().settle([{ type: 'release', id: envelope.id, token: job?.token ?? '' }]);
    expect(await admin().lrange(`conveyor:{${queue}}:w7`, 0, -1)).toEqual([
      uniqueOfId(envelope.id),
    ]);
  });

  it('reads jobs stored without a version as the current version', async () => {
    const queue = uniqueQueue('format-legacy');
    const enqueuedAt = Date.now();
    const id = await storeRaw(queue, `7|1|${enqueuedAt}|5|legacy|task`, 7);
    const expected = {
      v: 1,
      id,
      task: 'legacy|task',
      queue,
      input: { raw: true },
      maxAttempts: 1,
      priority: 7,
      enqueuedAt: enqueuedAt - 5,
    };
    expect((await transport().getJob(id))?.envelope).toEqual({ ...expected, attempt: 0 });
    const [job] = await reserveAll(queue, 50);
    expect(job?.envelope).toEqual({ ...expected, attempt: 1 });
    // The lease runs out on the last of maxAttempts (1, read out of the old d): dead.
    await untilRedisTimePasses(admin(), job?.leaseExpiresAt ?? 0);
    const record = await transport().getJob(id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'LEASE_EXPIRED' } });
    expect(record?.error?.message).toContain('attempt 1 of 1');
    const page = await transport().admin.listDead(queue);
    expect(page.jobs.map((dead) => dead.envelope)).toEqual([{ ...expected, attempt: 0 }]);
  });

  it('dead-letters a job of an unknown version at reserve, naming both versions', async () => {
    const queue = uniqueQueue('format-newer');
    const before = makeEnvelope(queue);
    await transport().enqueue([{ envelope: before }]);
    const newer = await storeRaw(queue, `95|3|${Date.now()}|0|t`, 5);
    const after = makeEnvelope(queue);
    await transport().enqueue([{ envelope: after }]);
    // The jobs around it are delivered; it is not, and it does not stay in the way.
    const reserved = await reserveAll(queue);
    expect(reserved.map((job) => job.envelope.id)).toEqual([before.id, after.id]);
    expect(await admin().llen(`conveyor:{${queue}}:w5`)).toBe(0);
    const stored = await admin().hmget(jobKey(queue, uniqueOfId(newer)), 's', 'e');
    expect(stored[0]).toBe('x');
    const error = JSON.parse(stored[1] ?? '{}') as { code?: string; message?: string };
    expect(error.code).toBe('INVALID_ENVELOPE');
    expect(error.message).toContain('job format version "9"');
    expect(error.message).toContain(`reads version ${JOB_FORMAT_VERSION} only`);
    expect(error.message).toContain('Upgrade @conveyor/redis');
  });

  it('refuses a job of an unknown version in getJob; listDead shows it as a row saying why', async () => {
    const queue = uniqueQueue('format-read');
    const newer = await storeRaw(queue, `25|3|${Date.now()}|0|t`, 5);
    await expect(transport().getJob(newer)).rejects.toMatchObject({
      code: 'INVALID_ENVELOPE',
      message: expect.stringContaining('version "2"'),
    });
    await admin().hset(jobKey(queue, uniqueOfId(newer)), 's', 'x');
    await admin().zadd(`conveyor:{${queue}}:dead`, 1, uniqueOfId(newer));
    const page = await transport().admin.listDead(queue);
    expect(page).toMatchObject({
      total: 1,
      jobs: [{ id: newer, envelope: { task: '' }, error: { code: 'INVALID_ENVELOPE' } }],
    });
  });

  it('refuses to enqueue an envelope of another version', async () => {
    const queue = uniqueQueue('format-write');
    const envelope = { ...makeEnvelope(queue), v: 2 } as unknown as ReturnType<typeof makeEnvelope>;
    await expect(transport().enqueue([{ envelope }])).rejects.toMatchObject({
      code: 'INVALID_ENVELOPE',
      message: expect.stringContaining('envelope version 2'),
    });
    expect(await admin().exists(jobKey(queue, uniqueOfId(envelope.id)))).toBe(0);
  });
});
