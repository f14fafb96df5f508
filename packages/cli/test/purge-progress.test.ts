// A purge that runs long says so on a terminal, every PURGE_PROGRESS_MS; into a pipe, nothing.
import { memoryTransport, type TransportAdmin } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PURGE_PROGRESS_MS, purgeQueue } from '../src/commands/purge.js';
import type { AdminConnection } from '../src/connection.js';
import type { Io } from '../src/output.js';

afterEach(() => {
  vi.useRealTimers();
});

async function slowPurge(progress: boolean) {
  const transport = memoryTransport();
  const admin = transport.admin as TransportAdmin;
  await transport.enqueue([{ envelope: makeEnvelope('slow~0of2', { task: 'cli.plain' }) }]);
  await transport.enqueue([{ envelope: makeEnvelope('slow~1of2', { task: 'cli.plain' }) }]);
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let calls = 0;
  const watched: TransportAdmin = Object.create(admin);
  watched.purgeQueue = async (queue) => {
    const purged = await admin.purgeQueue(queue);
    // The second partition takes "long": until the test lets it go.
    if (++calls === 2) await held;
    return purged;
  };
  const err: string[] = [];
  const io: Io = {
    stdout: () => {},
    stderr: (line) => err.push(line),
    interactive: false,
    progress,
    confirm: async () => false,
    env: {},
    cwd: process.cwd(),
  };
  const connection: AdminConnection = {
    transport,
    admin: watched,
    origin: { kind: 'config', file: 'conveyor.config.ts', label: 'conveyor.config.ts' },
    clockOffsetMs: 0,
    close: async () => {},
  };
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  const done = purgeQueue(connection, 'slow', { yes: true }, io);
  await vi.waitFor(() => expect(calls).toBe(2), { timeout: 30_000 });
  await vi.advanceTimersByTimeAsync(PURGE_PROGRESS_MS);
  release();
  await done;
  await transport.close();
  return err;
}

describe('conveyor purge, running long', () => {
  it('says it is still at it on a terminal', async () => {
    expect(await slowPurge(true)).toEqual([
      `Purging queue slow (2 partitions): still at it after ${PURGE_PROGRESS_MS / 1_000} s (1 of 2 partitions done, 1 job deleted in them).`,
    ]);
  });

  it('says nothing into a pipe', async () => {
    expect(await slowPurge(false)).toEqual([]);
  });
});
