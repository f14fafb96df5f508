import { vi } from 'vitest';
import { type Client, createClient } from '../src/client.js';
import { memoryTransport } from '../src/memory/index.js';
import { createTaskRegistry } from '../src/registry.js';
import { runJob } from '../src/run-job.js';
import type { AnyTaskDefinition } from '../src/task.js';

// Shared by the JSON boundary's tests (json-boundary*.test.ts): clients on the memory
// transport, and one job's trip through the queue and a worker's runJob.

const clients: Client[] = [];

/** For afterEach: closes the clients made since, and restores spies. */
export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  vi.restoreAllMocks();
}

export function newClient(): Client {
  const client = createClient({ transport: memoryTransport() });
  clients.push(client);
  return client;
}

/** Enqueues one job, runs it as a worker would, and returns what `run` received. */
export async function roundTrip<T extends AnyTaskDefinition>(
  client: Client,
  task: T,
  input: Parameters<Client['enqueue']>[1],
): Promise<{ received: unknown; result: unknown; stored: unknown }> {
  let received: unknown;
  const spy: AnyTaskDefinition = {
    ...task,
    run: (value: unknown, ctx: Parameters<T['run']>[1]) => {
      received = value;
      return task.run(value, ctx);
    },
  };
  const handle = await client.enqueue(task, input as never);
  const [reservation] = await client.transport.reserve({
    queues: [task.queue ?? 'default'],
    max: 1,
    leaseMs: 60_000,
    consumer: 'test',
  });
  if (!reservation) throw new Error('nothing was queued');
  const outcome = await runJob(reservation, {
    registry: createTaskRegistry([spy]),
    signal: new AbortController().signal,
  });
  await client.transport.settle([outcome.settlement]);
  const result = await handle.result({ timeout: 5_000 });
  return { received, result, stored: (await handle.info())?.result };
}

export async function queued(client: Client): Promise<number> {
  const counts = await client.transport.admin?.queueCounts?.(['default']);
  return counts?.[0]?.waiting ?? Number.NaN;
}
