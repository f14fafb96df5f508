import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, packageDir, spawnConveyor } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'conveyor-cli-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `conveyor <args>` in this process, in `dir`. */
async function conveyor(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const run = await cli(args, { cwd: dir });
  return { code: run.code, out: run.stdout, err: run.stderr };
}

describe('conveyor worker: task module and time limit', () => {
  it('explains --time-limit, with an example', async () => {
    const { code, out } = await conveyor(['worker', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(
      /--time-limit <ms>\s+hard time limit of a run whose task sets no\s+timeout/,
    );
    expect(out).toContain('--time-limit 7200000');
  });

  it('loads through the worker loader: a module without tasks exits 6 and says what to export', async () => {
    writeFileSync(path.join(dir, 'empty.mjs'), 'export const version = 1;\n');
    const { code, err } = await conveyor(['worker', '--tasks', 'empty.mjs', '--time-limit', '0']);
    expect(code).toBe(6);
    expect(err).toMatch(/^error: Task module "empty\.mjs" exports no tasks: export `tasks`/);
    const missing = await conveyor(['worker', '--tasks', 'nope.mjs']);
    expect(missing.code).toBe(6);
    expect(missing.err).toMatch(/^error: Task module "nope\.mjs" not found \(looked at /);
  });

  it('rejects a negative --time-limit', async () => {
    const { code, err } = await conveyor(['worker', '--tasks', 'x.mjs', '--time-limit', '-1']);
    expect(code).toBe(2);
    expect(err).toContain('--time-limit');
  });
});

describe('conveyor worker: a TypeScript task module in a package without "type": "module"', () => {
  // tsx's global hooks took such a .ts file for CommonJS and, after Node's failed import()
  // of it, ended in "Cannot require() ES Module … not yet fully loaded" (exit 6). The
  // built binary, as a user runs it: in-process, vitest would load the .ts itself.
  const project = path.join(dir, 'cjs-project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), '{ "private": true }\n');
  symlinkSync(path.join(packageDir, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  writeFileSync(
    path.join(project, 'tasks.ts'),
    [
      "import { defineTask } from '@conveyor/core';",
      "import { z } from 'zod';",
      "const queue: string = 'ts-cjs';",
      "export const echo = defineTask({ name: 'ts.echo', queue, input: z.object({ n: z.number() }), run: ({ n }: { n: number }) => n });",
      'export const tasks = [echo];',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(project, 'throws.ts'),
    "const n: number = 1;\nthrow new Error('boom from throws.ts ' + n);\n",
  );
  writeFileSync(path.join(project, 'unparsed.ts'), 'export const tasks = [\n  {\n');
  // The README's config, in such a project (NestJS's default): it imports @conveyor/redis,
  // whose ioredis was evaluated a second time under tsx's own loader and threw "Cannot
  // redefine property: default" (exit 9).
  writeFileSync(
    path.join(project, 'conveyor.config.ts'),
    [
      "import { defineConfig } from '@conveyor/codegen/config';",
      "import { redisTransport } from '@conveyor/redis';",
      'export default defineConfig({',
      "  tasks: ['tasks.ts'],",
      "  client: 'generated/client.ts',",
      "  registry: 'generated/registry.ts',",
      "  transport: () => redisTransport({ url: 'redis://127.0.0.1:1' }),",
      '});',
      '',
    ].join('\n'),
  );

  it('loads it (then fails only on the unreachable Redis), and reports its own import error', async () => {
    const args = (file: string) => [
      'worker',
      '--tasks',
      path.join(project, file),
      '--redis',
      'redis://127.0.0.1:1',
    ];
    const loaded = await spawnConveyor(args('tasks.ts')).exited;
    expect(loaded.stderr).not.toContain('could not be imported');
    expect(loaded.stderr).toContain('Cannot reach Redis at redis://127.0.0.1:1');
    expect(loaded.code, loaded.stderr).toBe(3);
    const thrown = await spawnConveyor(args('throws.ts')).exited;
    expect(thrown.code, thrown.stderr).toBe(6);
    expect(thrown.stderr).toContain('boom from throws.ts 1');
    // esbuild's message starts "Transform failed with 1 error:"; where and why are on the
    // line after it, which the message used to drop.
    const unparsed = await spawnConveyor(args('unparsed.ts')).exited;
    expect(unparsed.code, unparsed.stderr).toBe(6);
    expect(unparsed.stderr).toMatch(
      /could not be imported: Transform failed with 1 error: .*unparsed\.ts:3:\d+: ERROR: \S/,
    );
    const status = await spawnConveyor([
      'status',
      '--config',
      path.join(project, 'conveyor.config.ts'),
    ]).exited;
    expect(status.stderr).not.toContain('redefine');
    // Where, and why: ioredis' own "Reached the max retries per request limit" says neither.
    expect(status.stderr).toContain('cannot reach its broker at 127.0.0.1:1 (ECONNREFUSED)');
    // And what to check: it named only the transport function's settings.
    expect(status.stderr).toContain(
      'Check that the broker is running and reachable there, and the settings its transport function passes (an environment variable it reads, such as REDIS_URL)',
    );
    expect(status.code, status.stderr).toBe(3);
  });
});

describe('conveyor worker: a task file that throws on import', () => {
  // The registry imports many task files; the error named only the registry and the reason
  // ("SMTP_URL is not set"), with no stack even with --log-level debug.
  const app = path.join(dir, 'throwing-app');
  mkdirSync(path.join(app, 'src', 'generated'), { recursive: true });
  mkdirSync(path.join(app, 'src', 'tasks'));
  writeFileSync(path.join(app, 'package.json'), '{ "private": true, "type": "module" }\n');
  symlinkSync(path.join(packageDir, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  writeFileSync(
    path.join(app, 'src', 'tasks', 'send-email.ts'),
    [
      'const need = (name: string): string => {',
      "  throw new Error(name + ' is not set');",
      '};',
      "export const smtp: string = need('SMTP_URL');",
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(app, 'src', 'generated', 'registry.ts'),
    "import { smtp } from '../tasks/send-email.ts';\nexport const tasks = [smtp];\n",
  );
  const args = ['worker', '--tasks', 'src/generated/registry.ts', '--redis', 'redis://127.0.0.1:1'];

  it('names the file, line and column that threw, relative to the cwd, and how to see the stack', async () => {
    const run = await spawnConveyor(args, { cwd: app }).exited;
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toBe(
      `error: Task module "src/generated/registry.ts" could not be imported: SMTP_URL is not set (thrown at ${path.join('src', 'tasks', 'send-email.ts')}:2:9). For the stack, run it again with --log-level debug.\n`,
    );
  });

  it('prints the stack with --log-level debug, and with CONVEYOR_DEBUG', async () => {
    for (const run of [
      await spawnConveyor([...args, '--log-level', 'debug'], { cwd: app }).exited,
      await spawnConveyor(args, { cwd: app, env: { CONVEYOR_DEBUG: '1' } }).exited,
    ]) {
      expect(run.code, run.stderr).toBe(6);
      const [first, ...stack] = run.stderr.split('\n');
      expect(first).toMatch(
        /could not be imported: SMTP_URL is not set \(thrown at \S+send-email\.ts:2:9\)$/,
      );
      expect(stack[0]).toBe('Error: SMTP_URL is not set');
      expect(stack[1]).toMatch(/^ {4}at need \(\S+send-email\.ts:2:9\)$/);
    }
  });
});
