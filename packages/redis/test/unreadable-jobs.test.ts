import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from './helpers/private-redis.js';

// Jobs written behind the scripts' back: a newer job format version, or garbage. A listing
// shows each as a row that says why it cannot be read; the errors name the field and quote
// what is stored.

const { transport, admin } = usePrivateRedis();
const jobKey = (queue: string, unique: string) => `conveyor:{${queue}}:j:${unique}`;
const packedKey = (queue: string) => `conveyor:{${queue}}:j:`;
const reserveAll = (queue: string) =>
  transport().reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });

/** A job hash written by hand into the waiting list of priority 5; its id. */
async function storeRaw(queue: string, unique: string, fields: string[]): Promise<string> {
  await admin().hset(jobKey(queue, unique), 's', 'w', ...fields);
  await admin().rpush(`conveyor:{${queue}}:w5`, unique);
  return `${queue}:${unique}`;
}

describe('a dead job of an unknown job format version', () => {
  it('is a row of listDead and listJobs that says why, beside the jobs that can be read', async () => {
    const queue = uniqueQueue('unreadable-dead');
    const newer = await storeRaw(queue, 'garb5', [
      'd',
      `95|3|${Date.now()}|0|app.greet`,
      'i',
      '{"email":"a@b.co","name":"v9"}',
    ]);
    // Dead-lettered at reserve: this package cannot read it.
    expect(await reserveAll(queue)).toEqual([]);
    const readable = makeEnvelope(queue);
    await transport().enqueue([{ envelope: readable }]);
    const [job] = await reserveAll(queue);
    await transport().settle([
      {
        type: 'fail',
        id: readable.id,
        token: job?.token ?? '',
        error: { name: 'Error', message: 'boom' },
        deadLetter: true,
      },
    ]);
    const [counts] = await transport().admin.queueCounts([queue]);
    const page = await transport().admin.listDead(queue);
    expect(counts?.dead).toBe(2);
    expect(page.total).toBe(2);
    expect(page.jobs.map((dead) => dead.id).sort()).toEqual([newer, readable.id].sort());
    const row = page.jobs.find((dead) => dead.id === newer);
    expect(row).toMatchObject({
      state: 'dead',
      envelope: { task: '' },
      error: { code: 'INVALID_ENVELOPE', message: expect.stringContaining('version "9"') },
    });
    const listed = await transport().admin.listJobs(queue, { state: 'dead', limit: 10 });
    expect(listed.jobs.map((dead) => dead.id).sort()).toEqual([newer, readable.id].sort());
  });

  it('is refused by getJob with advice that does not send the reader back to this CLI', async () => {
    const queue = uniqueQueue('unreadable-advice');
    const newer = await storeRaw(queue, 'garb5', ['d', `95|3|${Date.now()}|0|t`, 'i', '{}']);
    const error = await transport()
      .getJob(newer)
      .catch((thrown: Error) => thrown);
    expect(error).toMatchObject({ code: 'INVALID_ENVELOPE' });
    const { message } = error as Error;
    expect(message).toContain('a CLI with it cannot retry it');
    expect(message).toContain(`With the newer one, \`conveyor retry ${newer}\``);
  });
});

describe('a job hash that is not one', () => {
  const cases: Array<[what: string, fields: string[], expected: string[]]> = [
    [
      'a maxAttempts that is no number',
      ['d', '15|abc|1|0|t', 'i', '{}'],
      ['maxAttempts "abc"', '"15|abc|1|0|t"'],
    ],
    [
      'an input that is not JSON',
      ['d', '15|3|1|0|t', 'i', '{not json'],
      ['`i` field', '"{not json"'],
    ],
    [
      'a maxAttempts of 0',
      ['d', '15|0|1|0|t', 'i', '{}'],
      ['maxAttempts "0"', 'at least 1', '"15|0|1|0|t"'],
    ],
    ['a negative maxAttempts', ['d', '15|-2|1|0|t', 'i', '{}'], ['maxAttempts "-2"', 'at least 1']],
    [
      'an enqueuedAt that is no number',
      ['d', '15|3|soon|0|t', 'i', '{}'],
      ['enqueuedAt "soon"', '"15|3|soon|0|t"'],
    ],
    ['an offset that is no number', ['d', '15|3|1|x|t', 'i', '{}'], ['enqueuedAt offset "x"']],
    ['a maxAttempts of 1.5', ['d', '15|1.5|1|0|t', 'i', '{}'], ['maxAttempts "1.5"', 'at least 1']],
    ['no d field', ['i', '{}'], ['no `d` field']],
    ['a d field of garbage', ['d', 'total_nonsense', 'i', '{}'], ['`d` field "total_nonsense"']],
  ];

  for (const [what, fields, expected] of cases) {
    it(`with ${what}: dead-lettered with an error naming the field and quoting it`, async () => {
      const queue = uniqueQueue('unreadable-garbage');
      const id = await storeRaw(queue, 'garb6', fields);
      expect(await reserveAll(queue)).toEqual([]);
      const record = await transport().getJob(id);
      expect(record).toMatchObject({ state: 'dead', envelope: { task: '' } });
      for (const part of expected) expect(record?.error?.message).toContain(part);
    });
  }

  it('with no state field: dead-lettered naming it, not dropped without a word', async () => {
    const queue = uniqueQueue('unreadable-no-state');
    const unique = 'RAWnos_field01';
    await admin().hset(jobKey(queue, unique), 'd', `15|3|${Date.now()}|0|app.add`, 'i', '{"a":1}');
    await admin().rpush(`conveyor:{${queue}}:w5`, unique);
    const readable = makeEnvelope(queue);
    await transport().enqueue([{ envelope: readable }]);
    const leased = await reserveAll(queue);
    expect(leased.map((job) => job.envelope.id)).toEqual([readable.id]);
    const record = await transport().getJob(`${queue}:${unique}`);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'INVALID_ENVELOPE' } });
    expect(record?.error?.message).toContain('no `s` field (its state)');
    expect((await transport().admin.listDead(queue)).total).toBe(1);
  });

  it('with a state this version does not know: getJob says so, and the reserve leaves it alone', async () => {
    // getJob answered null ("it never existed") though the job was stored. The reserve drops
    // its id as it drops a stale one: a newer release's state may be one its own workers
    // hold, and this version must not lease or dead-letter such a job.
    const queue = uniqueQueue('unreadable-state');
    const unique = 'RAWnew_state01';
    const key = jobKey(queue, unique);
    await admin().hset(key, 's', 'q', 'd', `15|3|${Date.now()}|0|app.add`, 'i', '{"a":1}');
    const id = `${queue}:${unique}`;
    const refused = {
      code: 'INVALID_ENVELOPE',
      message: expect.stringContaining(
        `Job "${id}" has state "q" in Redis, which this @conveyor/redis does not know`,
      ),
    };
    await expect(transport().getJob(id)).rejects.toMatchObject(refused);
    await admin().rpush(`conveyor:{${queue}}:w5`, unique);
    const readable = makeEnvelope(queue);
    await transport().enqueue([{ envelope: readable }]);
    const leased = await reserveAll(queue);
    expect(leased.map((job) => job.envelope.id)).toEqual([readable.id]);
    expect(await admin().hget(key, 's')).toBe('q');
    await expect(transport().getJob(id)).rejects.toMatchObject(refused);
  });

  it('with an expiry that is no number: dead-lettered naming it, and its batch is leased', async () => {
    const queue = uniqueQueue('unreadable-expiry');
    const id = await storeRaw(queue, 'garb8', ['d', '15|3|1|0|t', 'i', '{}', 'x', 'soon']);
    const readable = makeEnvelope(queue);
    await transport().enqueue([{ envelope: readable }]);
    // One reserve pops both: the script once failed on comparing "soon" with the clock,
    // with the ids already popped, and both jobs stayed `waiting` in no list.
    const leased = await reserveAll(queue);
    expect(leased.map((job) => job.envelope.id)).toEqual([readable.id]);
    const record = await transport().getJob(id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'INVALID_ENVELOPE' } });
    expect(record?.error?.message).toContain('`x` field (its expiry, in epoch ms) "soon"');
  });

  it('with an expiry of -inf: dead-lettered naming it, not expired without a word', async () => {
    const queue = uniqueQueue('unreadable-expiry-inf');
    // Lua's tonumber reads '-inf' (and '-1e999') as a number before every clock.
    const id = await storeRaw(queue, 'garb9', ['d', '15|3|1|0|t', 'i', '{}', 'x', '-inf']);
    expect(await reserveAll(queue)).toEqual([]);
    const record = await transport().getJob(id);
    expect(record).toMatchObject({ state: 'dead', error: { code: 'INVALID_ENVELOPE' } });
    expect(record?.error?.message).toContain('"-inf"');
  });

  it('packed: the error quotes the field as stored', async () => {
    const queue = uniqueQueue('unreadable-packed');
    await admin().hset(packedKey(queue), 'packgarb1', 'total nonsense');
    await admin().rpush(`conveyor:{${queue}}:w5`, 'packgarb1');
    expect(await reserveAll(queue)).toEqual([]);
    const record = await transport().getJob(`${queue}:packgarb1`);
    expect(record?.error?.message).toContain('`d` field "total"');
  });

  it('quotes at most 100 characters of a long value, and says how much more there was', async () => {
    const queue = uniqueQueue('unreadable-long');
    const id = await storeRaw(queue, 'long', ['d', '15|3|1|0|t', 'i', `{${'x'.repeat(5_000)}`]);
    expect(await reserveAll(queue)).toEqual([]);
    const message = (await transport().getJob(id))?.error?.message ?? '';
    expect(message).toContain(`"{${'x'.repeat(99)}"… (4901 more characters)`);
    expect(message.length).toBeLessThan(400);
  });

  it("shows the reason as a waiting job's error when none is stored", async () => {
    const queue = uniqueQueue('unreadable-waiting');
    const id = await storeRaw(queue, 'garb7', ['d', '15|abc|1|0|t', 'i', '{}']);
    expect(await transport().getJob(id)).toMatchObject({
      state: 'waiting',
      envelope: { task: '' },
      error: { code: 'INVALID_ENVELOPE', message: expect.stringContaining('maxAttempts "abc"') },
    });
  });
});
