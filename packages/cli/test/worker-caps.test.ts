import { describe, expect, it } from 'vitest';
import { type Io, runCli } from '../src/index.js';

/** `conveyor <args>` in this process, with stdout and stderr captured. */
async function conveyor(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    interactive: false,
    confirm: async () => false,
    env: {},
    cwd: process.cwd(),
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('conveyor worker: payload and result caps', () => {
  it('explains --max-payload-bytes and --max-result-bytes with their defaults', async () => {
    const { code, out } = await conveyor(['worker', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/--max-payload-bytes <n>\s+largest job input run/);
    expect(out).toMatch(/--max-result-bytes <n>\s+largest result stored/);
    expect(out).toContain('(default 524288, 512 KiB)');
  });

  it('rejects a cap below one byte', async () => {
    for (const flag of ['--max-payload-bytes', '--max-result-bytes']) {
      const { code, err } = await conveyor(['worker', '--tasks', 'x.mjs', flag, '0']);
      expect(code).toBe(2);
      expect(err).toContain(flag);
    }
  });
});
