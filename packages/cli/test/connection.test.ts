import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { RedisTransportError } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Connection, connect, lostConnection } from '../src/connection.js';
import type { ConnectionSettings } from '../src/connection-settings.js';
import { CliError } from '../src/errors.js';
import { uniquePrefix } from './helpers.js';

// A Redis that may evict: the worker's transport must say so through the worker's logger.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
});
afterAll(async () => {
  await redis?.stop();
});

const settingsFor = (prefix: string): ConnectionSettings => ({
  url: redis.url,
  prefix,
  source: '--redis',
});

describe('connect', () => {
  it("gives the worker's logger the transport's eviction warning", async () => {
    const warn = vi.fn();
    const connection = await connect(settingsFor(uniquePrefix()), 'worker', {
      logger: { ...silentLogger, warn },
    });
    try {
      await expect.poll(() => warn.mock.calls.length, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[1]).toMatch(
        /maxmemory-policy is "allkeys-lru", not "noeviction"/,
      );
    } finally {
      await connection.close();
    }
  });

  it('passes the retention options to the transport', async () => {
    const prefix = uniquePrefix();
    const connection = await connect(settingsFor(prefix), 'worker', {
      retention: { defaultResultTtlMs: 45_000, maxFinishedPerQueue: 0 },
    });
    const admin = new Redis(redis.url);
    try {
      const { transport } = connection;
      const queue = uniqueQueue('cli-retention');
      const envelope = makeEnvelope(queue);
      await transport.enqueue([{ envelope }]);
      const [job] = await transport.reserve({
        queues: [queue],
        max: 1,
        leaseMs: 60_000,
        consumer: 'c',
      });
      await transport.settle([
        { type: 'complete', id: envelope.id, token: job?.token ?? '', result: 1 },
      ]);
      // No count bound: the finished job gets a key TTL of the default result TTL.
      const unique = envelope.id.slice(queue.length + 1);
      const ttl = await admin.pttl(`${prefix}:{${queue}}:j:${unique}`);
      expect(ttl).toBeGreaterThan(40_000);
      expect(ttl).toBeLessThanOrEqual(45_000);
    } finally {
      admin.disconnect();
      await connection.close();
    }
  });
});

describe('lostConnection', () => {
  // A Cluster master killed while `conveyor status` ran: the command exited 1 with "retry
  // shortly", where a broker that went away exits 3 (README, exit codes).
  const connection = {
    origin: { kind: 'config', file: '/p/conveyor.config.ts', label: 'conveyor.config.ts' },
    transport: { name: 'redis' },
  } as unknown as Connection;
  const redirected = (reply: string) =>
    new RedisTransportError(
      'CLUSTER',
      'queue-counts',
      new Error(`Too many Cluster redirections. Last error: ReplyError: ${reply}`),
    );

  it('exits 3 with the node a Cluster kept redirecting to, and what to do', () => {
    const error = redirected('MOVED 8183 127.0.0.1:27201');
    const lost = lostConnection(connection, error);
    expect(lost).toBeInstanceOf(CliError);
    expect(lost?.exitCode).toBe(3);
    expect(lost?.message).toContain(
      'The Cluster kept sending slot 8183 to 127.0.0.1:27201, which does not answer: a master is down. Start it again',
    );
  });

  it('leaves a resharding (retried shortly) and other failures to the command', () => {
    expect(lostConnection(connection, redirected('TRYAGAIN Multiple keys'))).toBeUndefined();
    expect(lostConnection(connection, new Error('boom'))).toBeUndefined();
  });
});
