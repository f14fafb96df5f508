import { type JobEnvelope, type Logger, silentLogger, type Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
