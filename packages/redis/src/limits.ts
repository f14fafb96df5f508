import { randomBytes } from 'node:crypto';
import { InvalidOptionError, type LimitAnswer, type TransportLimits } from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './errors.js';
import { runScript } from './scripts.js';

/** Longest wait a denied slot request is told to take before asking again. */
const SLOT_RETRY_MAX_MS = 100;

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
 * script on Redis `TIME`.
 */
export function redisLimits(options: {
  commands: Redis | Cluster;
  prefix: string;
  assertOpen: () => void;
}): TransportLimits {
  const { commands, prefix, assertOpen } = options;
  // The limit scripts take one key each (a limit key's permits or slots), so they run on
  // Redis Cluster whatever slot the key hashes to.
  const run = (
    name: 'take-rate' | 'acquire-slot' | 'renew-slots',
    key: string,
    args: Array<string | number>,
  ) => redisCall(name, () => runScript(commands, name, [key], args));

  return {
    async takeRate(key, limit, windowMs) {
      assertOpen();
      checkKey(key);
      checkCount(limit, 'rate limit');
      checkMs(windowMs, 'rate limit window');
      const permit = `${Date.now()}-${randomBytes(8).toString('hex')}`;
      const reply = await run('take-rate', limitKeys(prefix, key).rate, [limit, windowMs, permit]);
      return answerOf(reply);
    },

    async acquireSlot(key, cap, holder, leaseMs) {
      assertOpen();
      checkKey(key);
      checkCount(cap, 'concurrency cap');
      checkHolder(holder);
      checkMs(leaseMs, 'slot lease');
      const reply = await run('acquire-slot', limitKeys(prefix, key).slots, [
        cap,
        holder,
        Math.ceil(leaseMs),
        SLOT_RETRY_MAX_MS,
      ]);
      return answerOf(reply);
    },

    async renewSlots(slots, leaseMs) {
      assertOpen();
      checkMs(leaseMs, 'slot lease');
      await Promise.all(
        [...byKey(slots)].map(([key, holders]) =>
          run('renew-slots', limitKeys(prefix, key).slots, [Math.ceil(leaseMs), ...holders]),
        ),
      );
    },

    async freeSlots(slots) {
      assertOpen();
      await Promise.all(
        [...byKey(slots)].map(([key, holders]) =>
          redisCall('free-slots', () => commands.zrem(limitKeys(prefix, key).slots, ...holders)),
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
    checkKey(key);
    checkHolder(holder);
    const holders = groups.get(key);
    if (holders) holders.push(holder);
    else groups.set(key, [holder]);
  }
  return groups;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new InvalidOptionError(
      'limit key',
      key,
      'a string of 1–512 characters, e.g. a task name',
    );
  }
}

function checkHolder(holder: unknown): asserts holder is string {
  if (typeof holder !== 'string' || holder.length === 0) {
    throw new InvalidOptionError('slot holder', holder, 'a non-empty string (a lease token)');
  }
}

function checkCount(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'an integer, 1 or more');
  }
}

function checkMs(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new InvalidOptionError(option, value, 'a finite number of ms, 1 or more');
  }
}
