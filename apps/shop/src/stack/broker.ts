/**
 * Picks the broker the way the README promises: `REDIS_URL` if given; else a private
 * redis-server if one is installed; else the in-memory transport, in one process.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { Redis } from 'ioredis';

export type Broker =
  | { mode: 'redis-url'; url: string; prefix: string; stop(): Promise<void> }
  | { mode: 'private-redis'; url: string; prefix: string; stop(): Promise<void> }
  | { mode: 'memory'; reason: string; stop(): Promise<void> };

export async function chooseBroker(env: NodeJS.ProcessEnv = process.env): Promise<Broker> {
  // A run of its own under a shared Redis: a fresh key prefix, deleted afterwards.
  const prefix = `shop-demo-${randomBytes(4).toString('hex')}`;
  if (env.REDIS_URL) {
    const url = env.REDIS_URL;
    return { mode: 'redis-url', url, prefix, stop: () => deleteKeys(url, prefix) };
  }
  const binary = env.REDIS_SERVER_BIN || 'redis-server';
  if (!findExecutable(binary, env.PATH ?? '')) {
    return {
      mode: 'memory',
      reason: `no REDIS_URL, and "${binary}" is not installed`,
      stop: async () => {},
    };
  }
  const { startRedis } = await import('@conveyor/test-redis');
  try {
    const server = await startRedis();
    return { mode: 'private-redis', url: server.url, prefix, stop: () => server.stop() };
  } catch (error) {
    return {
      mode: 'memory',
      reason: `"${binary}" did not start (${(error as Error).message})`,
      stop: async () => {},
    };
  }
}

/** Describes the broker in one line for the demo's banner. */
export function describeBroker(broker: Broker): string {
  switch (broker.mode) {
    case 'redis-url':
      return `Redis at ${maskPassword(broker.url)} (REDIS_URL), key prefix ${broker.prefix}`;
    case 'private-redis':
      return `a private redis-server at ${broker.url}, stopped at the end`;
    case 'memory':
      return `the IN-MEMORY transport, in this one process (${broker.reason}). Install redis-server or set REDIS_URL for the real thing`;
  }
}

function findExecutable(binary: string, path: string): boolean {
  const candidates =
    isAbsolute(binary) || binary.includes('/')
      ? [binary]
      : path
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, binary));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Deletes this run's keys (and only them) from a shared Redis. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
