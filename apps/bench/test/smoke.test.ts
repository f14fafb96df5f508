import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface BenchJson {
  meta: { preset: string; systems: { name: string; version: string; settings: string[] }[] };
  cases: {
    id: string;
    systems: { system: string; valid: number; runs: { invalid?: string }[] }[];
  }[];
}

function runBench(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@conveyor/source', '--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const CASES = [
  'enqueue-single',
  'enqueue-bulk',
  'process-c1',
  'process-c50',
  'latency',
  'memory',
  'depth-shallow',
  'depth-deep',
  'delayed',
  'retry',
  'scale-1',
  'scale-2',
];

describe('pnpm bench (smoke, tiny sizes; no performance assertions)', () => {
  it('runs every case for every system, prints a table for each, and no run is invalid', async () => {
    const { code, stdout, stderr } = await runBench(['--tiny', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchJson;
    expect(result.meta.preset).toBe('tiny');
    expect(result.meta.systems.map((s) => s.name)).toEqual(['conveyor', 'bullmq', 'bee-queue']);
    for (const system of result.meta.systems) expect(system.settings.length).toBeGreaterThan(0);
    expect(result.cases.map((c) => c.id)).toEqual(CASES);
    for (const benchCase of result.cases) {
      expect(benchCase.systems).toHaveLength(3);
      for (const system of benchCase.systems) {
        const invalid = system.runs.flatMap((run) => (run.invalid ? [run.invalid] : []));
        expect(invalid, `${benchCase.id} / ${system.system}`).toEqual([]);
        expect(system.valid).toBe(system.runs.length);
      }
      // The tables go to stderr with --json; each case has one, and progress lines name it.
      expect(stderr).toContain(`[${benchCase.id}]`);
    }
    expect(stderr).toContain('Every run was valid.');
  });

  it('rejects an unknown case with a message that lists the known ones', async () => {
    const { code, stderr } = await runBench(['--cases', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('--cases "nope" matches no case');
    expect(stderr).toContain('process-c50');
  });

  it('prints help', async () => {
    const { code, stdout } = await runBench(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--quick');
    expect(stdout).toContain('--cases');
  });
});
