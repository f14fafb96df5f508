// `conveyor worker --partitions <queue>=<n>`: createWorker's `partitions` option from the
// command line, for a queue whose tasks do not partition it. Runs in-process on a memory
// transport from a config file; the run stops through runCli's abort signal.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Transport } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { cli, startCli, WAIT_MS } from './helpers.js';
import { memoryProjects } from './memory-project.js';

const makeProject = memoryProjects('worker-partitions');

const TASKS = `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

export const report = defineTask({
  name: 'parts.report',
  input: z.object({ n: z.number() }),
  queue: 'reports',
  run: async ({ n }, ctx) => ({ n, queue: ctx.queue }),
});

export const mail = defineTask({
  name: 'parts.mail',
  input: z.object({ to: z.string() }),
  queue: { name: 'emails', partitions: 8 },
  run: async () => null,
});
`;

const project = (): string => makeProject(TASKS);

/**
 * Resolves once `read()` contains `text`, checking every 20 ms (a check on every turn of the
 * event loop kept a core busy while the command it waited for needed it).
 */
async function printed(read: () => string, text: string): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (!read().includes(text)) {
    if (Date.now() > until) throw new Error(`"${text}" not printed; stderr:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('conveyor worker --partitions', () => {
  it('is listed in --help with its form and an example', async () => {
    const { code, stdout } = await cli(['worker', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--partitions <queue>=<n>\s+partition a queue the tasks do not/);
    expect(stdout).toContain('--partitions emails=8 --partitions reports=4');
  });

  it('refuses a bad form or count, quoting it and naming the form', async () => {
    for (const value of [
      'emails',
      'emails=',
      '=8',
      'emails=0',
      'emails=257',
      'emails=2.5',
      'emails=-1',
      'emails=8x',
      'emails~1of4=2',
      'em ails=2',
    ]) {
      const run = await cli(['worker', '--tasks', 'x.mjs', '--partitions', value]);
      expect(run.code, value).toBe(2);
      expect(run.stderr, value).toContain(
        `Invalid --partitions ${JSON.stringify(value)}: expected <queue>=<n>, a queue name and a partition count from 1 to 256, e.g. "emails=8".`,
      );
    }
    const twice = await cli([
      'worker',
      '--tasks',
      'x.mjs',
      '--partitions',
      'emails=8',
      '--partitions',
      'emails=4',
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(
      'Invalid --partitions "emails=4": expected one count per queue (--partitions emails=8 came first).',
    );
  });

  it('reaches createWorker: a count that contradicts a task is its INVALID_OPTION', async () => {
    const dir = project();
    const run = await cli(['worker', '--tasks', 'tasks.ts', '--partitions', 'emails=4'], {
      cwd: dir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: Invalid partitions\.emails.*4.*"parts\.mail"/);
  });

  it('warns of a --partitions queue none of the tasks names, with the nearest name', async () => {
    const dir = project();
    const stop = new AbortController();
    const worker = startCli(
      ['worker', '--tasks', 'tasks.ts', '--partitions', 'emials=4', '--log-level', 'silent'],
      { cwd: dir, signal: stop.signal },
    );
    try {
      await printed(worker.stderr, 'Ready.');
      expect(worker.stderr()).toContain(
        '  partitions   emials=4 (--partitions); emails=8 (from the tasks)\n',
      );
      // Before: the typo started silently, its count partitioning nothing.
      expect(worker.stderr()).toContain(
        '  warning      --partitions emials=4: queue "emials" is named by none of this worker\'s tasks (they use emails, reports; did you mean emails?), so the count partitions no queue of theirs. Check the queue name, or the tasks module.\n',
      );
    } finally {
      stop.abort();
    }
    expect((await worker.done).code).toBe(0);
  });

  // `--queues emial` was told only by the worker's JSON warn line on stdout, with no
  // suggestion; the banner said nothing.
  it('warns in the banner of a --queues name none of the tasks uses, with the nearest name', async () => {
    const dir = project();
    const stop = new AbortController();
    const worker = startCli(
      ['worker', '--tasks', 'tasks.ts', '--queues', 'emial,reports~1of4', '--log-level', 'silent'],
      { cwd: dir, signal: stop.signal },
    );
    try {
      await printed(worker.stderr, 'Ready.');
      expect(worker.stderr()).toContain(
        '  warning      --queues emial: queue "emial" is named by none of this worker\'s tasks (they use emails, reports; did you mean emails?), so only jobs sent there with enqueue\'s queue option run from it, and a job there of a task this worker lacks is dead-lettered as unknown. Check the queue name, or the tasks module.\n',
      );
      // A partition of a task's queue is that queue's.
      expect(worker.stderr()).not.toContain('--queues reports');
    } finally {
      stop.abort();
    }
    expect((await worker.done).code).toBe(0);
  });

  it('runs the partitions of the queues it names, and shows them in the banner', async () => {
    const dir = project();
    const config = (await import(
      /* @vite-ignore */ pathToFileURL(path.join(dir, 'conveyor.config.ts')).href
    )) as { shared: Transport };
    const stop = new AbortController();
    const worker = startCli(
      [
        'worker',
        '--tasks',
        'tasks.ts',
        '--partitions',
        'reports=4',
        '--partitions',
        'audit=2',
        '--log-level',
        'silent',
      ],
      { cwd: dir, signal: stop.signal },
    );
    try {
      await printed(worker.stderr, 'Ready.');
      expect(worker.stderr()).toContain(
        '  partitions   audit=2, reports=4 (--partitions); emails=8 (from the tasks)\n',
      );
      const { report } = (await import(
        /* @vite-ignore */ pathToFileURL(path.join(dir, 'tasks.ts')).href
      )) as { report: Parameters<ReturnType<typeof createClient>['enqueue']>[0] };
      const client = createClient({ transport: config.shared, partitions: { reports: 4 } });
      const handle = await client.enqueue(report, { n: 7 });
      expect(handle.id).toMatch(/^reports~[0-3]of4:/);
      expect(await handle.result({ timeout: WAIT_MS })).toEqual({
        n: 7,
        queue: handle.id.split(':')[0],
      });
    } finally {
      stop.abort();
    }
    const done = await worker.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain('Stopped: 1 completed, 0 failed, 0 retried.');
  });
});
