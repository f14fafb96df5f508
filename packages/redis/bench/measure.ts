/**
 * The package's own figures, on a private redis-server: Redis memory per waiting job,
 * bulk enqueue, concurrent single enqueues, reserve+complete through the transport,
 * one worker with a trivial handler, and processing at two queue depths.
 *
 * The machine is shared, so wall-clock jobs/s is noisy. Each phase therefore also
 * prints Redis' own accounting, which other processes disturb far less:
 * - `redis cpu`: used_cpu_sys + used_cpu_user of the redis-server, in ms per 1,000 jobs;
 * - `node cpu`: this process's CPU (process.cpuUsage), in ms per 1,000 jobs;
 * - `script`: `INFO commandstats` usec of EVALSHA/EVAL, in µs per job;
 * - `calls`: commands run inside scripts per job (Redis 7 counts them in commandstats);
 * - with CALLGRIND, `instr`: instructions redis-server executed per job, which no other
 *   load can move (see countInstructions).
 *
 * Run: pnpm measure [--json] [--help]. Env: N (jobs, default 100000), DEPTH (deep queue
 * size for the depth phase, default 1000000; 0 skips it), AUTOPIPELINE=1 (also measure
 * with ioredis auto-pipelining on), PHASES (comma list to run a subset), REPEAT,
 * COMPARE_SRC, CALLGRIND, REMOVE (see --help).
 */

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { defineTask } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';

if (process.argv.includes('--help')) {
  console.log(`Usage: pnpm measure [--json] [--dist]

Measures @conveyor/redis on a private redis-server (never the shared one).
  --json   print one JSON object per phase instead of text
  --dist   measure the build (dist/) instead of src/
Env: N=100000 jobs per phase, DEPTH=1000000 (0 skips the depth phase),
     COMPARE_SRC=<dir> to measure another copy of src/ (before/after in one sitting),
     AUTOPIPELINE=1 to repeat with ioredis auto-pipelining, REPEAT=1 rounds,
     REMOVE=1 to complete jobs with removeOnComplete (deleted, not kept),
     CONCURRENCY=1000 and PREFETCH=0 for the worker phase's worker,
     PHASES=bulk,transport,worker,singles,depth (also: split = reserve and complete apart),
     CALLGRIND=<dir> with REDIS_SERVER_BIN=<wrapper running
       valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=<dir>/callgrind.out.%p
       redis-server "$@"> to print redis-server instructions per job`);
  process.exit(0);
}

const json = process.argv.includes('--json');
const dist = process.argv.includes('--dist');
// COMPARE_SRC=<dir> measures another copy of src/ (e.g. a `git archive` of an older
// commit) in the same sitting, for before/after figures on a busy machine.
const source = process.env.COMPARE_SRC
  ? new URL(`${process.env.COMPARE_SRC.replace(/\/$/, '')}/index.ts`, `file://${process.cwd()}/`)
      .href
  : dist
    ? '../dist/index.js'
    : '../src/index.js';
const { redisTransport } = (await import(source)) as typeof import('../src/index.js');
type RedisTransport = ReturnType<typeof redisTransport>;

const N = Number(process.env.N ?? 100_000);
const REPEAT = Number(process.env.REPEAT ?? 1);
// REMOVE=1: completions delete the job (the task's removeOnComplete) instead of keeping it.
const REMOVE = process.env.REMOVE === '1';
/** A complete settlement as this run makes them (see REMOVE). */
const completion = (held: { id: string; token: string }) =>
  REMOVE
    ? { type: 'complete' as const, ...held, result: undefined, remove: true }
    : { type: 'complete' as const, ...held, result: null };
const DEPTH = Number(process.env.DEPTH ?? 1_000_000);
// The worker phase's concurrency (CONCURRENCY=50 with PREFETCH=50 is the bench's c50 case).
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 1_000);
const PREFETCH = Number(process.env.PREFETCH ?? 0);
const PHASES = new Set(
  (process.env.PHASES ?? 'bulk,transport,worker,singles,depth').split(',').map((s) => s.trim()),
);
const input = { email: 'ada@example.com', n: 12345678 }; // 40 bytes of JSON
if (JSON.stringify(input).length !== 40)
  throw new Error(`input is ${JSON.stringify(input).length} bytes`);

// CALLGRIND=<dir>: REDIS_SERVER_BIN runs redis-server under valgrind --tool=callgrind
// --instr-atstart=no writing to <dir>; each phase then also reports the instructions
// redis-server executed per job, a figure that other load on the machine cannot move.
const callgrindDir = process.env.CALLGRIND;
const server = await startRedis({ startTimeoutMs: callgrindDir ? 120_000 : 10_000 });

/** Instructions redis-server ran during `fn`, from a callgrind dump; undefined without CALLGRIND. */
async function countInstructions(fn: () => Promise<void>): Promise<number | undefined> {
  if (!callgrindDir || server.pid === undefined) {
    await fn();
    return undefined;
  }
  const pid = String(server.pid);
  for (const file of readdirSync(callgrindDir)) rmSync(`${callgrindDir}/${file}`);
  const control = (arg: string) =>
    execFileSync('callgrind_control', [arg, pid], { stdio: 'ignore' });
  control('--instr=on');
  await fn();
  control('--instr=off');
  control('--dump');
  let total = 0;
  for (const file of readdirSync(callgrindDir)) {
    const text = readFileSync(`${callgrindDir}/${file}`, 'utf8');
    for (const match of text.matchAll(/^(?:summary|totals): (\d+)/gm))
      total = Math.max(total, Number(match[1]));
  }
  return total;
}
const admin = new Redis(server.url);

async function info(section: string): Promise<Map<string, string>> {
  const text = await admin.info(section);
  const map = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) map.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return map;
}
const usedMemory = async () => Number((await info('memory')).get('used_memory'));
const redisCpu = async () => {
  const cpu = await info('cpu');
  return Number(cpu.get('used_cpu_sys')) + Number(cpu.get('used_cpu_user'));
};

interface Figure {
  phase: string;
  jobs: number;
  jobsPerSecond: number;
  redisCpuMsPer1000: number;
  /** This process (producer or worker and the bench itself), ms of CPU per 1,000 jobs. */
  nodeCpuMsPer1000: number;
  scriptUsecPerJob: number;
  /** Jobs per EVALSHA: how well the calls batch. */
  jobsPerScriptCall: number;
  callsPerJob: number;
  /** With CALLGRIND: instructions redis-server executed per job. */
  redisInstructionsPerJob?: number;
  topCommands: string;
  [extra: string]: unknown;
}

/** Runs `fn` (which handles `jobs` jobs) and reads Redis' accounting around it. */
async function phase(
  name: string,
  jobs: number,
  fn: () => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<Figure> {
  await admin.config('RESETSTAT');
  const cpuBefore = await redisCpu();
  const nodeBefore = process.cpuUsage();
  const start = performance.now();
  const instructions = await countInstructions(fn);
  const seconds = (performance.now() - start) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const cpuAfter = await redisCpu();
  const stats = await info('commandstats');
  let scriptUsec = 0;
  let scriptCalls = 0;
  let calls = 0;
  const perCommand: Array<[string, number, number]> = [];
  for (const [key, value] of stats) {
    const command = key.replace('cmdstat_', '');
    const callsOf = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    const usec = Number(/usec=(\d+)/.exec(value)?.[1] ?? 0);
    if (command === 'evalsha' || command === 'eval') {
      scriptUsec += usec;
      scriptCalls += callsOf;
    } else if (!['info', 'config', 'ping', 'blpop', 'client', 'lpush', 'ltrim'].includes(command)) {
      calls += callsOf;
      perCommand.push([command, callsOf / jobs, usec / jobs]);
    }
  }
  perCommand.sort((a, b) => b[2] - a[2]);
  const figure: Figure = {
    phase: name,
    jobs,
    jobsPerSecond: Math.round(jobs / seconds),
    redisCpuMsPer1000: Number((((cpuAfter - cpuBefore) * 1000) / (jobs / 1000)).toFixed(2)),
    nodeCpuMsPer1000: Number(((node.user + node.system) / 1000 / (jobs / 1000)).toFixed(2)),
    scriptUsecPerJob: Number((scriptUsec / jobs).toFixed(2)),
    jobsPerScriptCall: Math.round(jobs / Math.max(1, scriptCalls)),
    callsPerJob: Number((calls / jobs).toFixed(2)),
    ...(instructions === undefined
      ? {}
      : { redisInstructionsPerJob: Math.round(instructions / jobs) }),
    topCommands: perCommand
      .slice(0, 6)
      .map(([c, n, u]) => `${c} ${n.toFixed(2)}×/${u.toFixed(2)}µs`)
      .join(', '),
    ...extra,
  };
  if (json) console.log(JSON.stringify(figure));
  else
    console.log(
      `${name.padEnd(34)} ${String(figure.jobsPerSecond).padStart(7)} jobs/s | ${figure.redisInstructionsPerJob === undefined ? '' : `redis ${figure.redisInstructionsPerJob} instr/job | `}redis cpu ${figure.redisCpuMsPer1000.toFixed(1)} ms/1k jobs | node cpu ${figure.nodeCpuMsPer1000.toFixed(1)} ms/1k | script ${figure.scriptUsecPerJob.toFixed(1)} µs/job, ${figure.jobsPerScriptCall} jobs/call | ${figure.callsPerJob} calls/job (${figure.topCommands})${Object.entries(
        extra,
      )
        .map(([k, v]) => ` | ${k} ${v}`)
        .join('')}`,
    );
  return figure;
}

function envelopes(queue: string, count: number) {
  return Array.from({ length: count }, () =>
    makeEnvelope(queue, { input, task: 'bench.task', maxAttempts: 3, priority: 5 }),
  );
}

/** Enqueues in batches of 1,000; `all` is made beforehand so that only the enqueue is timed. */
async function bulkEnqueue(
  transport: RedisTransport,
  queue: string,
  count: number,
  all = envelopes(queue, count),
) {
  const batches = [];
  for (let i = 0; i < count; i += 1_000)
    batches.push(transport.enqueue(all.slice(i, i + 1_000).map((envelope) => ({ envelope }))));
  await Promise.all(batches);
}

/** Two reserve→complete loops straight on the transport, batches of 500. */
async function drainWithTransport(transport: RedisTransport, queue: string, limit = Infinity) {
  let done = 0;
  // Jobs asked for but not yet returned, so that two loops never take more than `limit`.
  let claimed = 0;
  const loop = async () => {
    while (claimed < limit) {
      const want = Math.min(500, limit - claimed);
      claimed += want;
      const reserved = await transport.reserve({
        queues: [queue],
        max: want,
        leaseMs: 30_000,
        consumer: 'bench',
        ...(REMOVE && { removeOnComplete: [queue] }),
      });
      claimed -= want - reserved.length;
      if (reserved.length === 0) return;
      done += reserved.length;
      await transport.settle(
        reserved.map((r) => completion({ id: r.envelope.id, token: r.token })),
      );
    }
  };
  await Promise.all([loop(), loop()]);
  return done;
}

/** Accepts any input: the figure is the transport's, not a schema library's. */
const anyInput = {
  '~standard': {
    version: 1 as const,
    vendor: 'bench',
    validate: (value: unknown) => ({ value }),
  },
};

/** One `createWorker` with a trivial handler until `count` jobs ran. */
async function drainWithWorker(transport: RedisTransport, queue: string, count: number) {
  let ran = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const task = defineTask({
    name: 'bench.task',
    input: anyInput,
    queue,
    removeOnComplete: REMOVE,
    run: () => {
      ran += 1;
      if (ran === count) finish();
      return null;
    },
  });
  // Loaded from the sibling package's sources: a dependency on @conveyor/worker (which
  // depends on this package for its tests) would make a cycle in turbo's build graph.
  const workerModule = new URL('../../worker/src/index.ts', import.meta.url).href;
  const { createWorker } = (await import(workerModule)) as {
    createWorker(options: {
      transport: RedisTransport;
      tasks: unknown[];
      concurrency: number;
      prefetch: number;
      settleBatchSize: number;
      reserveWaitMs: number;
      logger: typeof silent;
    }): { start(): Promise<void>; stop(): Promise<void> };
  };
  const worker = createWorker({
    transport,
    tasks: [task],
    concurrency: CONCURRENCY,
    prefetch: PREFETCH,
    settleBatchSize: 1_000,
    reserveWaitMs: 1_000,
    logger: silent,
  });
  const running = worker.start();
  await all;
  await worker.stop();
  await running;
}

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

try {
  for (const autoPipelining of process.env.AUTOPIPELINE === '1' ? [false, true] : [false]) {
    const label = autoPipelining ? ' (auto-pipelining)' : '';
    await admin.flushall();
    const transport = redisTransport({
      url: server.url,
      redis: { enableAutoPipelining: autoPipelining },
    });
    await transport.enqueue([{ envelope: makeEnvelope('warmup') }]);

    for (let round = 1; round <= REPEAT; round++) {
      if (PHASES.has('bulk') || PHASES.has('transport')) {
        const prepared = envelopes('bench', N);
        const before = await usedMemory();
        await phase(`bulk enqueue${label}`, N, () => bulkEnqueue(transport, 'bench', N, prepared));
        const perJob = ((await usedMemory()) - before) / N;
        if (json) console.log(JSON.stringify({ phase: 'memory', bytesPerWaitingJob: perJob }));
        else console.log(`memory per waiting job: ${perJob.toFixed(1)} bytes`);
        await phase(`reserve+complete, transport${label}`, N, async () => {
          const done = await drainWithTransport(transport, 'bench');
          if (done !== N) throw new Error(`processed ${done} of ${N}`);
        });
      }
      if (PHASES.has('split')) {
        // Reserve and complete as separate phases, to see which script costs what.
        await bulkEnqueue(transport, 'bench-s', N);
        const held: Array<{ id: string; token: string }> = [];
        await phase(`reserve only (batches of 500)${label}`, N, async () => {
          for (;;) {
            const got = await transport.reserve({
              queues: ['bench-s'],
              max: 500,
              leaseMs: 600_000,
              consumer: 'bench',
              ...(REMOVE && { removeOnComplete: ['bench-s'] }),
            });
            if (got.length === 0) return;
            for (const r of got) held.push({ id: r.envelope.id, token: r.token });
          }
        });
        await phase(`complete only (batches of 500)${label}`, N, async () => {
          for (let i = 0; i < held.length; i += 500)
            await transport.settle(held.slice(i, i + 500).map(completion));
        });
      }
      if (PHASES.has('worker')) {
        await bulkEnqueue(transport, 'bench-w', N);
        await phase(`worker, trivial handler${label}`, N, () =>
          drainWithWorker(transport, 'bench-w', N),
        );
      }
      if (PHASES.has('singles')) {
        const singles = envelopes('singles', 20_000);
        await phase(`concurrent single enqueues${label}`, singles.length, async () => {
          await Promise.all(singles.map((envelope) => transport.enqueue([{ envelope }])));
        });
      }
    }
    if (PHASES.has('depth') && DEPTH > 0 && !autoPipelining) {
      // Alternate shallow and deep samples so that both see the same machine load.
      // Each sample processes 10k jobs; the shallow queue is refilled to 10k first.
      const take = 10_000;
      await bulkEnqueue(transport, 'deep', DEPTH);
      for (let round = 1; round <= 3; round++) {
        await bulkEnqueue(transport, 'shallow', take);
        await phase(`process 10k at depth 10k (#${round})`, take, async () => {
          await drainWithTransport(transport, 'shallow', take);
        });
        await phase(`process 10k at depth ${DEPTH} (#${round})`, take, async () => {
          await drainWithTransport(transport, 'deep', take);
        });
      }
    }
    await transport.close();
  }
} finally {
  admin.disconnect();
  await server.stop();
}
