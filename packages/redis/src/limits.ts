import { randomBytes } from 'node:crypto';
import type { LimitAnswer, TransportLimits } from '@conveyor/core';
import { SLOT_RETRY_MAX_MS } from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import { runScript } from './scripts.js';

/**
 * Keys of one limit key. The hash tag `{limit:<key>}` keeps a key's permits and slots
 * together; braces in the key would end the tag early, so they are escaped.
 */
export function limitKeys(prefix: string, key: string): { rate: string; slots: string } {
  const safe = key.replace(/[{}%]/g, (char) => `%${char.charCodeAt(0).toString(16)}`);
  const base = `${prefix}:{limit:${safe}}`;
  return { rate: `${base}:rate`, slots: `${base}:slots` };
}

/**
 * `TransportLimits` on Redis: a sliding-window log of permits per key (a ZSET of take
 * times) and leased slots per key (a ZSET of holder deadlines), each changed by one Lua
 * script on Redis `TIME`. `createTransport` checks the arguments and the closed state.
 */
export function redisLimits(options: {
  commands: Redis | Cluster;
  prefix: string;
}): TransportLimits {
  const { commands, prefix } = options;
  // The limit scripts take one key each (a limit key's permits or slots), so they run on
  // Redis Cluster whatever slot the key hashes to.
  const run = (
    name: 'take-rate' | 'acquire-slot' | 'renew-slots',
    key: string,
    args: Array<string | number>,
  ) => redisCall(name, () => runScript(commands, name, [key], args), commands);

  return {
    async takeRate(key, limit, windowMs) {
      const permit = `${Date.now()}-${randomBytes(8).toString('hex')}`;
      const reply = await run('take-rate', limitKeys(prefix, key).rate, [limit, windowMs, permit]);
      return answerOf(reply);
    },

    async acquireSlot(key, cap, holder, leaseMs) {
      const reply = await run('acquire-slot', limitKeys(prefix, key).slots, [
        cap,
        holder,
        Math.ceil(leaseMs),
        SLOT_RETRY_MAX_MS,
      ]);
      return answerOf(reply);
    },

    async renewSlots(slots, leaseMs) {
      await Promise.all(
        [...byKey(slots)].map(([key, holders]) =>
          run('renew-slots', limitKeys(prefix, key).slots, [Math.ceil(leaseMs), ...holders]),
        ),
      );
    },

    async freeSlots(slots) {
      await Promise.all(
        [...byKey(slots)].map(([key, holders]) =>
          redisCall(
            'free-slots',
            () => commands.zrem(limitKeys(prefix, key).slots, ...holders),
            commands,
          ),
        ),
      );
    },
  };
}

function answerOf(reply: unknown): LimitAnswer {
  const [granted, retryInMs] = reply as [number, number];
  return Number(granted) === 1
    ? { granted: true }
    : { granted: false, retryInMs: Math.max(1, Number(retryInMs)) };
}

function byKey(slots: ReadonlyArray<{ key: string; holder: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { key, holder } of slots) {
    const holders = groups.get(key);
    if (holders) holders.push(holder);
    else groups.set(key, [holder]);
  }
  return groups;
}
