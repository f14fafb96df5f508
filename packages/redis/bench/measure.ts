/**
 * Quick figures for the README: Redis memory per waiting job, bulk enqueue, concurrent
 * single enqueues, and reserve+complete throughput, on a private redis-server.
 * Run: node --conditions=@conveyor/source --import tsx bench/measure.ts
 * (or against the build: node --import tsx bench/measure.ts --dist)
 */
import { makeEnvelope } from '@conveyor/core/testing';
import { startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';

const dist = process.argv.includes('--dist');
const { redisTransport } = (await import(
  dist ? '../dist/index.js' : '../src/index.js'
)) as typeof import('../src/index.js');

const N = Number(process.env.N ?? 100_000);
const input = { email: 'ada@example.com', n: 12345678 }; // 40 bytes of JSON
if (JSON.stringify(input).length !== 40)
  throw new Error(`input is ${JSON.stringify(input).length} bytes`);

const server = await startRedis();
const admin = new Redis(server.url);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);

try {
  for (const autoPipelining of [false, true]) {
    await admin.flushall();
    const transport = redisTransport({
      url: server.url,
      redis: { enableAutoPipelining: autoPipelining },
    });
    const label = autoPipelining ? 'auto-pipelining on ' : 'auto-pipelining off';
    const queue = 'bench';
    const envelopes = Array.from({ length: N }, () =>
      makeEnvelope(queue, { input, task: 'bench.task', maxAttempts: 3, priority: 5 }),
    );

    await transport.enqueue([{ envelope: makeEnvelope('warmup') }]);
    const before = await usedMemory();
    let start = performance.now();
    const batches = [];
    for (let i = 0; i < N; i += 1_000)
      batches.push(
        transport.enqueue(envelopes.slice(i, i + 1_000).map((envelope) => ({ envelope }))),
      );
    await Promise.all(batches);
    const bulkSeconds = (performance.now() - start) / 1000;
    const after = await usedMemory();
    console.log(
      `${label}: bulk enqueue ${Math.round(N / bulkSeconds)} jobs/s; memory ${((after - before) / N).toFixed(1)} bytes/waiting job`,
    );

    start = performance.now();
    let done = 0;
    const worker = async () => {
      for (;;) {
        const reserved = await transport.reserve({
          queues: [queue],
          max: 500,
          leaseMs: 30_000,
          consumer: 'bench',
        });
        if (reserved.length === 0) return;
        await transport.settle(
          reserved.map((r) => ({
            type: 'complete' as const,
            id: r.envelope.id,
            token: r.token,
            result: null,
          })),
        );
        done += reserved.length;
      }
    };
    await Promise.all([worker(), worker()]);
    const processSeconds = (performance.now() - start) / 1000;
    console.log(
      `${label}: reserve+complete ${Math.round(done / processSeconds)} jobs/s (${done} jobs, batches of 500, 2 loops)`,
    );

    const singles = Array.from({ length: 20_000 }, () => makeEnvelope('singles', { input }));
    start = performance.now();
    await Promise.all(singles.map((envelope) => transport.enqueue([{ envelope }])));
    console.log(
      `${label}: concurrent single enqueues ${Math.round(singles.length / ((performance.now() - start) / 1000))} jobs/s`,
    );
    await transport.close();
  }
} finally {
  admin.disconnect();
  await server.stop();
}
