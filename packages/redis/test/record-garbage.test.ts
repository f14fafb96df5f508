import { uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../src/wire/job-hash.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// What a record says of a job hash written behind the scripts' back, found by a tester from
// outside: every number in it is one (a NaN time made `conveyor jobs` throw "Invalid time
// value" for the whole queue), and a job read as unreadable (an empty task) says why.

const { transport, admin } = usePrivateRedis();

/** A packed job (`<d> <input>`) written by hand into the waiting list of priority 5; its id. */
async function storePacked(queue: string, unique: string, packed: string): Promise<string> {
  await admin().hset(`conveyor:{${queue}}:j:`, unique, packed);
  await admin().rpush(`conveyor:{${queue}}:w5`, unique);
  return `${queue}:${unique}`;
}

const finiteTimes = (record: object | null | undefined) =>
  Object.entries(record ?? {}).filter(
    ([key, value]) => /At$|^attempts$/.test(key) && !Number.isFinite(value),
  );

describe('a job hash whose numbers are not numbers', () => {
  it('reads as a record with no NaN in it: the time is 0 or left out, the reason its error', () => {
    const flat = [
      ...['s', 'a', 'd', '15|abc|xyz|0|t.echo', 'i', '{"n":1}', 'n', 'many'],
      ...['b', 'soon|later|k|c', 'f', 'never', 'u', 'tomorrow'],
    ];
    const record = decodeRecord('q:1', 'q', flat);
    expect(finiteTimes(record)).toEqual([]);
    expect(record).toMatchObject({
      state: 'active',
      attempts: 0,
      enqueuedAt: 0,
      consumer: 'c',
      envelope: { task: '' },
      error: { code: 'INVALID_ENVELOPE', message: expect.stringContaining('maxAttempts "abc"') },
    });
    expect(record).not.toHaveProperty('startedAt');
    expect(record).not.toHaveProperty('leaseExpiresAt');
    expect(record).not.toHaveProperty('finishedAt');
    const delayed = decodeRecord('q:1', 'q', ['s', 'd', 'd', '15|3|x|0|t', 'i', '1', 'u', 'x']);
    expect(finiteTimes(delayed)).toEqual([]);
    expect(delayed).not.toHaveProperty('dueAt');
  });

  it('is a row of listJobs and a record of getJob, each with a finite enqueue time', async () => {
    const queue = uniqueQueue('garbage-numbers');
    const id = await storePacked(queue, 'AAAAAAAbadnums99', '15|abc|xyz|0|t.echo {"n":1}');
    const page = await transport().admin.listJobs(queue, { state: 'waiting', limit: 10 });
    expect(page.jobs).toHaveLength(1);
    expect(page.jobs[0]).toMatchObject({ id, enqueuedAt: 0, envelope: { task: '' } });
    expect(page.jobs[0]?.error).toMatchObject({ code: 'INVALID_ENVELOPE' });
    const record = await transport().getJob(id);
    expect(record).toMatchObject({ id, enqueuedAt: 0, error: { code: 'INVALID_ENVELOPE' } });
    expect(finiteTimes(record)).toEqual([]);
  });
});

describe('a job hash whose `d` names no task', () => {
  const taskless = expect.stringContaining('has no task in its `d` field "15|3|1796537612280|0|"');

  it('reads as an unreadable record whose error says why, the rest as stored', () => {
    const flat = ['s', 'w', 'd', '15|3|1796537612280|0|', 'i', '{"n":1}'];
    expect(decodeRecord('q:1', 'q', flat)).toMatchObject({
      envelope: { task: '', maxAttempts: 3, input: { n: 1 } },
      enqueuedAt: 1796537612280,
      error: { name: 'InvalidEnvelopeError', code: 'INVALID_ENVELOPE', message: taskless },
    });
    // An error stored with it (a worker's UNKNOWN_TASK) is why it ended: it is kept.
    const stored = { name: 'UnknownTaskError', code: 'UNKNOWN_TASK', message: 'Task ""' };
    const dead = decodeRecord('q:1', 'q', [
      's',
      'x',
      ...flat.slice(2),
      'e',
      JSON.stringify(stored),
    ]);
    expect(dead?.error).toEqual(stored);
  });

  it('is a row of listJobs and a record of getJob that say why', async () => {
    const queue = uniqueQueue('taskless');
    const id = await storePacked(queue, 'AAAAAAAemptytask', '15|3|1796537612280|0| {"n":1}');
    const page = await transport().admin.listJobs(queue, { state: 'waiting', limit: 10 });
    expect(page.jobs[0]).toMatchObject({
      id,
      error: { code: 'INVALID_ENVELOPE', message: taskless },
    });
    const record = await transport().getJob(id);
    expect(record).toMatchObject({ id, envelope: { task: '' }, error: { message: taskless } });
  });
});
