import { type JobEnvelope, type Logger, silentLogger, type Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import type { Redis } from 'ioredis';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the server's clock (`TIME`, the clock leases are measured on) is past `at`
 * (ms since the epoch): a wait on the condition, however late this process gets to check.
 */
export async function untilRedisTimePasses(redis: Redis, at: number): Promise<void> {
  for (;;) {
    const [seconds, micros] = await redis.time();
    const now = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
    if (now > at) return;
    await sleep(at - now + 1);
  }
}

/** A logger that records warnings. */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    ...silentLogger,
    warn: (first: string | Record<string, unknown>, message?: string) => {
      warnings.push(typeof first === 'string' ? first : (message ?? ''));
    },
    warnings,
  };
}

export async function enqueueMany(
  transport: Transport,
  queue: string,
  count: number,
): Promise<JobEnvelope[]> {
  const envelopes = Array.from({ length: count }, (_, index) =>
    makeEnvelope(queue, { input: { index } }),
  );
  await transport.enqueue(envelopes.map((envelope) => ({ envelope })));
  return envelopes;
}
