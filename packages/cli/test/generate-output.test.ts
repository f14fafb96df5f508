// What `conveyor generate` prints when it works: each file's status and a count on stdout,
// warnings on stderr, one JSON document with --json; --check comparing without writing;
// --watch regenerating. In-process, on throwaway projects (generate-errors.test.ts has the
// failures).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, json, startCli, WAIT_MS } from './helpers.js';
import { memoryProjects } from './memory-project.js';

const projects = memoryProjects('generate output');

const IMPORTS = `import { defineTask, defineWorkflow } from '@conveyor/core';
import { z } from 'zod';
`;

/** A minimal task, exported as `exportName`. */
function task(exportName: string, name: string): string {
  return `
export const ${exportName} = defineTask({
  name: '${name}',
  input: z.object({ id: z.string() }),
  output: z.object({ ok: z.boolean() }),
  run: () => ({ ok: true }),
});
`;
}

const PING = IMPORTS + task('ping', 'ops.ping');
const PING_PONG = PING + task('pong', 'ops.pong');

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('conveyor generate output', () => {
  it('names --config in the header only for a config the command would not find by itself', async () => {
    const dir = projects(PING);
    renameSync(path.join(dir, 'conveyor.config.ts'), path.join(dir, 'conveyor.config.mts'));
    const found = await cli(['generate'], { cwd: dir });
    expect(found.code, found.stderr).toBe(0);
    // It said "conveyor generate --config conveyor.config.mts", which it finds anyway.
    expect(read(dir, 'generated/registry.ts')).toContain('Regenerate with `conveyor generate`;');

    renameSync(path.join(dir, 'conveyor.config.mts'), path.join(dir, 'shop.config.mts'));
    const named = await cli(['generate', '--config', 'shop.config.mts'], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);
    expect(read(dir, 'generated/registry.ts')).toContain(
      'Regenerate with `conveyor generate --config shop.config.mts`;',
    );
  });

  it('counts the workflows it wrote, beside the tasks', async () => {
    // The summary used to leave them out: "Generated 2 tasks".
    const dir = projects(`${PING_PONG}
export const pingPong = defineWorkflow({
  name: 'ops.pingPong',
  input: z.object({ id: z.string() }),
  steps: (flow) =>
    flow
      .step('ping', ping, { input: (_, run) => ({ id: run.id }) })
      .step('pong', pong, { input: (_, run) => ({ id: run.id }) }),
});
`);
    const result = await cli(['generate'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(lastLine(result.stdout)).toMatch(/^Generated 2 tasks and 1 workflow: /);
  });

  it('writes, then reports unchanged; --check exits 0 when fresh and 1 when stale, writing nothing', async () => {
    const dir = projects(PING);
    const first = await cli(['generate'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('  written   generated/client.ts\n');
    expect(lastLine(first.stdout)).toMatch(/^Generated 1 task: 2 files written, 0 unchanged/);

    const again = await cli(['generate'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('  unchanged generated/client.ts\n');
    expect(lastLine(again.stdout)).toMatch(/^Generated 1 task: 0 files written, 2 unchanged/);

    const fresh = await cli(['generate', '--check'], { cwd: dir });
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toBe('');
    expect(lastLine(fresh.stdout)).toMatch(/^Generated files are up to date \(1 task, /);

    writeFileSync(path.join(dir, 'tasks.ts'), PING_PONG);
    const before = read(dir, 'generated/client.ts');
    const stale = await cli(['generate', '--check'], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('  stale     generated/client.ts\n');
    // The config is the one in the cwd: the command to run names no --config.
    expect(stale.stderr).toMatch(
      /^error: \d generated files are stale: .*generated\/client\.ts.*\. Run `conveyor generate` and commit the result\.\n$/,
    );
    // --check writes nothing.
    expect(read(dir, 'generated/client.ts')).toBe(before);
  });

  it('--check exits 1 when a generated file is missing', async () => {
    const dir = projects(PING);
    const result = await cli(['generate', '--check'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  missing   generated/registry.ts\n');
    expect(result.stderr).toMatch(/^error: 2 generated files are missing: /);
  });

  it('--json prints one parseable document, and nothing on stderr', async () => {
    const dir = projects(PING);
    const result = await cli(['generate', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(json(result)).toMatchObject({
      ok: true,
      mode: 'write',
      tasks: [{ name: 'ops.ping', exportName: 'ping', file: 'tasks.ts' }],
      schedules: [],
      workflows: [],
      files: [
        { path: 'generated/client.ts', status: 'written' },
        { path: 'generated/registry.ts', status: 'written' },
      ],
      diagnostics: [],
      warnings: [],
    });
  });

  it('refuses tasks globs that match no file (a typo would empty the client), writing nothing', async () => {
    const dir = projects(PING);
    rmSync(path.join(dir, 'tasks.ts'));
    const human = await cli(['generate'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(
      /^conveyor\.config\.ts:\d+:\d+ error NO_TASK_FILES: No file matches tasks \["tasks\.ts"\] \(relative to /,
    );
    expect(lastLine(human.stderr)).toBe('error: 1 problem in the config; nothing was written.');
    const asJson = await cli(['generate', '--json'], { cwd: dir });
    expect(asJson.code).toBe(1);
    expect(json<{ diagnostics: Array<{ code: string }> }>(asJson).diagnostics).toEqual([
      expect.objectContaining({ code: 'NO_TASK_FILES' }),
    ]);
  });

  it('--watch regenerates after a change and exits 0 when stopped', async () => {
    const dir = projects(PING);
    const stop = new AbortController();
    const watching = startCli(['generate', '--watch'], { cwd: dir, signal: stop.signal });
    try {
      await expect
        .poll(() => watching.stdout(), { timeout: WAIT_MS })
        .toMatch(/^Watching for changes/m);
      writeFileSync(path.join(dir, 'tasks.ts'), PING_PONG);
      await expect
        .poll(() => watching.stdout(), { timeout: WAIT_MS })
        .toMatch(/^Generated 2 tasks/m);
      expect(watching.stdout()).toMatch(/^Change in tasks\.ts; regenerating\.$/m);
    } finally {
      stop.abort();
    }
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(read(dir, 'generated/client.ts')).toContain("'ops.pong'");
  });
});
