import { Redis } from 'ioredis';

/** Reads the private server's counters. Only ever pointed at the server the harness started. */
export interface RedisProbe {
  /** `used_cpu_user + used_cpu_sys` of the redis-server process, in ms. */
  cpuMs(): Promise<number>;
  /** `used_memory`, in bytes. */
  usedMemory(): Promise<number>;
  version(): Promise<string>;
  /** FLUSHALL on the private server, between runs. */
  flush(): Promise<void>;
  close(): void;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  if (!match?.[1]) throw new Error(`[bench] INFO has no ${name}`);
  return Number(match[1]);
}

export function createRedisProbe(url: string): RedisProbe {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  return {
    async cpuMs() {
      const info = await redis.info('cpu');
      return (field(info, 'used_cpu_user') + field(info, 'used_cpu_sys')) * 1_000;
    },
    async usedMemory() {
      return field(await redis.info('memory'), 'used_memory');
    },
    async version() {
      const match = /^redis_version:(\S+)/m.exec(await redis.info('server'));
      return match?.[1] ?? 'unknown';
    },
    async flush() {
      await redis.flushall();
    },
    close() {
      redis.disconnect();
    },
  };
}
