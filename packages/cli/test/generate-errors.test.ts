// `conveyor generate` fails as every other command does: one `error: …` line on stderr
// (with --json too, stdout then empty), exit 2 for a config file that is not there and bad
// usage, 9 for a config it cannot use, 1 for diagnostics and stale files. In-process.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, json } from './helpers.js';
import { memoryProjects } from './memory-project.js';

const projects = memoryProjects('generate errors');

const GREET = `import { defineTask } from '@conveyor/core';
import { z } from 'zod';

export const greet = defineTask({
  name: 'app.greet',
  input: z.object({ name: z.string() }),
  queue: 'app-greetings',
  async run({ name }): Promise<string> {
    return name;
  },
});
`;

describe('conveyor generate errors', () => {
  it('a --config that is not there: exit 2, the error on stderr, nothing on stdout', async () => {
    const dir = projects('export {};\n');
    for (const extra of [[], ['--json'], ['--check', '--json']]) {
      const result = await cli(['generate', '--config', 'nope.config.ts', ...extra], { cwd: dir });
      expect(result.code, extra.join(' ')).toBe(2);
      expect(result.stdout, extra.join(' ')).toBe('');
      expect(result.stderr).toBe(
        `error: Config file "nope.config.ts" not found (looked at ${path.join(dir, 'nope.config.ts')}). Check the --config path.\n`,
      );
    }
  });

  it('no config in the directory: exit 2, as the worker without --tasks', async () => {
    const dir = path.join(projects('export {};\n'), 'empty');
    mkdirSync(dir);
    const result = await cli(['generate', '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: No conveyor\.config\.ts found in .*empty\. /);
  });

  it('a config it cannot use: exit 9 (CONFIG_INVALID), as the other commands', async () => {
    const dir = projects('export {};\n');
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ tasks: 5 }));
    const result = await cli(['generate', '--config', 'bad.json', '--json'], { cwd: dir });
    expect(result.code).toBe(9);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: Invalid tasks 5 in .*bad\.json: expected a glob/);
  });

  it('a TS config value it cannot read, or a syntax error, is located as diagnostics are, with its code', async () => {
    // Before: `error: /abs/…/conveyor.config.ts:4:11: "…" is not a literal`, with neither the
    // CONFIG_NOT_STATIC nor the CONFIG_INVALID the README names.
    const computed = projects('export {};\n');
    writeFileSync(
      path.join(computed, 'conveyor.config.ts'),
      "export default {\n  tasks: ['tasks.ts'],\n  client: ['generated', 'client.ts'].join('/'),\n  registry: 'generated/registry.ts',\n};\n",
    );
    const notStatic = await cli(['generate'], { cwd: computed });
    expect(notStatic.code).toBe(9);
    expect(notStatic.stderr).toMatch(
      /^error: conveyor\.config\.ts:3:11 CONFIG_NOT_STATIC: "\['generated', 'client\.ts'\]\.join\('\/'\)" is not a literal\./,
    );
    writeFileSync(
      path.join(computed, 'conveyor.config.ts'),
      "export default {\n  tasks: ['tasks.ts']\n  client: 'c.ts',\n};\n",
    );
    const syntax = await cli(['generate'], { cwd: computed });
    expect(syntax.code).toBe(9);
    expect(syntax.stderr).toMatch(
      /^error: conveyor\.config\.ts:3:3 CONFIG_INVALID: ',' expected\./,
    );
  });

  it('--check with --watch is bad usage: exit 2', async () => {
    const result = await cli(['generate', '--check', '--watch', '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: --check and --watch cannot be combined: --check is a one-shot CI gate.\n',
    );
  });

  it('diagnostics: each as file:line:col with the fix on stderr, nothing written, exit 1', async () => {
    const dir = projects(GREET.replace("queue: 'app-greetings'", 'queue: process.env.QUEUE'));
    const result = await cli(['generate'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tasks\.ts:7:10 error OPTION_NOT_STATIC: .*\n {2}fix: /);
    expect(result.stderr).toMatch(/\nerror: 1 problem in task files; nothing was written\.\n$/);
    expect(existsSync(path.join(dir, 'generated/registry.ts'))).toBe(false);

    // With --json, the diagnostics are in the document, and stderr has only the error line.
    const asJson = await cli(['generate', '--json'], { cwd: dir });
    expect(asJson.code).toBe(1);
    expect(json(asJson)).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'OPTION_NOT_STATIC', file: 'tasks.ts', line: 7, column: 10 }],
    });
    expect(asJson.stderr).toBe('error: 1 problem in task files; nothing was written.\n');
  });

  it('stale and missing files with --check: the result on stdout, exit 1 and the error line naming --config', async () => {
    const dir = projects(GREET);
    mkdirSync(path.join(dir, 'generated'));
    writeFileSync(path.join(dir, 'generated/client.ts'), '// an older client\n');
    const config = path.join(dir, 'conveyor.config.ts');
    const result = await cli(['generate', '--check', '--json', '--config', config]);
    expect(result.code).toBe(1);
    expect(json(result)).toMatchObject({
      ok: false,
      mode: 'check',
      files: [
        { path: 'generated/client.ts', status: 'stale' },
        { path: 'generated/registry.ts', status: 'missing' },
      ],
    });
    expect(result.stderr).toBe(
      `error: 1 generated file is missing: generated/registry.ts; 1 is stale: generated/client.ts. Run \`conveyor generate --config '${config}'\` and commit the result.\n`,
    );
  });
});
