import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

describe('conveyor worker: payload and result caps', () => {
  it('explains --max-payload-bytes and --max-result-bytes with their defaults', async () => {
    const { code, stdout } = await cli(['worker', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--max-payload-bytes <n>\s+largest job input run/);
    expect(stdout).toMatch(/--max-result-bytes <n>\s+largest result stored/);
    expect(stdout).toContain('(default 524288, 512 KiB)');
  });

  it('rejects a cap below one byte', async () => {
    for (const flag of ['--max-payload-bytes', '--max-result-bytes']) {
      const { code, stderr } = await cli(['worker', '--tasks', 'x.mjs', flag, '0']);
      expect(code).toBe(2);
      expect(stderr).toContain(flag);
    }
  });
});

describe('conveyor worker: --max-workflow-children', () => {
  it('is explained in --help, with its default and ceiling', async () => {
    const { code, stdout } = await cli(['worker', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--max-workflow-children <n>\s+most children a workflow map stage/);
    expect(stdout).toMatch(/WORKFLOW_TOO_LARGE\s+\(default 10000, at most 100000\)/);
  });

  it('rejects a count outside 1–100000, quoting it', async () => {
    for (const value of ['0', '100001', '1.5', 'many']) {
      const { code, stderr } = await cli([
        'worker',
        '--tasks',
        'x.mjs',
        '--max-workflow-children',
        value,
      ]);
      expect(code).toBe(2);
      expect(stderr).toContain(
        `Invalid --max-workflow-children "${value}": expected an integer from 1 to 100000`,
      );
    }
  });
});
