import type { Client } from '@conveyor/core';
import { workTask } from '../tasks.js';

/** Deterministic job length for a sequence number, spread over [minMs, maxMs]. */
export function jobMs(seq: number, minMs: number, maxMs: number): number {
  return minMs + ((seq * 7919) % (maxMs - minMs + 1));
}

/** Enqueues one `chaos.work` job per seq. */
export function enqueueWork(
  minMs: number,
  maxMs: number,
  extra: (seq: number) => { stallMs?: number } = () => ({}),
) {
  return (client: Client, seqs: number[]) =>
    client.enqueueMany(
      workTask,
      seqs.map((seq) => ({ seq, ms: jobMs(seq, minMs, maxMs), ...extra(seq) })),
    );
}
