import {
  type EnqueueRequest,
  type JobEnvelope,
  type JsonValue,
  type Transport,
  taskContract,
} from '@conveyor/core';
import { ENVELOPE_VERSION, newJobId } from '@conveyor/core/transport';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { sleep } from '../harness.js';
import { PREFIX } from '../setup.js';

// The hostile scenario's inputs and probes: ways in that skip the client's checks, and a
// damaged key under a leased job. The scenario itself is in hostile.ts.

/** A version-1 envelope with a fresh id, as a producer that bypasses the client builds it. */
function envelopeFor(
  queue: string,
  task: string,
  input: JsonValue,
  maxAttempts: number,
): JobEnvelope {
  return {
    v: ENVELOPE_VERSION,
    id: newJobId(queue),
    task,
    queue,
    input,
    attempt: 0,
    maxAttempts,
    priority: 5,
    enqueuedAt: Date.now(),
  };
}

/** How one hostile input ended. */
export interface Outcome {
  name: string;
  /** `rejected: CODE`, `dead: CODE`, `failed: CODE`, `completed`, `dropped`, … */
  outcome: string;
  ok: boolean;
}

export const QUEUE = 'chaos';
export const RAW_DEEP = '10,000-level nesting (raw transport.enqueue)';
export const unknownTask = taskContract({
  name: 'chaos.not-deployed',
  input: z.unknown(),
  queue: QUEUE,
});

export function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

export function nestedText(depth: number): string {
  return `${'['.repeat(depth)}0${']'.repeat(depth)}`;
}

/** Enqueues through the public client; a rejection with a coded error is a pass. */
export async function viaClient(
  name: string,
  enqueue: () => Promise<{ id: string }>,
): Promise<Outcome | string> {
  try {
    const handle = await enqueue();
    return handle.id;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? '';
    // A clear reason: a stable code and a message that says what was wrong.
    return {
      name,
      outcome: `rejected: ${code ?? 'no code'} (${message.slice(0, 60)}…)`,
      ok: code !== undefined && message.length > 0,
    };
  }
}

/** A producer that skips the client's checks: straight to `transport.enqueue`. */
export async function viaTransport(
  transport: Transport,
  task: string,
  inputText: string,
): Promise<string> {
  const envelope = envelopeFor(QUEUE, task, null, 1);
  const { id } = envelope;
  const payload = JSON.stringify(envelope).replace('"input":null', `"input":${inputText}`);
  const request = {
    envelope: { ...envelope, input: JSON.parse(inputText) },
    payload,
  } as EnqueueRequest;
  const [result] = await transport.enqueue([request]);
  return result?.id ?? id;
}

export function describe(record: Awaited<ReturnType<Transport['getJob']>>): string {
  if (!record) return 'dropped (no record)';
  return `${record.state}${record.error ? `: ${record.error.code}` : ''}`;
}

/**
 * The job key of a leased job overwritten with a string, on a queue of its own that the
 * harness consumes directly: once the lease runs out, the queue must still take and hand
 * out jobs.
 */
export async function leasedKeyOverwritten(
  transport: Transport,
  raw: Redis,
): Promise<{ ok: boolean; outcome: string }> {
  const queue = 'chaos-wedge';
  const request = (n: number): EnqueueRequest => ({
    envelope: envelopeFor(queue, 'chaos.echo', n, 3),
  });
  const reserve = () =>
    transport.reserve({
      queues: [queue],
      max: 10,
      leaseMs: 100,
      waitMs: 0,
      consumer: 'chaos-harness',
    });
  const [first] = await transport.enqueue([request(0)]);
  await reserve();
  await raw.set(`${PREFIX}:{${queue}}:j:${first?.id.slice(queue.length + 1)}`, 'not a hash');
  await sleep(300);
  try {
    await transport.enqueue([request(1)]);
    const got = await reserve();
    return { ok: got.length === 1, outcome: `ok, reserved ${got.length}` };
  } catch (error) {
    return { ok: false, outcome: `wedged: ${(error as Error).message.slice(20, 60)}…` };
  }
}
