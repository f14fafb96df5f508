// `conveyor worker`: what its banner says is what it does. A repeated -q consumes every queue
// named, and --metrics-port 0 shows the port the OS bound. In-process, on a memory transport
// from a config file; each run stops through runCli's abort signal.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnyTaskDefinition, createClient, type Transport } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { type CliProcess, cli, startCli, WAIT_MS } from './helpers.js';
import { memoryProjects } from './memory-project.js';

const makeProject = memoryProjects('worker-banner');

const TASKS = `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

export const work = defineTask({
  name: 'banner.work',
  input: z.object({ n: z.number() }),
  queue: 'work',
  run: async ({ n }, ctx) => ({ n, queue: ctx.queue }),
});

export const fails = defineTask({
  name: 'banner.fails',
  input: z.object({ n: z.number() }),
  queue: 'work',
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 1 } },
  run: async ({ n }) => {
    throw new Error(\`no mailbox for \${n}\`);
  },
});

export const hangs = defineTask({
  name: 'banner.hangs',
  input: z.object({ n: z.number() }),
  queue: 'hang',
  run: (_input, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
});

export const slow = defineTask({
  name: 'banner.slow',
  input: z.object({ n: z.number() }),
  queue: 'slow',
  run: async ({ n }, ctx) => ({ n, queue: ctx.queue }),
});
`;

/** A project with the config and the tasks; its shared transport and its task definitions. */
async function project() {
  const dir = makeProject(TASKS);
  const load = (file: string) =>
    import(/* @vite-ignore */ pathToFileURL(path.join(dir, file)).href);
  const { shared } = (await load('conveyor.config.ts')) as { shared: Transport };
  const tasks = (await load('tasks.ts')) as Record<
    'work' | 'slow' | 'fails' | 'hangs',
    AnyTaskDefinition
  >;
  return { dir, transport: shared, tasks };
}

/** Starts `conveyor worker <argv>` in `dir` and waits for its banner. */
async function startWorker(dir: string, argv: string[], signal: AbortSignal): Promise<CliProcess> {
  const worker = startCli(['worker', '--tasks', 'tasks.ts', '--log-level', 'silent', ...argv], {
    cwd: dir,
    signal,
  });
  await vi.waitFor(
    () => {
      if (worker.stderr().includes('error:')) throw new Error(worker.stderr());
      expect(worker.stderr()).toContain('Ready.');
    },
    { timeout: WAIT_MS, interval: 20 },
  );
  return worker;
}

describe('conveyor worker: the banner', () => {
  it('a repeated -q/--queues consumes every queue named, and the banner lists them all', async () => {
    // The last -q used to replace the others: `-q work -q slow` showed and consumed slow alone.
    const { dir, transport, tasks } = await project();
    const stop = new AbortController();
    const worker = await startWorker(dir, ['-q', 'work', '--queues', 'slow,work'], stop.signal);
    try {
      expect(worker.stderr()).toContain('\n  queues       work, slow\n');
      const client = createClient({ transport });
      const handles = [
        await client.enqueue(tasks.work, { n: 1 }),
        await client.enqueue(tasks.slow, { n: 2 }),
      ];
      const results = await Promise.all(handles.map((h) => h.result({ timeout: WAIT_MS })));
      expect(results).toEqual([
        { n: 1, queue: 'work' },
        { n: 2, queue: 'slow' },
      ]);
    } finally {
      stop.abort();
    }
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Stopped: 2 completed, 0 failed, 0 retried.');
  });

  it('the stop line counts dead-lettered jobs apart from failed ones, as the stats and log do', async () => {
    // It read "2 failed (2 dead-lettered)" where the `worker stopped` log line (worker.stats()
    // totals) said "failed":0,"dead":2: an alert on the log's "failed" saw none.
    const { dir, transport, tasks } = await project();
    const stop = new AbortController();
    const worker = await startWorker(dir, ['-q', 'work'], stop.signal);
    try {
      const client = createClient({ transport });
      const failing = [
        await client.enqueue(tasks.fails, { n: 1 }),
        await client.enqueue(tasks.fails, { n: 2 }),
      ];
      const done = await client.enqueue(tasks.work, { n: 3 });
      await done.result({ timeout: WAIT_MS });
      for (const handle of failing) {
        await expect(handle.result({ timeout: WAIT_MS })).rejects.toThrow('no mailbox for');
      }
    } finally {
      stop.abort();
    }
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Stopped: 1 completed, 0 failed, 2 dead-lettered, 2 retried.');
  });

  it('the stop line counts the jobs given back unfinished', async () => {
    // Stopped with jobs running and taken ahead, it said "0 completed, 0 failed, 0 retried".
    const { dir, transport, tasks } = await project();
    const stop = new AbortController();
    const args = ['-q', 'hang', '--concurrency', '1', '--prefetch', '2', '--grace-ms', '1'];
    const worker = await startWorker(dir, args, stop.signal);
    try {
      const client = createClient({ transport });
      const jobs = await client.enqueueMany(tasks.hangs, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      await vi.waitFor(
        async () => {
          const states = await Promise.all(jobs.map((job) => job.status()));
          expect(states.filter((state) => state === 'active')).toHaveLength(3);
        },
        { timeout: WAIT_MS },
      );
    } finally {
      stop.abort();
    }
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(
      /Stopped: 0 completed, 0 failed, 0 retried, 3 given back to their queues unfinished\.\n/,
    );
  });

  it('--metrics-port 0 shows the port bound, where /healthz and /metrics answer', async () => {
    // It showed "metrics 0.0.0.0:0": the option's value, not the port.
    const { dir } = await project();
    const stop = new AbortController();
    const worker = await startWorker(
      dir,
      ['--metrics-port', '0', '--metrics-host', '127.0.0.1'],
      stop.signal,
    );
    let url = '';
    try {
      const line = /^ {2}metrics {6}127\.0\.0\.1:(\d+) \(\/metrics, \/healthz\)$/m.exec(
        worker.stderr(),
      );
      const port = Number(line?.[1]);
      expect(port, worker.stderr()).toBeGreaterThan(0);
      url = `http://127.0.0.1:${port}`;
      // 503 until the worker runs: the banner comes as it starts.
      await vi.waitFor(
        async () => {
          const health = await fetch(`${url}/healthz`);
          expect(health.status).toBe(200);
          expect(await health.json()).toMatchObject({ status: 'ok' });
        },
        { timeout: WAIT_MS, interval: 20 },
      );
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE');
    } finally {
      stop.abort();
    }
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    // Closed with the worker.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a --metrics-port in use fails before the banner, naming the option to change', async () => {
    // Node's own "listen EADDRINUSE: address already in use" named neither port nor option.
    const { dir } = await project();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const run = await cli(
        [
          'worker',
          '--tasks',
          'tasks.ts',
          '--metrics-port',
          String(port),
          '--metrics-host',
          '127.0.0.1',
        ],
        { cwd: dir },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: Cannot serve metrics on 127.0.0.1:${port}: the port is in use (EADDRINUSE): pass another --metrics-port (0 takes a free one), or stop what listens there.`,
      );
      expect(run.stderr).not.toContain('Ready.');
    } finally {
      busy.close();
    }
  });
});
