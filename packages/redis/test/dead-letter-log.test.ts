import { type Logger, silentLogger } from '@conveyor/core';
import { uniqueQueue } from '@conveyor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// A job reserve cannot decode goes to the dead-letter set without reaching a worker: the
// transport's logger is the only place that says so.

const { url, admin } = usePrivateRedis();
const opened: RedisTransport[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((transport) => transport.close()));
});

function logged() {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (first: string | Record<string, unknown>, message?: string) => {
      warnings.push(
        typeof first === 'string'
          ? { fields: {}, message: first }
          : { fields: first, message: message ?? '' },
      );
    },
  };
  const transport = redisTransport({ url: url(), logger, checkMaxmemoryPolicy: false });
  opened.push(transport);
  return { transport, warnings };
}

describe('a job reserve dead-letters because it cannot be read', () => {
  it('is logged once, with its id, queue and reason', async () => {
    const { transport, warnings } = logged();
    const queue = uniqueQueue('dead-letter-log');
    const store = async (unique: string, fields: string[]) => {
      await admin().hset(`conveyor:{${queue}}:j:${unique}`, 's', 'w', ...fields);
      await admin().rpush(`conveyor:{${queue}}:w5`, unique);
    };
    await store('garb5', ['d', `95|3|${Date.now()}|0|t`, 'i', '{}']);
    await store('garb6', ['d', '15|abc|1|0|t', 'i', '{}']);
    const reserve = () =>
      transport.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(await reserve()).toEqual([]);
    expect(await reserve()).toEqual([]);
    expect(warnings.map(({ fields }) => fields.jobId)).toEqual([
      `${queue}:garb5`,
      `${queue}:garb6`,
    ]);
    for (const { fields, message } of warnings) {
      expect(fields).toMatchObject({ queue, err: { code: 'INVALID_ENVELOPE' } });
      expect(message).toContain(
        `job "${fields.jobId}" of queue "${queue}" went to the dead-letter set`,
      );
    }
    expect(warnings[0]?.message).toContain('job format version "9"');
    expect(warnings[1]?.message).toContain('maxAttempts "abc"');
  });
});
