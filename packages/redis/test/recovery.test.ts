import { silentLogger, type Transport } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisTransport, redisTransport } from '../src/index.js';
import { enqueueMany, sleep } from './helpers/util.js';

const servers: RedisServer[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function setUp(): Promise<{ server: RedisServer; transport: RedisTransport }> {
  const server = await startRedis({ appendfsync: 'always' });
  servers.push(server);
  const transport = redisTransport({ url: server.url, logger: silentLogger });
  transports.push(transport);
  return { server, transport };
}

/** A consumer loop that survives errors, as a worker does. */
function consume(
  transport: Transport,
  queue: string,
  done: Set<string>,
  stop: AbortSignal,
): Promise<void> {
  return (async () => {
    while (!stop.aborted) {
      try {
        const jobs = await transport.reserve({
          queues: [queue],
          max: 50,
          leaseMs: 10_000,
          waitMs: 1_000,
          consumer: 'recovery',
          signal: stop,
        });
        const statuses = await transport.settle(
          jobs.map((job) => ({
            type: 'complete' as const,
            id: job.envelope.id,
            token: job.token,
            result: null,
          })),
        );
        jobs.forEach((job, index) => {
          if (statuses[index] === 'ok') done.add(job.envelope.id);
        });
      } catch {
        await sleep(100);
      }
    }
  })();
}

describe('Redis restarts', () => {
  it('keeps every acknowledged enqueue across kill -9 with appendfsync always', async () => {
    const { server, transport } = await setUp();
    const queue = uniqueQueue('durable');
    const envelopes = await enqueueMany(transport, queue, 500);
    await server.kill('SIGKILL');
    await server.restart();
    for (const envelope of envelopes) {
      const record = await transport.getJob(envelope.id);
      expect(record?.state).toBe('waiting');
    }
  });

  it('lets a blocked consumer resume on its own within seconds after kill -9 and restart', async () => {
    const { server, transport } = await setUp();
    const queue = uniqueQueue('resume');
    const done = new Set<string>();
    const stop = new AbortController();
    const consumer = consume(transport, queue, done, stop.signal);
    const before = await enqueueMany(transport, queue, 20);
    await expect.poll(() => done.size, { timeout: 15_000 }).toBe(20);

    await server.kill('SIGKILL');
    await sleep(500);
    await server.restart();
    const after = await enqueueMany(transport, queue, 20);
    // On its own: nothing here restarts the consumer; the poll's timeout is the only bound.
    await expect.poll(() => after.every((job) => done.has(job.id)), { timeout: 30_000 }).toBe(true);
    expect(before.every((job) => done.has(job.id))).toBe(true);
    stop.abort();
    await consumer;
  });

  it('fails an enqueue with a typed CONNECTION error while Redis stays down', async () => {
    const { server, transport } = await setUp();
    const queue = uniqueQueue('down');
    await enqueueMany(transport, queue, 1);
    await server.kill('SIGKILL');
    await expect(enqueueMany(transport, queue, 1)).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      failure: 'CONNECTION',
    });
  });

  it('an enqueue that may have been stored names its jobs, to look them up before sending again', async () => {
    // It said only "retry it with the same idempotencyKey": a caller without a key (a stub's
    // .delay() cannot set one) could not, and never saw the job's id.
    const { server, transport } = await setUp();
    const queue = uniqueQueue('lost');
    await enqueueMany(transport, queue, 1);
    await server.kill('SIGKILL');
    const [one] = await enqueueMany(transport, queue, 1).then(
      () => [],
      (error: Error) => [error],
    );
    expect(one?.message).toMatch(
      new RegExp(
        `may have been stored before its reply was lost: look the job up by id before sending it again \\(client\\.getJob\\(id\\), conveyor inspect <id>\\): ${queue}:[\\w-]+\\.$`,
      ),
    );
    const keyed = makeEnvelope(queue, { idempotencyKey: 'order-1' });
    const many = [keyed, ...Array.from({ length: 4 }, () => makeEnvelope(queue))];
    const error = await transport.enqueue(many.map((envelope) => ({ envelope }))).then(
      () => undefined,
      (thrown: Error) => thrown,
    );
    expect(error?.message).toContain(
      `look the jobs up by id before sending them again (client.getJob(id), conveyor inspect <id>): ${many[0]?.id}, ${many[1]?.id}, ${many[2]?.id} and 2 more. A job with an idempotencyKey can instead be sent again with the same key: it is stored once.`,
    );
    // Every id, in a field: a caller need not parse the message (which lists three).
    expect(error).toMatchObject({ mayBeStored: true, jobIds: many.map((job) => job.id) });
    const [onlyId] = (one as { jobIds?: readonly string[] } | undefined)?.jobIds ?? [];
    expect(one?.message.endsWith(`${onlyId}.`)).toBe(true);
    expect(onlyId).toMatch(new RegExp(`^${queue}:[\\w-]+$`));
  });

  it("an enqueue on a Redis never reached says why in the socket's words, and that nothing was sent", async () => {
    // A port nothing listens on: a server started and stopped, so the port was free.
    const server = await startRedis();
    const { port } = server;
    await server.stop();
    const transport = redisTransport({ url: `redis://127.0.0.1:${port}`, logger: silentLogger });
    transports.push(transport);
    const error = await enqueueMany(transport, uniqueQueue('never'), 1).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', failure: 'CONNECTION' });
    // It read "Reached the max retries per request limit (which is 10) …" and advised
    // retrying with the same idempotencyKey, as if the job might have been stored.
    expect(error?.message).toContain(
      `at 127.0.0.1:${port} failed (CONNECTION): connect ECONNREFUSED`,
    );
    expect(error?.message).toContain('Nothing was sent: the connection was never made.');
    expect(error?.message).not.toContain('maxRetriesPerRequest');
    expect(error?.message).not.toContain('idempotencyKey');
  });

  it('close() fails at once the calls still queued for a Redis that is down, leaving no timer behind', async () => {
    const server = await startRedis();
    const { port } = server;
    await server.stop();
    const transport = redisTransport({ url: `redis://127.0.0.1:${port}`, logger: silentLogger });
    // Once a call has given up, the client waits between connection attempts (ioredis'
    // `reconnecting`), when a disconnect flushed nothing: a call queued then was left to its
    // 10 s command timeout ("Command timed out"), which kept the process up that long.
    await expect(transport.ready()).rejects.toMatchObject({ failure: 'CONNECTION' });
    const pending = transport.getJob(`${uniqueQueue('down')}:x`).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    await transport.close();
    const error = await pending;
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', failure: 'CONNECTION' });
    expect(error?.message).toContain('get-job');
    expect(error?.message).not.toContain('timed out');
  });

  it('ready() on a Redis that is down says where it went and what the socket said', async () => {
    const { server, transport } = await setUp();
    await server.kill('SIGKILL');
    // ioredis gives up with "Reached the max retries per request limit", naming neither.
    const error = await transport.ready().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      failure: 'CONNECTION',
      endpoint: `127.0.0.1:${server.port}`,
    });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[conveyor\\] \\[redis\\] ping at 127\\.0\\.0\\.1:${server.port} failed \\(CONNECTION\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${server.port}\\. Redis could not be reached`,
      ),
    );
  });

  it('fails an enqueue with a typed OOM error when Redis is full', async () => {
    const server = await startRedis({
      args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'],
    });
    servers.push(server);
    const transport = redisTransport({ url: server.url, logger: silentLogger });
    transports.push(transport);
    const queue = uniqueQueue('oom');
    const big = 'x'.repeat(10_000);
    let failure: unknown;
    for (let i = 0; i < 500 && !failure; i++) {
      await transport.enqueue([{ envelope: makeBig(queue, i, big) }]).catch((error: unknown) => {
        failure = error;
      });
    }
    expect(failure).toMatchObject({ code: 'TRANSPORT_ERROR', failure: 'OOM' });
  });
});

function makeBig(queue: string, index: number, text: string) {
  return {
    v: 1 as const,
    id: `${queue}:big${index}`,
    task: 't',
    queue,
    input: { text },
    attempt: 0,
    maxAttempts: 1,
    priority: 5,
    enqueuedAt: Date.now(),
  };
}
