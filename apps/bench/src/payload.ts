import { z } from 'zod';

/** The job input every system gets: 40 bytes of JSON, as in the reference figures. */
export interface BenchPayload {
  email: string;
  /** 8 digits, so every payload serializes to exactly 40 bytes. */
  n: number;
}

/** The input schema of Conveyor's bench tasks (Conveyor always validates). */
export const benchPayloadSchema = z.object({ email: z.string(), n: z.number() });

export const PAYLOAD_BYTES = 40;

/** The `i`-th payload (i < 90,000,000). */
export function payload(i: number): BenchPayload {
  return { email: 'ada@example.com', n: 10_000_000 + i };
}

/** `count` payloads starting at `from`. */
export function payloads(count: number, from = 0): BenchPayload[] {
  return Array.from({ length: count }, (_, k) => payload(from + k));
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
