import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomPart(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 36];
  return out;
}

/**
 * A new job id, `<queue>:<time><random>`. The queue prefix lets a broker find a job's
 * shard (Redis Cluster hash slot) from its id alone; the time part keeps ids roughly sortable.
 */
export function newJobId(queue: string): string {
  return `${queue}:${Date.now().toString(36)}${randomPart(12)}`;
}

/** A lease token: proves which delivery of a job a worker holds. */
export function newLeaseToken(): string {
  return randomPart(16);
}
