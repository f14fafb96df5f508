// `conveyor enqueue --wait` across a Redis restart, in-process, on a private redis-server
// with an append-only file (the job survives the restart).
import { silentLogger } from '@conveyor/core';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { createWorker } from '@conveyor/worker';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { waitFailed } from '../src/commands/enqueue-wait.js';
import type { Connection } from '../src/connection.js';
import { followUp } from '../src/follow-up.js';
import { echo } from './fixtures/tasks.js';
import { producerSetup, startCli, TASKS, WAIT_MS } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
});
afterAll(async () => {
  await redis?.stop();
});

it('prints the id before waiting, rides out a Redis restart, and prints the outcome', async () => {
  // The id came only once the wait ended, and a restart of two seconds failed the wait after
  // ~300 ms of reconnecting, telling the user to run the command again (a second job).
  const { args, transport, close } = producerSetup(redis.url);
  const run = startCli(['enqueue', 'cli.echo', '{"n":7}', '--wait', '--tasks', TASKS, ...args]);
  await vi.waitFor(() => expect(run.stdout()).toMatch(/^Enqueued cli\.echo as \S+: waiting\.$/m), {
    timeout: WAIT_MS,
  });
  const id = /as (\S+):/.exec(run.stdout())?.[1] as string;
  await redis.kill('SIGKILL');
  await redis.restart();
  const worker = createWorker({ transport, tasks: [echo], logger: silentLogger });
  const running = worker.start();
  const { code, stdout, stderr } = await run.done;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain(`as ${id}: waiting.\nCompleted; result: `);
  await worker.stop();
  await running;
  await close();
}, 60_000);

it('a wait that fails names the stored job and does not say to run the command again', () => {
  const connection = {
    origin: { kind: 'redis', settings: { url: 'redis://127.0.0.1:1', prefix: 'conveyor' } },
    transport: { name: 'redis' },
  } as unknown as Connection;
  const lost = Object.assign(new Error('Connection is closed.'), {
    code: 'TRANSPORT_ERROR',
    failure: 'CONNECTION',
  });
  const error = waitFailed(connection, lost, 'job cli-echo:abc', followUp());
  expect(error).toMatchObject({ code: 'REDIS_UNREACHABLE' });
  expect(error.message).toMatch(
    /^The job cli-echo:abc is stored and goes on, but waiting for its outcome failed: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(the connection was lost\)\. Check that Redis is running and reachable there\. `conveyor inspect cli-echo:abc` shows it once the broker answers; do not run the command again, which would add it twice\.$/,
  );
  const other = waitFailed(connection, new Error('ERR unexpected'), 'workflow w1', followUp());
  expect(other).toMatchObject({ code: 'FAILED' });
  expect(other.message).toContain(
    'waiting for its outcome failed: ERR unexpected. `conveyor inspect w1`',
  );
});
