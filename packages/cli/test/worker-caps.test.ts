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
