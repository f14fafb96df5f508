/**
 * One worker with a trivial handler against a private redis-server: jobs/s and this
 * process's CPU per job (µs), the worker's own cost plus the transport's client side.
 *
 * Run: node --conditions=@conveyor/source --import tsx bench/throughput.ts [--help]
 * Env: N (jobs per round, default 100000), REPEAT (rounds, default 3),
 *      COMPARE=<dir> holding a copy of worker/src and core/src (as `<dir>/worker/src`,
 *      `<dir>/core/src`, with the worker's `@conveyor/core` imports pointing at the copy):
 *      rounds then alternate this source and the copy, for before/after figures in one
 *      sitting on a busy machine.
 */

import { defineTask } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';

if (process.argv.includes('--help')) {
  console.log(`Usage: node --conditions=@conveyor/source --import tsx bench/throughput.ts

One createWorker with a trivial handler on a private redis-server (never the shared one).
Prints jobs/s and Node CPU µs per job for each round.
Env: N=100000 jobs per round, REPEAT=3 rounds,
     COMPARE=<dir> (copies of worker/src and core/src) to alternate old and new rounds.`);
  process.exit(0);
}

const N = Number(process.env.N ?? 100_000);
const REPEAT = Number(process.env.REPEAT ?? 3);
type CreateWorker = typeof import('../src/index.js').createWorker;
type DefineTask = typeof defineTask;
interface Variant {
  name: string;
  createWorker: CreateWorker;
  defineTask: DefineTask;
}
const variants: Variant[] = [
  {
    name: 'src',
    createWorker: (await import('../src/index.js')).createWorker,
    defineTask,
  },
];
if (process.env.COMPARE) {
  const dir = new URL(`${process.env.COMPARE.replace(/\/$/, '')}/`, `file://${process.cwd()}/`);
  variants.unshift({
    name: 'base',
    createWorker: (await import(new URL('worker/src/index.ts', dir).href)).createWorker,
    defineTask: (await import(new URL('core/src/index.ts', dir).href)).defineTask,
  });
}

const anyInput = {
  '~standard': {
    version: 1 as const,
    vendor: 'bench',
    validate: (value: unknown) => ({ value }),
  },
};
const noop = () => {};
const silent = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silent,
} as never;

const server = await startRedis();
const transport = redisTransport({ url: server.url });
const input = { email: 'ada@example.com', n: 12345678 };

async function fill(queue: string) {
  const batches = [];
  for (let i = 0; i < N; i += 1_000) {
    const envelopes = Array.from({ length: Math.min(1_000, N - i) }, () => ({
      envelope: makeEnvelope(queue, { input, task: 'bench.task', maxAttempts: 3 }),
    }));
    batches.push(transport.enqueue(envelopes));
  }
  await Promise.all(batches);
}

async function round(variant: Variant, queue: string) {
  await fill(queue);
  let ran = 0;
  let finish: () => void = noop;
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const task = variant.defineTask({
    name: 'bench.task',
    input: anyInput,
    queue,
    run: () => {
      ran += 1;
      if (ran === N) finish();
      return null;
    },
  });
  const worker = variant.createWorker({
    transport,
    tasks: [task],
    concurrency: 1_000,
    settleBatchSize: 1_000,
    reserveWaitMs: 1_000,
    logger: silent,
  });
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const running = worker.start();
  await all;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();
  await running;
  return { jobsPerSecond: Math.round(N / seconds), cpuUsPerJob: (cpu.user + cpu.system) / N };
}

try {
  const results = new Map<string, Array<{ jobsPerSecond: number; cpuUsPerJob: number }>>();
  for (let r = 1; r <= REPEAT; r++) {
    for (const variant of variants) {
      const figure = await round(variant, `bench-${variant.name}-${r}`);
      (results.get(variant.name) ?? results.set(variant.name, []).get(variant.name))?.push(figure);
      console.log(
        `round ${r} ${variant.name.padEnd(5)} ${String(figure.jobsPerSecond).padStart(7)} jobs/s | node cpu ${figure.cpuUsPerJob.toFixed(1)} µs/job`,
      );
    }
  }
  for (const [name, figures] of results) {
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;
    console.log(
      `median ${name.padEnd(5)} ${String(median(figures.map((f) => f.jobsPerSecond))).padStart(7)} jobs/s | node cpu ${median(figures.map((f) => f.cpuUsPerJob)).toFixed(1)} µs/job`,
    );
  }
} finally {
  await transport.close();
  await server.stop();
}
