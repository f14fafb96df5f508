/**
 * Where an idle worker's pickup latency goes: `node --import tsx src/profile-latency.ts
 * [samples]` (default 1,000, after 50 warm-up) in `apps/bench`, on a private redis-server it
 * starts. Conveyor's packages load from their `dist/` (add `--conditions=@conveyor/source` for
 * the sources).
 *
 * The latency case's loop (producer and worker in this process, one job at a time, 2 ms
 * apart, worker at concurrency 50), with timestamps along the path of each job, from the
 * `client.enqueue` call: the call reaching `transport.enqueue` (the client's own work), the
 * first socket write after it (the transport's), the first socket data after that (Redis and
 * the kernel: the enqueue script, the wake-up of the blocked worker and the reserve script
 * behind its BLPOP), the worker's reserve resolving, and the handler starting. Then the same
 * loop for a PING and for an LPUSH that wakes a BLPOP, the floor of one round trip after the
 * same idle gap, and Bee-Queue's `createJob().save()` to its socket write and its handler, for
 * comparison: its socket write, the first socket data after it (the worker's BRPOPLPUSH
 * waking), and its handler. Last, Redis' own time per script call (and Bee-Queue's per
 * command) from `SLOWLOG` (threshold 0) over a second pass.
 *
 * Medians and p90 of each, in ms. Wall clock: other load on the machine moves them.
 */
import net from 'node:net';
import { createClient, defineTask, silentLogger, type Transport } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { createWorker } from '@conveyor/worker';
import BeeQueue from 'bee-queue';
import { Redis } from 'ioredis';
import { type BenchPayload, benchPayloadSchema, payload } from './payload.js';
import { percentile } from './stats.js';

const samples = Number(process.argv[2] ?? 1_000);
const WARM_UP = 50;
const GAP_MS = Number(process.env.PROFILE_GAP_MS ?? 2);

const pause = (ms: number) =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
const ms = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(3)}  p90 ${percentile(values, 90).toFixed(3)}`;

/** Timestamps of the first socket write and the first socket data after `arm()`. */
function socketClock() {
  let armed = false;
  let wroteAt = 0;
  let dataAt = 0;
  const write = net.Socket.prototype.write;
  const emit = net.Socket.prototype.emit;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    if (armed && wroteAt === 0) wroteAt = performance.now();
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  net.Socket.prototype.emit = function (this: net.Socket, event: string, ...args: unknown[]) {
    if (event === 'data' && armed && wroteAt > 0 && dataAt === 0) dataAt = performance.now();
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...args]);
  } as typeof emit;
  return {
    arm() {
      armed = true;
      wroteAt = 0;
      dataAt = 0;
    },
    read() {
      armed = false;
      return { wroteAt, dataAt };
    },
  };
}

const redis = await startRedis();
const admin = new Redis(redis.url);
const clock = socketClock();
try {
  // --- Conveyor, instrumented --------------------------------------------------------------
  let expected = -1;
  let started: ((at: number) => void) | undefined;
  const task = defineTask({
    name: 'bench.noop',
    input: benchPayloadSchema,
    retry: { attempts: 1 },
    run(job: BenchPayload) {
      if (job.n === expected) started?.(performance.now());
      return null;
    },
  });
  const workerTransport = redisTransport({ url: redis.url, logger: silentLogger });
  const producerTransport = redisTransport({ url: redis.url, logger: silentLogger });
  let calledAt = 0;
  let reservedAt = 0;
  const enqueue = producerTransport.enqueue.bind(producerTransport);
  producerTransport.enqueue = ((requests) => {
    calledAt = performance.now();
    return enqueue(requests);
  }) as Transport['enqueue'];
  const reserve = workerTransport.reserve.bind(workerTransport);
  workerTransport.reserve = (async (request) => {
    const reservations = await reserve(request);
    if (reservations.length > 0) reservedAt = performance.now();
    return reservations;
  }) as Transport['reserve'];
  const worker = createWorker({
    transport: workerTransport,
    tasks: [task],
    queues: ['latency'],
    concurrency: 50,
    prefetch: 50,
    logger: silentLogger,
  });
  const running = worker.start();
  const client = createClient({ transport: producerTransport });
  const paths = { client: [] as number[], transport: [] as number[], redis: [] as number[] };
  const ends = {
    write: [] as number[],
    reply: [] as number[],
    reserved: [] as number[],
    started: [] as number[],
  };
  const loop = async (count: number, record: boolean) => {
    for (let i = 0; i < count; i += 1) {
      await pause(GAP_MS);
      const job = payload(i);
      expected = job.n;
      const startedAt = new Promise<number>((resolve) => {
        started = resolve;
      });
      clock.arm();
      const sentAt = performance.now();
      await client.enqueue(task, job, { queue: 'latency' });
      const startAt = await startedAt;
      const { wroteAt, dataAt } = clock.read();
      if (!record || i < WARM_UP || wroteAt === 0 || dataAt === 0) continue;
      paths.client.push(calledAt - sentAt);
      paths.transport.push(wroteAt - calledAt);
      paths.redis.push(dataAt - wroteAt);
      ends.write.push(wroteAt - sentAt);
      ends.reply.push(dataAt - sentAt);
      ends.reserved.push(reservedAt - sentAt);
      ends.started.push(startAt - sentAt);
    }
  };
  await loop(WARM_UP + samples, true);
  process.stdout.write(
    `Conveyor, ${samples} jobs one at a time, ${GAP_MS} ms apart (ms from the enqueue call):\n` +
      `  client.enqueue to transport.enqueue   ${ms(paths.client)}\n` +
      `  transport.enqueue to the socket write ${ms(paths.transport)}\n` +
      `  the write to the first reply data     ${ms(paths.redis)}\n` +
      `  the socket write                      ${ms(ends.write)}\n` +
      `  first reply data                      ${ms(ends.reply)}\n` +
      `  reserve resolved in the worker        ${ms(ends.reserved)}\n` +
      `  handler started                       ${ms(ends.started)}\n`,
  );

  // Redis' own time per script call, over a second pass with SLOWLOG recording every call.
  await admin.config('SET', 'slowlog-log-slower-than', '0');
  await admin.config('SET', 'slowlog-max-len', '100000');
  await admin.slowlog('RESET');
  await loop(Math.min(samples, 400), false);
  const entries = (await admin.slowlog('GET', 100_000)) as Array<
    [number, number, number, string[]]
  >;
  await admin.config('SET', 'slowlog-log-slower-than', '10000');
  // evalsha <sha> 21 <21 queue keys> <result TTL> <finished kept> <then each script's own>:
  // settle's first own argument is a group header (`c…`), enqueue's second the job format
  // version, reserve's second its lease (ms).
  const byScript = new Map<string, number[]>();
  for (const [, , micros, args] of entries) {
    if (String(args[0]).toLowerCase() !== 'evalsha') continue;
    // enqueue-one.lua takes 5 of the queue's keys.
    if (args[2] === '5') {
      byScript.set('enqueue-one', [...(byScript.get('enqueue-one') ?? []), micros / 1_000]);
      continue;
    }
    if (args[2] !== '21') continue;
    const first = String(args[26] ?? '');
    const second = String(args[27] ?? '');
    const name = /^[cfFrl]/.test(first) ? 'settle' : second === '1' ? 'enqueue' : 'reserve';
    byScript.set(name, [...(byScript.get(name) ?? []), micros / 1_000]);
  }
  process.stdout.write('  Redis time per script call (SLOWLOG, ms):\n');
  for (const [name, times] of byScript) {
    process.stdout.write(
      `    ${name.padEnd(11)} ${String(times.length).padStart(5)} calls  ${ms(times)}\n`,
    );
  }
  await worker.stop();
  await running;
  await client.close();
  await workerTransport.close();
  await producerTransport.close();

  // --- The floor: one round trip after the same idle gap ------------------------------------
  const blocking = new Redis(redis.url);
  const pings: number[] = [];
  const wakes: number[] = [];
  for (let i = 0; i < WARM_UP + samples; i += 1) {
    await pause(GAP_MS);
    const at = performance.now();
    await admin.ping();
    if (i >= WARM_UP) pings.push(performance.now() - at);
  }
  for (let i = 0; i < WARM_UP + samples; i += 1) {
    const woken = blocking.blpop('profile-latency:wake', 5).then(() => performance.now());
    await pause(GAP_MS);
    const at = performance.now();
    void admin.lpush('profile-latency:wake', 'x');
    const end = await woken;
    if (i >= WARM_UP) wakes.push(end - at);
  }
  blocking.disconnect();
  process.stdout.write(
    `One round trip after a ${GAP_MS} ms gap: PING ${ms(pings)}; LPUSH to a blocked BLPOP ${ms(wakes)}\n`,
  );

  // --- Bee-Queue, for comparison -------------------------------------------------------------
  const { hostname, port } = new URL(redis.url);
  const options = {
    redis: { host: hostname, port: Number(port) },
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
  };
  const beeWorker = new BeeQueue('profile-latency', { ...options, removeOnSuccess: true });
  const beeProducer = new BeeQueue('profile-latency', { ...options, isWorker: false });
  let beeExpected = -1;
  let beeStarted: ((at: number) => void) | undefined;
  beeWorker.process(50, async (job: { data: BenchPayload }) => {
    if (job.data.n === beeExpected) beeStarted?.(performance.now());
    return null;
  });
  await Promise.all([beeWorker.ready(), beeProducer.ready()]);
  const saved: number[] = [];
  const beeWrites: number[] = [];
  const beeData: number[] = [];
  const beeStarts: number[] = [];
  const beeSlowlogFrom = WARM_UP + samples - Math.min(samples, 400);
  for (let i = 0; i < WARM_UP + samples; i += 1) {
    if (i === beeSlowlogFrom) {
      await admin.config('SET', 'slowlog-log-slower-than', '0');
      await admin.slowlog('RESET');
    }
    await pause(GAP_MS);
    const job = payload(i);
    beeExpected = job.n;
    const startedAt = new Promise<number>((resolve) => {
      beeStarted = resolve;
    });
    clock.arm();
    const at = performance.now();
    await beeProducer.createJob(job).save();
    const savedAt = performance.now();
    const startAt = await startedAt;
    const { wroteAt, dataAt } = clock.read();
    if (i >= WARM_UP && wroteAt > 0 && dataAt > 0) {
      saved.push(savedAt - at);
      beeWrites.push(wroteAt - at);
      beeData.push(dataAt - at);
      beeStarts.push(startAt - at);
    }
  }
  const beeEntries = (await admin.slowlog('GET', 100_000)) as Array<
    [number, number, number, string[]]
  >;
  await admin.config('SET', 'slowlog-log-slower-than', '10000');
  await Promise.all([beeWorker.close(), beeProducer.close()]);
  const byCommand = new Map<string, number[]>();
  for (const [, , micros, args] of beeEntries) {
    const name = String(args[0]).toLowerCase();
    if (name === 'slowlog' || name === 'config') continue;
    byCommand.set(name, [...(byCommand.get(name) ?? []), micros / 1_000]);
  }
  process.stdout.write(
    `Bee-Queue, ${samples} jobs one at a time, ${GAP_MS} ms apart (ms from the createJob call):\n` +
      `  the socket write                      ${ms(beeWrites)}\n` +
      `  first reply data                      ${ms(beeData)} (the worker's BRPOPLPUSH waking)\n` +
      `  save() resolved                       ${ms(saved)}\n` +
      `  handler started                       ${ms(beeStarts)} (a BRPOPLPUSH wakes the worker, then it reads the job with HGET)\n` +
      '  Redis time per command (SLOWLOG, ms; evalsha is its enqueue script):\n',
  );
  for (const [name, times] of byCommand) {
    if (times.length < 10) continue;
    process.stdout.write(
      `    ${name.padEnd(10)} ${String(times.length).padStart(5)} calls  ${ms(times)}\n`,
    );
  }
} finally {
  admin.disconnect();
  await redis.stop();
}
