import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

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
