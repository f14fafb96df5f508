/**
 * Why the cost per job changes with the number of worker processes: `node
 * --conditions=@conveyor/source --import tsx src/profile-scale.ts [jobs] [processes…]`
 * (default 30,000 jobs, 1 2 4 processes), on a private redis-server it starts.
 *
 * For each number of processes: fills the queue, resets Redis' counters, and runs the
 * scale-out case's workers (the bench's own worker processes, at concurrency 50 each)
 * until every job is done. Then prints, per job: Redis CPU, worker CPU, and the calls and
 * µs of every command in `INFO commandstats` (commands inside scripts are counted too), and
 * the reserve and settle shapes read off them: a reserve call runs one LMPOP (Redis 7; more
 * only when it drains a priority list) and a settle call one ZCOUNT (no other script the
 * workers run uses either).
 *
 * The worker processes are forked with this process's Node options, so `node --cpu-prof
 * --cpu-prof-dir=<dir> …` profiles them too (one file per process, written when it exits),
 * and `node --single-threaded-gc …` runs them without GC helper threads. With
 * `REDIS_NICE=<n>` redis-server runs at that priority (e.g. -10).
 *
 * Worker CPU is `process.cpuUsage()` from `go` to about the last completion (as in the bench);
 * the split by thread (main, and the rest: GC helpers, compiler) and the context switches
 * come from /proc, from `go` to when the last job was done.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import { fill } from './cases/fill.js';
import { createRedisProbe } from './redis-probe.js';
import { conveyorSystem } from './systems/conveyor.js';
import { createWorkerPool } from './worker-pool.js';

const QUEUE = 'scale';
const CONCURRENCY = 50;

const jobs = Number(process.argv[2] ?? 30_000);
const counts = process.argv.slice(3).map(Number);
const plan = counts.length > 0 ? counts : [1, 2, 4];

interface ProcessCounters {
  voluntary: number;
  involuntary: number;
  /** CPU ticks (user + system) of the main threads, and of all other threads (GC, compiler). */
  mainTicks: number;
  otherTicks: number;
}

function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Context switches and CPU ticks by thread of this process's children (the worker processes). */
function counters(): ProcessCounters {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean);
  const total = { voluntary: 0, involuntary: 0, mainTicks: 0, otherTicks: 0 };
  for (const pid of children) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total.voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    total.involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ticks = ticksOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      if (tid === pid) total.mainTicks += ticks;
      else total.otherTicks += ticks;
    }
  }
  return total;
}

interface CommandStat {
  calls: number;
  usec: number;
}

function commandStats(info: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

const redis = await startRedis();
// REDIS_NICE=<n>: runs redis-server at that priority (an experiment: does Redis' share of the
// cores bound the throughput?).
if (process.env.REDIS_NICE && redis.pid !== undefined) {
  execFileSync('renice', ['-n', process.env.REDIS_NICE, '-p', String(redis.pid)]);
}
const probe = createRedisProbe(redis.url);
const raw = new Redis(redis.url);
const pool = createWorkerPool(Math.max(...plan));
const f = (n: number, digits = 2) => n.toFixed(digits);
try {
  for (const processes of plan) {
    await raw.flushall();
    const producer = await conveyorSystem.createProducer({ url: redis.url, queue: QUEUE });
    await fill(producer, jobs, 1_000);
    let redisAtGo = 0;
    let redisAtEnd = 0;
    let stats = new Map<string, CommandStat>();
    let atGo = counters();
    let atEnd = atGo;
    const result = await pool.run({
      system: 'conveyor',
      processes,
      consumer: { url: redis.url, queue: QUEUE, concurrency: CONCURRENCY },
      until: (c) => c.completed >= jobs,
      timeoutMs: 120_000,
      beforeGo: async () => {
        await raw.config('RESETSTAT');
        redisAtGo = await probe.cpuMs();
        atGo = counters();
      },
      onReached: async () => {
        atEnd = counters();
        redisAtEnd = await probe.cpuMs();
        stats = commandStats(await raw.info('commandstats'));
      },
    });
    await producer.close();
    const done = result.completed;
    const ms = result.lastAt - result.startedAt;
    const at = (name: string) => stats.get(name)?.calls ?? 0;
    const reserves = at('lmpop');
    const settles = at('zcount');
    process.stdout.write(
      `\n${processes} process${processes === 1 ? '' : 'es'}, ${done} jobs in ${Math.round(ms)} ms: ` +
        `${Math.round(done / (ms / 1_000))} jobs/s, Redis busy ${f((redisAtEnd - redisAtGo) / ms)} cores; per job Redis CPU ${f(((redisAtEnd - redisAtGo) / done) * 1_000, 1)} µs, ` +
        `worker CPU ${f(result.cpuMicros / done, 1)} µs (all processes; ${Math.round(result.cpuMicros / 1_000)} ms in all), first job after ${result.firstAt - result.startedAt} ms\n` +
        `  reserve calls ${reserves} (${f(done / reserves, 1)} jobs each), ` +
        `settle calls ${settles} (${f(done / settles, 1)} jobs each), BLPOP ${at('blpop')}, ` +
        `marker LPUSH ${at('lpush')}\n` +
        `  worker context switches per 1,000 jobs: ${f(((atEnd.voluntary - atGo.voluntary) / done) * 1_000, 1)} voluntary, ` +
        `${f(((atEnd.involuntary - atGo.involuntary) / done) * 1_000, 1)} involuntary; worker CPU per job by thread: ` +
        `main ${f(((atEnd.mainTicks - atGo.mainTicks) * 10_000) / done, 1)} µs, others ${f(((atEnd.otherTicks - atGo.otherTicks) * 10_000) / done, 1)} µs\n`,
    );
    const rows = [...stats.entries()].sort((a, b) => b[1].usec - a[1].usec);
    for (const [name, stat] of rows) {
      process.stdout.write(
        `  ${name.padEnd(16)} calls/job ${f(stat.calls / done, 4).padStart(8)}  µs/job ${f(stat.usec / done, 2).padStart(7)}  µs/call ${f(stat.usec / stat.calls, 2).padStart(8)}\n`,
      );
    }
  }
} finally {
  await pool.close();
  raw.disconnect();
  probe.close();
  await redis.stop();
}
