/**
 * Where a Conveyor flow's time goes: `node --conditions=@conveyor/source --import tsx
 * src/profile-flow.ts [children]` (default 10,000), on a private redis-server it starts.
 *
 * 1. The flow case's workflow (a map stage of the children, then the fan-in step), run by
 *    one `createWorker({ workflows })` at concurrency 50 in this process, with a timeline
 *    (expand, enqueue, first and last child, parent) and the transport's calls per child.
 * 2. The same number of plain no-op jobs on the same worker: the baseline per job.
 * 3. Redis CPU per call of `workflows.claim` and `workflows.record` (50 in flight) against an
 *    `EVALSHA` that returns 1, and per child of `claimMany` and `recordMany` in batches of 25
 *    (as the worker sends them), and of the expand.
 *
 * Redis CPU is the `INFO cpu` delta; worker CPU is this process's `cpuUsage()`. Both are
 * CPU time, which other load on the machine moves less than wall time. A second argument
 * `flow` runs step 1 only (e.g. under `node --cpu-prof`).
 */
import {
  type AnyTaskDefinition,
  createClient,
  newWorkflowId,
  type StepAddress,
  silentLogger,
  type Transport,
  workflowPlan,
} from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { startRedis } from '@conveyor/test-redis';
import { createWorker } from '@conveyor/worker';
import { Redis } from 'ioredis';
import { payload, payloads } from './payload.js';
import { createRedisProbe, type RedisProbe } from './redis-probe.js';
import { benchTasks } from './systems/conveyor.js';
import { flowWorkflow } from './systems/conveyor-flows.js';

const QUEUE = 'profile';
const CONCURRENCY = 50;
/** Children per claimMany / recordMany call in the script measurement (the worker's are 20–30). */
const BATCH = 25;
/** The most children a worker allows a map stage (`maxWorkflowChildren`). */
const MAX_CHILDREN = 100_000;

/** A transport whose calls are counted by name, with `onCall` told of each before it runs. */
function counted<T extends object>(
  target: T,
  calls: Map<string, number>,
  onCall: (name: string, args: unknown[], result: unknown) => void,
  prefix = '',
): T {
  return new Proxy(target, {
    get(object, key) {
      const found = Reflect.get(object, key);
      if (key === 'workflows' && typeof found === 'object' && found !== null) {
        return counted(found, calls, onCall, 'workflows.');
      }
      if (typeof found !== 'function') return found;
      return (...args: unknown[]) => {
        const name = `${prefix}${String(key)}`;
        calls.set(name, (calls.get(name) ?? 0) + 1);
        const result = (found as (...a: unknown[]) => unknown).apply(object, args);
        onCall(name, args, result);
        return result;
      };
    },
  });
}

interface RunFigures {
  ms: number;
  redisUs: number;
  workerUs: number;
  /** Redis commands per child (job): [name, calls], scripts' own commands included. */
  commands: Array<[string, number]>;
  marks: Array<[string, number]>;
  calls: Array<[string, number]>;
}

/** Runs the workflow (`flow`) or `count` plain jobs (`plain`) on a fresh worker. */
async function runOnce(
  url: string,
  probe: RedisProbe,
  count: number,
  mode: 'flow' | 'plain',
): Promise<RunFigures> {
  await probe.flush();
  const calls = new Map<string, number>();
  const marks = new Map<string, number>();
  let t0 = 0;
  const first = (name: string) => {
    if (!marks.has(name)) marks.set(name, performance.now() - t0);
  };
  const latest = (name: string) => marks.set(name, performance.now() - t0);
  const inner = redisTransport({ url, logger: silentLogger });
  await inner.getJob(`${QUEUE}:warmup`);
  const transport = counted(inner, calls, (name, args, result) => {
    if (name === 'workflows.expand') {
      first('expand called');
      void (result as Promise<unknown>).then(() => first('expand returned'));
    } else if (name === 'workflows.claim' || name === 'workflows.claimMany') {
      // claimMany (the worker's batches) takes a list of addresses, claim one.
      const addresses = (Array.isArray(args[1]) ? args[1] : [args[1]]) as StepAddress[];
      if (addresses.some((a) => a.child !== undefined)) {
        first('first child claimed');
        latest('last child claimed');
      }
      if (addresses.some((a) => a.step === 'parent')) first('parent claimed');
    } else if (name === 'enqueue' && (args[0] as unknown[]).length > 100) {
      void (result as Promise<unknown>).then(() => latest('children enqueued'));
    }
  });
  const { child, parent, workflow } = flowWorkflow(QUEUE);
  const { noop } = benchTasks();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  let completed = 0;
  const tasks: AnyTaskDefinition[] = mode === 'flow' ? [child, parent] : [noop];
  const worker = createWorker({
    transport: transport as Transport,
    tasks,
    workflows: mode === 'flow' ? [workflow] : [],
    queues: [QUEUE],
    concurrency: CONCURRENCY,
    prefetch: CONCURRENCY,
    logger: silentLogger,
    // The map stage's limit (default 10,000) would fail a larger flow, whose parent then never runs.
    maxWorkflowChildren: Math.max(count, 10_000),
  });
  worker.on((event) => {
    if (event.type !== 'completed') return;
    completed += 1;
    const end = mode === 'flow' ? event.task === parent.name : completed === count;
    if (end) {
      latest(mode === 'flow' ? 'parent done' : 'all done');
      done();
    }
  });
  const client = createClient({ transport: redisTransport({ url, logger: silentLogger }) });
  if (mode === 'plain') {
    for (let from = 0; from < count; from += 1_000) {
      await client.enqueueMany(noop, payloads(Math.min(1_000, count - from), from), {
        queue: QUEUE,
      });
    }
  }
  let running: Promise<void> | undefined;
  if (mode === 'flow') {
    running = worker.start();
    // Idle and connected before the clock starts, as in the bench.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  calls.clear();
  const stats = new Redis(url);
  await stats.config('RESETSTAT');
  const redisAt0 = await probe.cpuMs();
  const cpuAt0 = process.cpuUsage();
  t0 = performance.now();
  if (mode === 'plain') running = worker.start();
  else {
    await client.workflows.start(workflow, { children: count });
    first('start returned');
  }
  await finished;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpuAt0);
  const redisUs = ((await probe.cpuMs()) - redisAt0) * 1_000;
  const commands = commandCounts(await stats.info('commandstats'), count);
  stats.disconnect();
  await worker.stop();
  await running;
  await client.close();
  await inner.close();
  return {
    ms,
    redisUs: redisUs / count,
    workerUs: (cpu.user + cpu.system) / count,
    commands,
    marks: [...marks].sort((a, b) => a[1] - b[1]),
    calls: [...calls].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, n / count]),
  };
}

/**
 * `INFO commandstats` per child: the commands Redis ran, those run by scripts included (a
 * count that load on the machine does not move), most first; `info` and `config` left out.
 */
function commandCounts(info: string, count: number): Array<[string, number]> {
  const rows: Array<[string, number]> = [];
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    const [, name = '', calls = '0'] = match;
    if (name !== 'info' && name !== 'config') rows.push([name, Number(calls) / count]);
  }
  return rows.sort((a, b) => b[1] - a[1]);
}

/** Redis CPU per call of claim and record over `count` map children, 50 calls in flight. */
async function scriptCosts(url: string, probe: RedisProbe, count: number) {
  await probe.flush();
  const transport: RedisTransport = redisTransport({ url, logger: silentLogger });
  const raw = new Redis(url);
  const id = newWorkflowId();
  const { workflow } = flowWorkflow(QUEUE);
  await transport.workflows.start({ id, plan: workflowPlan(workflow), input: { children: count } });
  await transport.workflows.claim(id, { step: 'children' });
  const items = Array.from({ length: count }, (_, i) => ({ ...payload(i) }));
  const before = await probe.cpuMs();
  await transport.workflows.expand(id, 'children', items, Math.max(count, 1));
  const expandUs = (((await probe.cpuMs()) - before) * 1_000) / count;
  const sha = (await raw.script('LOAD', 'return 1')) as string;
  const perCall = async (call: (i: number) => Promise<unknown>) => {
    const at = await probe.cpuMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) await call(next++);
      }),
    );
    return (((await probe.cpuMs()) - at) * 1_000) / count;
  };
  const baseline = await perCall(() => raw.evalsha(sha, 0));
  const claim = await perCall((i) => transport.workflows.claim(id, { step: 'children', child: i }));
  const record = await perCall((i) =>
    transport.workflows.record(
      id,
      { step: 'children', child: i },
      { ok: true, result: payload(i).n },
    ),
  );
  // As the worker sends them: BATCH children per claimMany and recordMany call.
  const id2 = newWorkflowId();
  await transport.workflows.start({
    id: id2,
    plan: workflowPlan(workflow),
    input: { children: count },
  });
  await transport.workflows.claim(id2, { step: 'children' });
  await transport.workflows.expand(id2, 'children', items, Math.max(count, 1));
  const batches = Math.ceil(count / BATCH);
  const range = (b: number) =>
    Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, k) => b * BATCH + k);
  const perChild = async (call: (b: number) => Promise<unknown>) => {
    const at = await probe.cpuMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < batches) await call(next++);
      }),
    );
    return (((await probe.cpuMs()) - at) * 1_000) / count;
  };
  const claimMany = await perChild((b) =>
    transport.workflows.claimMany(
      id2,
      range(b).map((child) => ({ step: 'children', child })),
    ),
  );
  const recordMany = await perChild((b) =>
    transport.workflows.recordMany(
      id2,
      range(b).map((child) => ({
        address: { step: 'children', child },
        outcome: { ok: true, result: payload(child).n },
      })),
    ),
  );
  raw.disconnect();
  await transport.close();
  return { expandUs, baseline, claim, record, claimMany, recordMany };
}

const count = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(count) || count < 1 || count > MAX_CHILDREN) {
  throw new Error(
    `[profile-flow] children must be a whole number from 1 to ${MAX_CHILDREN.toLocaleString('en-US')} (a workflow map's most), got ${JSON.stringify(process.argv[2])}`,
  );
}
/** `flow` runs the workflow only (for a CPU profile with --cpu-prof). */
const only = process.argv[3];
const redis = await startRedis();
const probe = createRedisProbe(redis.url);
const f = (n: number) => n.toFixed(1);
try {
  for (const mode of only === 'flow' ? (['flow'] as const) : (['flow', 'plain'] as const)) {
    const run = await runOnce(redis.url, probe, count, mode);
    process.stdout.write(
      `${mode}, ${count.toLocaleString('en-US')} ${mode === 'flow' ? 'children' : 'jobs'}: ${Math.round(run.ms)} ms; Redis CPU ${f(run.redisUs)} µs and worker CPU ${f(run.workerUs)} µs per ${mode === 'flow' ? 'child' : 'job'}\n`,
    );
    for (const [name, at] of run.marks) {
      process.stdout.write(`  ${String(Math.round(at)).padStart(6)} ms  ${name}\n`);
    }
    const perJob = run.calls.map(([name, n]) => `${name} ${n.toFixed(3)}`).join(', ');
    process.stdout.write(`  transport calls per ${mode === 'flow' ? 'child' : 'job'}: ${perJob}\n`);
    const all = run.commands.reduce((sum, [, n]) => sum + n, 0);
    const listed = run.commands
      .filter(([, n]) => n >= 0.01)
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', ');
    process.stdout.write(
      `  Redis commands per ${mode === 'flow' ? 'child' : 'job'}: ${all.toFixed(2)} (${listed})\n`,
    );
  }
  if (only === 'flow') process.exit(0);
  const costs = await scriptCosts(redis.url, probe, count);
  process.stdout.write(
    `Redis CPU per call: workflows.claim ${f(costs.claim)} µs, workflows.record ${f(costs.record)} µs, EVALSHA "return 1" ${f(costs.baseline)} µs\n` +
      `Redis CPU per child: claimMany ${f(costs.claimMany)} µs, recordMany ${f(costs.recordMany)} µs (${BATCH} a call), expand ${f(costs.expandUs)} µs\n`,
  );
} finally {
  probe.close();
  await redis.stop();
}
