import type { Cluster, Redis } from 'ioredis';
import { failureOf, RedisTransportError } from './errors.js';
import { queueKeyBase } from './keys.js';

/** Each key of a queue (after `<prefix>:{<queue>}:`) and the type Conveyor keeps there. */
const QUEUE_KEY_TYPES: ReadonlyArray<readonly [suffix: string, type: string]> = [
  ['j:', 'hash'],
  ...Array.from({ length: 10 }, (_, priority) => [`w${priority}`, 'list'] as const),
  ['delayed', 'zset'],
  ['leases', 'zset'],
  ['marker', 'list'],
  ['dead', 'zset'],
  ['finished', 'list'],
  ['watched', 'set'],
  ['seq', 'string'],
  ['xf', 'set'],
  ['paused', 'string'],
  ['stale', 'string'],
];

/**
 * Rethrows a queue script's failure; when it was Redis' WRONGTYPE, names the key of the
 * queue that holds another type than Conveyor keeps there, and how to clear it: the script
 * error itself names only a line of Lua. Looked up only on that failure.
 */
export async function namingWrongKey(
  error: unknown,
  commands: Redis | Cluster,
  prefix: string,
  queue: string,
): Promise<never> {
  if (!(error instanceof RedisTransportError) || failureOf(error) !== 'SCRIPT') throw error;
  if (!String((error.cause as Error | undefined)?.message).includes('WRONGTYPE')) throw error;
  const base = queueKeyBase(prefix, queue);
  const found = await Promise.all(
    QUEUE_KEY_TYPES.map(([suffix]) => commands.type(`${base}${suffix}`)),
  ).catch(() => undefined);
  const at = found?.findIndex((type, n) => type !== 'none' && type !== QUEUE_KEY_TYPES[n]?.[1]);
  if (found === undefined || at === undefined || at < 0) throw error;
  const [suffix, expected] = QUEUE_KEY_TYPES[at] as readonly [string, string];
  const key = `${base}${suffix}`;
  throw new RedisTransportError(
    'SCRIPT',
    error.operation,
    error.cause,
    error.endpoint,
    `Key ${JSON.stringify(key)} of queue ${JSON.stringify(queue)} holds a ${found[at]} where Conveyor keeps a ${expected}: something other than Conveyor wrote it. Look at it (redis-cli TYPE, DUMP), then delete it (redis-cli DEL '${key}') for the queue to work again.`,
  );
}
