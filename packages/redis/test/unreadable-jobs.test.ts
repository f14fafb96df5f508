import { uniqueQueue } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { usePrivateRedis } from './helpers/private-redis.js';

// Jobs written behind the scripts' back, as something other than Conveyor would: the errors
// name the field and quote what is stored.

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
