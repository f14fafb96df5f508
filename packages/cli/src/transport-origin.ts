import { maskRedisUrl } from '@conveyor/redis';
import { describeTransport } from './config-failure.js';
import type { Connection } from './connection.js';

/** Where a command reads, for its JSON: the Redis URL and prefix, or the config's transport. */
export interface OriginFields {
  /** The Redis URL (password masked) and key prefix, for a transport made from `--redis`. */
  redis?: string;
  prefix?: string;
  /** The config file whose `transport` made the transport, relative to the cwd. */
  config?: string;
  /** Where that transport says it connects (its `describe()`, as the worker's banner shows). */
  where?: string;
}

export function originFields(connection: Connection): OriginFields {
  const { origin, transport } = connection;
  if (origin.kind === 'redis') {
    return { redis: maskRedisUrl(origin.settings.url), prefix: origin.settings.prefix };
  }
  const where = describeTransport(transport);
  return { config: origin.label, ...(where ? { where } : {}) };
}

/**
 * The first line of `status`: `Redis redis://…:6379, prefix shop`, or `Transport redis, from
 * conveyor.config.ts (127.0.0.1:6379, prefix shop)`, as the worker's banner says it.
 */
export function originLine(transport: string, fields: OriginFields): string {
  if (fields.redis !== undefined) return `Redis ${fields.redis}, prefix ${fields.prefix}`;
  const where = fields.where ? ` (${fields.where})` : '';
  return `Transport ${transport}, from ${fields.config}${where}`;
}
