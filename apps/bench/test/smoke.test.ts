import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runBench } from '../src/main.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface BenchJson {
  meta: {
    preset: string;
    systems: { name: string; version: string; settings: string[] }[];
    build: {
      mode: string;
      summary: string;
      harness: { stale: string[] };
      workers: { modules: Record<string, string>; stale: string[] };
    };
  };
  cases: {
    id: string;
    systems: { system: string; valid: number; runs: { invalid?: string }[] }[];
  }[];
}

/**
 * The harness as its own process: `node dist/cli.js`, what `pnpm bench` runs (the built
 * harness on the packages' dist/, built by the global setup when stale), or with `source`,
 * `pnpm bench:dev` (the TypeScript sources through tsx).
 */
function spawnBench(
  args: string[],
  { source = false } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const entry = source
      ? ['--conditions=@conveyor/source', '--import', 'tsx', 'src/cli.ts']
      : ['dist/cli.js'];
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

/** The same command in this process, for what needs no worker processes or Redis. */
async function runInProcess(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      output[stream] += String(chunk);
      return true;
    });
  const captured = [capture('stdout'), capture('stderr')];
  try {
    const code = await runBench(args);
    return { code, ...output };
  } finally {
    for (const spy of captured) spy.mockRestore();
  }
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
  'dashboard',
  'schedules',
  'flow',
  'cluster-1',
  'cluster-3',
];
/** Cases only some systems run (the rest run for all three). */
const ONLY: Record<string, string[]> = {
  dashboard: ['conveyor'],
  schedules: ['conveyor', 'bullmq'],
  flow: ['conveyor', 'bullmq'],
  'cluster-1': ['conveyor', 'bullmq'],
  'cluster-3': ['conveyor'],
};

describe('pnpm bench (smoke, tiny sizes; no performance assertions)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('runs every case for every system, prints a table for each, and no run is invalid', async () => {
    const out = await mkdtemp(join(tmpdir(), 'conveyor-bench-'));
    dirs.push(out);
    const { code, stdout, stderr } = await spawnBench(['--tiny', '--json', '--out', out]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchJson;
    expect(result.meta.preset).toBe('tiny');
    // The built packages, as users run them, and the report says so, workers included.
    expect(result.meta.build.mode).toBe('dist');
    expect([...result.meta.build.harness.stale, ...result.meta.build.workers.stale]).toEqual([]);
    expect(result.meta.build.workers.modules['@conveyor/worker']).toBe(
      'packages/worker/dist/index.js',
    );
    expect(result.meta.systems.map((s) => s.name)).toEqual(['conveyor', 'bullmq', 'bee-queue']);
    for (const system of result.meta.systems) expect(system.settings.length).toBeGreaterThan(0);
    expect(result.cases.map((c) => c.id)).toEqual(CASES);
    for (const benchCase of result.cases) {
      expect(benchCase.systems.map((s) => s.system)).toEqual(
        ONLY[benchCase.id] ?? ['conveyor', 'bullmq', 'bee-queue'],
      );
      for (const system of benchCase.systems) {
        const invalid = system.runs.flatMap((run) => (run.invalid ? [run.invalid] : []));
        expect(invalid, `${benchCase.id} / ${system.system}`).toEqual([]);
        expect(system.valid).toBe(system.runs.length);
      }
      // The tables go to stderr with --json; each case has one, and progress lines name it.
      expect(stderr).toContain(`[${benchCase.id}]`);
    }
    expect(stderr).toContain('Every run was valid.');

    // The files for the docs: the same JSON, a chart with a bar group per case, a summary table.
    const saved = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as BenchJson;
    expect(saved.cases.map((c) => c.id)).toEqual(CASES);
    const svg = await readFile(join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Retry-heavy workload');
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    // A row per case, the header and its rule, and one more for each second ratio (Redis CPU
    // per fire in the schedules case, per child in the flow case, all masters and the busiest
    // master in both cluster cases).
    expect(summary.split('\n').filter((l) => l.startsWith('| ')).length).toBe(CASES.length + 8);
    expect(summary).toMatch(/\| 11\. \(same\) \| Redis CPU \(µs\/fire\), lower is better \|/);

    // --from re-renders a saved run without running anything.
    const again = await runInProcess(['--from', join(out, 'results.json')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('[scale-2]');
    // The schedules case reports a second ratio, of Redis CPU per fire.
    expect(again.stdout).toMatch(/Redis CPU: Conveyor\/BullMQ [\d.]+× \((better|worse|equal)\)/);
  });

  it('pnpm bench:dev runs the TypeScript sources through tsx, and the report says so', async () => {
    // One small case with worker processes, so that theirs is checked too.
    const { code, stdout, stderr } = await spawnBench(
      ['--tiny', '--json', '--cases', 'process-c1', '--systems', 'conveyor'],
      { source: true },
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchJson;
    expect(result.meta.build.mode).toBe('source');
    expect(result.meta.build.workers.modules['@conveyor/worker']).toBe(
      'packages/worker/src/index.ts',
    );
    expect(result.meta.build.summary).toContain('not what users run');
    expect(result.cases.map((c) => c.id)).toEqual(['process-c1']);
  });

  it('rejects an unknown case with a message that lists the known ones', async () => {
    const { code, stderr } = await runInProcess(['--cases', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('--cases "nope" matches no case');
    expect(stderr).toContain('process-c50');
  });

  it('prints help', async () => {
    const { code, stdout } = await runInProcess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--quick');
    expect(stdout).toContain('--cases');
    expect(stdout).toContain('schedules');
  });
});
