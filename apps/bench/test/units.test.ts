import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseArgs } from '../src/args.js';
import type { BenchCase } from '../src/case-types.js';
import { perMaster } from '../src/cases/cluster.js';
import { allCases, selectCases } from '../src/cases/index.js';
import { runProblem, slotAfter } from '../src/cases/schedules.js';
import { FULL, QUICK, TINY } from '../src/plan.js';
import type { RedisProbe } from '../src/redis-probe.js';
import { formatCase, ratioText, targetText } from '../src/report.js';
import { type CaseResult, runCases } from '../src/runner.js';
import { median, percentile, summarize } from '../src/stats.js';
import type { Schedules, SystemAdapter } from '../src/systems/types.js';
import type { GroupResult, WorkerPool } from '../src/worker-pool.js';

describe('stats', () => {
  it('interpolates percentiles and takes the middle of even lists as the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 99)).toBeCloseTo(49.6);
    expect(summarize([])).toBeUndefined();
    expect(summarize([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9, count: 3 });
  });
});

describe('parseArgs', () => {
  it('picks the preset, overrides runs, and writes the docs only for the full set', () => {
    expect(parseArgs([]).sizes).toBe(FULL);
    expect(parseArgs([]).writeDocs).toBe(true);
    const quick = parseArgs(['--quick', '--runs', '3', '--systems', 'bullmq,conveyor']);
    expect(quick.sizes.enqueueBulk).toBe(QUICK.enqueueBulk);
    expect(quick.sizes.runs).toBe(3);
    expect(quick.sizes.heavyRuns).toBe(3);
    expect(quick.writeDocs).toBe(false);
    expect(quick.systems).toEqual(['conveyor', 'bullmq']);
  });

  it('rejects bad input with a BENCH_USAGE error that quotes the value', () => {
    const attempt = (argv: string[]) => () => parseArgs(argv);
    expect(attempt(['--runs', 'many'])).toThrow(/--runs "many"/);
    expect(attempt(['--systems', 'celery'])).toThrow(/unknown system "celery"/);
    expect(attempt(['--frobnicate'])).toThrow(BenchUsageError);
    expect(attempt(['--cases'])).toThrow(expect.objectContaining({ code: 'BENCH_USAGE' }));
  });
});

describe('selectCases', () => {
  const cases = allCases(FULL);
  it('matches ids, id prefixes and issue numbers', () => {
    expect(selectCases(cases, ['process-c50']).map((c) => c.id)).toEqual(['process-c50']);
    expect(selectCases(cases, ['scale']).map((c) => c.id)).toEqual([
      'scale-1',
      'scale-2',
      'scale-4',
    ]);
    expect(selectCases(cases, ['6']).map((c) => c.id)).toEqual(['depth-shallow', 'depth-deep']);
    expect(selectCases(cases, ['10']).map((c) => c.id)).toEqual(['dashboard']);
    expect(selectCases(cases, ['11']).map((c) => c.id)).toEqual(['schedules']);
    expect(selectCases(cases, ['12']).map((c) => c.id)).toEqual(['flow']);
    expect(selectCases(cases, ['cluster']).map((c) => c.id)).toEqual(['cluster-1', 'cluster-3']);
    expect(selectCases(cases, [])).toHaveLength(cases.length);
  });
});

describe('targetText', () => {
  it("says whether Conveyor's median met each metric's target", () => {
    const result = {
      metrics: [
        { key: 'a', label: 'overview p95', unit: 'ms', higherIsBetter: false, target: 300 },
        { key: 'b', label: 'job page p95', unit: 'ms', higherIsBetter: false, target: 100 },
        { key: 'c', label: 'p50', unit: 'ms', higherIsBetter: false },
      ],
      systems: [
        {
          system: 'conveyor',
          summary: {
            a: { median: 12.5, min: 10, max: 14, count: 3 },
            b: { median: 150, min: 150, max: 150, count: 1 },
          },
        },
      ],
    } as unknown as CaseResult;
    expect(targetText(result)).toBe(
      'Targets (Conveyor): overview p95 12.5 ms < 300 ms: met · job page p95 150 ms < 100 ms: MISSED',
    );
  });
});

describe('ratioText', () => {
  const result = (higherIsBetter: boolean) =>
    ({ metrics: [{ key: 'x', label: 'x', unit: 'x', higherIsBetter }] }) as unknown as CaseResult;
  it('calls a ratio better or worse by the direction of the headline figure', () => {
    expect(ratioText(result(true), 'BullMQ', 2)).toBe('Conveyor/BullMQ 2.00× (better)');
    expect(ratioText(result(false), 'BullMQ', 2)).toBe('Conveyor/BullMQ 2.00× (worse)');
    expect(ratioText(result(false), 'Bee-Queue', 0.5)).toBe('Conveyor/Bee-Queue 0.50× (better)');
  });
});

describe('ratios of more than the headline', () => {
  const system = (name: SystemAdapter['name'], label: string) =>
    ({ name, label }) as unknown as SystemAdapter;
  const figures: Record<string, Record<string, number>> = {
    conveyor: { seconds: 2, cpu: 30, other: 1 },
    bullmq: { seconds: 8, cpu: 10, other: 4 },
  };
  const benchCase: BenchCase = {
    id: 'fake',
    group: 99,
    title: 'Fake',
    describe: () => 'a fake case',
    metrics: [
      { key: 'seconds', label: 'time', unit: 's', higherIsBetter: false },
      { key: 'cpu', label: 'Redis CPU', unit: 'µs/fire', higherIsBetter: false, ratio: true },
      { key: 'other', label: 'other', unit: 'x', higherIsBetter: false },
    ],
    run: async (s) => ({ values: figures[s.name] ?? {} }),
  };

  it('gives Conveyor ÷ peer for the headline and each metric marked ratio, and prints both', async () => {
    const [result] = await runCases({
      url: 'redis://unused',
      probe: { flush: async () => {} } as unknown as RedisProbe,
      pool: {} as WorkerPool,
      sizes: TINY,
      systems: [system('conveyor', 'Conveyor'), system('bullmq', 'BullMQ')],
      cases: [benchCase],
      log: () => {},
    });
    if (!result) throw new Error('no result');
    expect(result.ratios).toEqual({ bullmq: 0.25 });
    expect(result.metricRatios).toEqual({ cpu: { bullmq: 3 } });
    const text = formatCase(result);
    expect(text).toContain('Conveyor/BullMQ 0.25× (better)');
    expect(text).toContain('Redis CPU: Conveyor/BullMQ 3.00× (worse)');
    expect(text).not.toContain('other: Conveyor');
  });
});

describe('perMaster (cluster cases)', () => {
  it('gives Redis CPU per job of each master, busiest first, its share and the spread around the mean', () => {
    // ms of CPU on each master over 10,000 jobs: 100 ms is 10 µs/job.
    const even = perMaster([100, 110, 90], 10_000);
    expect(even.usPerJob).toEqual([10, 11, 9]);
    expect(even.total).toBeCloseTo(30);
    expect(even.sorted).toEqual([11, 10, 9]);
    expect(even.busiestShare).toBeCloseTo((11 / 30) * 100);
    expect(even.spreadPct).toBeCloseTo(10);
    // One slot: all on one master, which is 3x the mean (+200 %).
    const hot = perMaster([300, 0, 0], 10_000);
    expect(hot.busiestShare).toBe(100);
    expect(hot.spreadPct).toBeCloseTo(200);
  });
});

describe('runCases finish hook', () => {
  it('runs once after the last run, also when a run failed, with the case state', async () => {
    const finished: unknown[] = [];
    const benchCase: BenchCase = {
      id: 'fake',
      group: 99,
      title: 'Fake',
      describe: () => 'a fake case',
      metrics: [{ key: 'x', label: 'x', unit: 'x', higherIsBetter: true }],
      async run(_system, context) {
        context.state.set('started', true);
        throw new Error('run failed');
      },
      async finish(state) {
        finished.push(state.get('started'));
      },
    };
    const [result] = await runCases({
      url: 'redis://unused',
      probe: { flush: async () => {} } as unknown as RedisProbe,
      pool: {} as WorkerPool,
      sizes: { ...TINY, runs: 2 },
      systems: [{ name: 'conveyor', label: 'Conveyor' } as unknown as SystemAdapter],
      cases: [benchCase],
      log: () => {},
    });
    expect(finished).toEqual([true]);
    expect(result?.systems[0]?.runs.map((run) => run.invalid)).toEqual([
      'error: run failed',
      'error: run failed',
    ]);
  });
});

describe('runCases interleave', () => {
  it('runs cases that share a key round by round, and the others one after another', async () => {
    const order: string[] = [];
    const fake = (id: string, interleave?: string): BenchCase => ({
      id,
      group: 99,
      title: id,
      describe: () => id,
      metrics: [{ key: 'x', label: 'x', unit: 'x', higherIsBetter: true }],
      ...(interleave !== undefined && { interleave }),
      async run(system, context) {
        order.push(`${id}:${system.name}:${context.queue}`);
        return { values: { x: 1 } };
      },
    });
    const results = await runCases({
      url: 'redis://unused',
      probe: { flush: async () => {} } as unknown as RedisProbe,
      pool: {} as WorkerPool,
      sizes: { ...TINY, runs: 2 },
      systems: [
        { name: 'conveyor', label: 'Conveyor' } as unknown as SystemAdapter,
        { name: 'bullmq', label: 'BullMQ' } as unknown as SystemAdapter,
      ],
      cases: [fake('a', 'k'), fake('b', 'k'), fake('c')],
      log: () => {},
    });
    expect(order).toEqual([
      'a:conveyor:bench-a-1',
      'a:bullmq:bench-a-1',
      'b:conveyor:bench-b-1',
      'b:bullmq:bench-b-1',
      'a:conveyor:bench-a-2',
      'a:bullmq:bench-a-2',
      'b:conveyor:bench-b-2',
      'b:bullmq:bench-b-2',
      'c:conveyor:bench-c-1',
      'c:bullmq:bench-c-1',
      'c:conveyor:bench-c-2',
      'c:bullmq:bench-c-2',
    ]);
    expect(results.map((result) => [result.id, result.systems.map((s) => s.valid)])).toEqual([
      ['a', [2, 2]],
      ['b', [2, 2]],
      ['c', [2, 2]],
    ]);
  });
});

describe('slotAfter', () => {
  it('puts the slot on the first whole second past the margin, as a once-a-minute pattern at that second', () => {
    const at = Date.UTC(2026, 11, 2, 7, 0, 50, 300);
    expect(slotAfter(at, 4_000)).toEqual({
      slotAt: Date.UTC(2026, 11, 2, 7, 0, 55),
      cron: '55 * * * * *',
    });
    // Across a minute boundary the pattern's second wraps.
    expect(slotAfter(at, 12_500)).toEqual({
      slotAt: Date.UTC(2026, 11, 2, 7, 1, 3),
      cron: '3 * * * * *',
    });
  });
});

describe('runProblem (schedules case)', () => {
  const slotAt = Date.UTC(2026, 11, 2, 7, 0, 30);
  const set = { queue: 'q', count: 100, cron: '30 * * * * *' };
  const good: GroupResult = {
    completed: 100,
    retried: 0,
    firstAt: slotAt + 40,
    lastAt: slotAt + 900,
    readyAt: slotAt - 2_000,
    parentAt: 0,
    startedAt: slotAt - 3_000,
    reached: true,
    cpuMicros: 1,
  };
  const schedules = (stored: number, unfinished: number) =>
    ({ stored: async () => stored, unfinished: async () => unfinished }) as unknown as Schedules;
  const problem = (result: Partial<GroupResult>, stored = 100, unfinished = 0) =>
    runProblem(
      { ...good, ...result },
      { slotAt, margin: 4_000, set, schedules: schedules(stored, unfinished) },
    );

  it('accepts a run where every slot job ran once, after the slot, and nothing was lost', async () => {
    expect(await problem({})).toBeUndefined();
  });

  it('names what makes a run invalid', async () => {
    expect(await problem({ readyAt: 0 })).toMatch(/set-up .* had not ended for the 4000 ms margin/);
    expect(await problem({ readyAt: slotAt - 10 })).toMatch(/ended 40 ms too late/);
    expect(await problem({ reached: false, completed: 97 })).toBe(
      '3 of 100 slot jobs had not run 50 s after the slot',
    );
    expect(await problem({ completed: 101 })).toBe('1 slot jobs ran twice');
    expect(await problem({ firstAt: slotAt - 1 })).toBe('a job ran before its slot');
    expect(await problem({}, 99)).toBe('99 schedules stored after the slot, expected 100');
    expect(await problem({}, 100, 2)).toBe('2 jobs still waiting or active after the slot');
  });
});
