import { createClient, type ScheduleSpec, scheduleJob, silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { scheduleJobId } from '@conveyor/core/transport';
import { describe, expect, it } from 'vitest';
import { fireArgs } from '../src/wire/enqueue-calls.js';
import { decodeScheduleMark, readUpsertReply } from '../src/wire/schedule-calls.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// What the conformance suite cannot see: the stored form of schedules (the README's key
// table), the registry of queues that `list()` reads, chunked upserts and unreadable data.

const { transport, admin } = usePrivateRedis();

const SLOT = 1_764_054_000_000;

function specOf(queue: string, id: string, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    id,
    queue,
    task: 'shop.report',
    every: 60_000,
    tz: 'UTC',
    input: { note: 'a b' },
    misfire: 'latest',
    overlap: 'allow',
    enabled: true,
    source: 'code',
    maxAttempts: 3,
    priority: 5,
    ...overrides,
  };
}

const specsKey = (queue: string) => `conveyor:{${queue}}:specs`;
const marksKey = (queue: string) => `conveyor:{${queue}}:sched`;

describe('schedules on Redis', () => {
  it("names a queue key of the wrong type that a schedule's firing meets, and how to clear it", async () => {
    const { schedules } = transport();
    const queue = uniqueQueue('sched-wrongtype');
    await schedules.upsert([specOf(queue, 'daily')]);
    const key = `conveyor:{${queue}}:w5`;
    await admin().set(key, 'garbage');
    const failed = await schedules
      .fire({
        scheduleId: 'daily',
        revision: 1,
        slotAt: SLOT,
        job: { envelope: makeEnvelope(queue, { task: 'shop.report', priority: 5 }) },
      })
      .then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    expect(failed?.message).toContain(
      `Key "${key}" of queue "${queue}" holds a string where Conveyor keeps a list`,
    );
    expect(failed?.message).toContain(`redis-cli DEL '${key}'`);
  });

  it("fires past a fence entry that is not one (written behind the scripts' back)", async () => {
    const { schedules } = transport();
    const queue = uniqueQueue('sched-badfence');
    await schedules.upsert([specOf(queue, 'daily')]);
    await admin().hset(`conveyor:{${queue}}:sched-fence`, 'daily', 'garbage');
    // The script once compared nil with nil here and failed every fire of the schedule.
    const fired = await schedules.fire({
      scheduleId: 'daily',
      revision: 1,
      slotAt: SLOT,
      job: { envelope: makeEnvelope(queue, { task: 'shop.report', priority: 5 }) },
    });
    expect(fired.jobId).toBeDefined();
  });

  it('stores a schedule and its mark under the queue’s hash tag, as the README says', async () => {
    const { schedules } = transport();
    const queue = uniqueQueue('sched-keys');
    await schedules.upsert([
      specOf(queue, 'daily', { overlap: 'skip' }),
      specOf(queue, 'idle', { enabled: false }),
    ]);
    const redis = admin();
    const stored = await redis.hget(specsKey(queue), 'daily');
    const { now } = await schedules.list([queue]);
    expect(stored).toMatch(/^1 \d+ 0 1 skip \{"id":"daily","queue":/);
    expect(JSON.parse(stored?.replace(/^(\S+ ){5}/, '') ?? '')).toEqual(
      specOf(queue, 'daily', { overlap: 'skip' }),
    );
    expect(await redis.hget(specsKey(queue), 'idle')).toMatch(/^1 \d+ 0 0 allow \{/);

    const { jobId } = await schedules.fire({
      scheduleId: 'daily',
      revision: 1,
      slotAt: SLOT,
      job: { envelope: makeEnvelope(queue, { task: 'shop.report' }) },
    });
    const unique = jobId.slice(queue.length + 1);
    const mark = await redis.hget(marksKey(queue), 'daily');
    expect(mark).toMatch(new RegExp(`^${SLOT} ${SLOT} \\d+ ${unique.replace('.', '\\.')}$`));
    // Fired at TIME: the job's fixed field has no offset back to a producer's time.
    // A packed job: `<d> <input>` in the queue's hash of packed jobs.
    const packed = await redis.hget(`conveyor:{${queue}}:j:`, unique);
    const fixed = packed?.slice(0, packed.indexOf(' '));
    expect(fixed).toMatch(/^15\|3\|\d+\|0\|shop\.report$/);

    await schedules.setPaused(queue, 'daily', true);
    expect(await redis.hget(specsKey(queue), 'daily')).toMatch(/^1 \d+ 1 1 skip \{/);
    await schedules.upsert([
      specOf(queue, 'daily'),
      specOf(queue, 'idle', { input: 2, enabled: false }),
    ]);
    const changed = await redis.hget(specsKey(queue), 'daily');
    expect(changed).toMatch(/^2 \d+ 1 1 allow \{/);
    const changedAt = changed?.split(' ')[1];
    expect(Number(changedAt)).toBeGreaterThanOrEqual(now);
    // A change of anything but the timing keeps the mark, or its absence [S8a].
    expect(await redis.hget(marksKey(queue), 'daily')).toBe(mark);
    expect(await redis.hexists(marksKey(queue), 'idle')).toBe(0);
    // A new timing moves the mark's slot and keeps its job; enabling one gets a slot alone [S8].
    await schedules.upsert([
      specOf(queue, 'daily', { every: 120_000 }),
      specOf(queue, 'idle', { input: 2, enabled: true }),
    ]);
    const timed = (await redis.hget(specsKey(queue), 'daily'))?.split(' ')[1];
    expect(Number(timed)).toBeGreaterThanOrEqual(Number(changedAt));
    expect(await redis.hget(marksKey(queue), 'daily')).toBe(
      `${timed} ${mark?.split(' ').slice(1).join(' ')}`,
    );
    expect(await redis.hget(marksKey(queue), 'idle')).toBe(timed);

    expect(await schedules.remove(queue, 'daily')).toBe(true);
    expect(await redis.hexists(specsKey(queue), 'daily')).toBe(0);
    expect(await redis.hexists(marksKey(queue), 'daily')).toBe(0);
  });

  it("stores the task's indexed fields in the spec, and every job of the schedule carries their entries", async () => {
    const transportOf = transport();
    const { schedules } = transportOf;
    const queue = uniqueQueue('sched-index');
    const spec = specOf(queue, 'invoice', {
      input: { customer: { id: 42 }, region: 'eu' },
      index: ['customer.id', 'region'],
    });
    await schedules.upsert([spec]);
    const [state] = (await schedules.list([queue])).schedules;
    expect(state?.spec).toEqual(spec);
    // A slot fired from the stored spec alone, as by a worker that does not know the task.
    const { now } = await schedules.list([queue]);
    const slotAt = Math.floor(now / 60_000) * 60_000;
    const fired = await schedules.fire({
      scheduleId: 'invoice',
      revision: state?.revision ?? 0,
      slotAt,
      job: scheduleJob(state?.spec as ScheduleSpec, {
        id: scheduleJobId(queue, 'invoice', slotAt),
        enqueuedAt: now,
      }),
    });
    expect(fired.fired).toBe(true);
    const client = createClient({ transport: transportOf, logger: silentLogger });
    const runNow = await client.schedules.runNow('invoice', { queue });
    for (const [field, value] of [
      ['customer.id', '42'],
      ['region', 'eu'],
    ] as const) {
      const page = await transportOf.admin.findByIndex(queue, {
        task: 'shop.report',
        field,
        value,
      });
      expect(page.jobs.map((job) => job.envelope.id).sort()).toEqual(
        [fired.jobId, runNow.id].sort(),
      );
    }
  });

  it('lists every queue with schedules from its registry, and answers TIME with none', async () => {
    const { schedules } = transport();
    const redis = admin();
    const before = await schedules.list();
    const [seconds] = await redis.time();
    expect(Math.abs(before.now - Number(seconds) * 1000)).toBeLessThan(60_000);
    const queues = [uniqueQueue('sched-registry'), uniqueQueue('sched-registry')];
    await schedules.upsert(queues.map((queue) => specOf(queue, 'r')));
    expect(await redis.smembers('conveyor:schedule-queues')).toEqual(
      expect.arrayContaining(queues),
    );
    const listed = (await schedules.list()).schedules.map((state) => state.spec.queue);
    expect(listed.filter((queue) => queues.includes(queue))).toEqual([...queues].sort());
    for (const queue of queues) await schedules.remove(queue, 'r');
    const after = (await schedules.list()).schedules.map((state) => state.spec.queue);
    expect(after.filter((queue) => queues.includes(queue))).toEqual([]);
  });

  it('takes a queue out of the registry when its last schedule goes, and leaves the others', async () => {
    const { schedules } = transport();
    const redis = admin();
    const registered = async () => redis.smembers('conveyor:schedule-queues');
    const [a, b] = [uniqueQueue('sched-prune'), uniqueQueue('sched-prune')] as [string, string];
    await schedules.upsert([specOf(a, 'one'), specOf(a, 'two'), specOf(b, 'one')]);
    expect(await registered()).toEqual(expect.arrayContaining([a, b]));
    // One of two gone: the queue still has a schedule, and stays.
    expect(await schedules.remove(a, 'one')).toBe(true);
    expect(await registered()).toContain(a);
    expect(await schedules.remove(a, 'two')).toBe(true);
    expect(await registered()).not.toContain(a);
    expect(await registered()).toContain(b);
    // A schedule made again registers its queue again.
    await schedules.upsert([specOf(a, 'three')]);
    expect(await registered()).toContain(a);
    // A queue left in the registry with no schedules (as removals before this left them) is
    // taken out by a listing of every queue; one with schedules is not.
    const stale = uniqueQueue('sched-prune');
    await redis.sadd('conveyor:schedule-queues', stale);
    const listed = (await schedules.list()).schedules.map((state) => state.spec.queue);
    expect(listed).toEqual(expect.arrayContaining([a, b]));
    expect(await registered()).not.toContain(stale);
    expect(await registered()).toEqual(expect.arrayContaining([a, b]));
  });

  it('upserts a large batch over several queues in chunks, answering in order', async () => {
    const { schedules } = transport();
    const [a, b] = [uniqueQueue('sched-batch'), uniqueQueue('sched-batch')] as [string, string];
    const specs = Array.from({ length: 1_300 }, (_, n) => specOf(n % 3 === 0 ? b : a, `s-${n}`));
    expect(new Set(await schedules.upsert(specs.slice(0, 600)))).toEqual(new Set(['created']));
    const changedAt = 7;
    const batch = specs.map((spec, n) => (n === changedAt ? { ...spec, input: 'new' } : spec));
    const outcomes = await schedules.upsert(batch);
    expect(outcomes.slice(0, 600).filter((outcome) => outcome !== 'unchanged')).toEqual([
      'changed',
    ]);
    expect(outcomes[changedAt]).toBe('changed');
    expect(new Set(outcomes.slice(600))).toEqual(new Set(['created']));
    const { schedules: states } = await schedules.list([a, b]);
    expect(states).toHaveLength(1_300);
  });

  it('rejects a list with CORRUPT when a stored schedule is not in its format', async () => {
    const { schedules } = transport();
    const queue = uniqueQueue('sched-corrupt');
    await admin().hset(specsKey(queue), 'broken', 'not a schedule');
    await expect(schedules.list([queue])).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      failure: 'CORRUPT',
    });
  });
});

describe('the schedule wire', () => {
  it('reads both forms of a mark', () => {
    expect(decodeScheduleMark('100', 'q')).toEqual({ slotAt: 100 });
    expect(decodeScheduleMark('100 90 95 abc.d', 'q')).toEqual({
      slotAt: 100,
      jobSlotAt: 90,
      firedAt: 95,
      jobId: 'q:abc.d',
    });
    expect(decodeScheduleMark('garbage', 'q')).toBeNull();
  });

  it('refuses an upsert reply that does not answer every schedule', () => {
    expect(readUpsertReply('cmu', 3)).toEqual({
      outcomes: ['created', 'changed', 'unchanged'],
      superseded: [false, false, false],
    });
    expect(readUpsertReply('cMU', 3)).toEqual({
      outcomes: ['created', 'changed', 'unchanged'],
      superseded: [false, true, true],
    });
    expect(() => readUpsertReply('cm', 3)).toThrow(/upsert-schedules/);
    expect(() => readUpsertReply('cmx', 3)).toThrow(/upsert-schedules/);
  });

  it('sends the slot’s job with an empty producer’s enqueuedAt, so that it is enqueued at TIME', () => {
    const envelope = makeEnvelope('q', { task: 'a b', enqueuedAt: 123 });
    const id = scheduleJobId('q', 's', SLOT);
    const args = fireArgs(
      { scheduleId: 's', revision: 4, slotAt: SLOT, job: { envelope: { ...envelope, id } } },
      'q',
      1000,
    );
    // The group header: count, flags, priority, maxAttempts, then the producer's enqueuedAt.
    expect(args.slice(2, 7)).toEqual(['s', String(SLOT), '4', id.slice(2), '1 0 5 3      a b']);
  });
});
