import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, Transport } from '@conveyor/core';
import { FINAL_STATES } from '@conveyor/core/transport';
import {
  type CountOptions,
  type Counts,
  countJobs,
  type FinalRecord,
  type indexLedger,
} from './analysis.js';
import { type LedgerWriter, openLedger } from './ledger.js';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  /** The reduced CI version. */
  quick: boolean;
  /** A fresh directory for this scenario's ledger files and worker output. */
  dir: string;
  progress(message: string): void;
}

export interface Check {
  name: string;
  ok: boolean;
  /** The measured value, e.g. `0 lost` or `4.1 s`. */
  detail: string;
  /** The bound, e.g. `= 0` or `≤ 3.0 s`; "report" when there is none. */
  bound: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  acked: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** From the last fault until the system was back to normal (ms); see each scenario. */
  recoveryMs?: number;
  checks: Check[];
  /** Other figures worth printing (JSON output and docs). */
  figures: Record<string, number | string>;
  notes: string[];
  ok: boolean;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

export function scenarioDir(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function check(name: string, ok: boolean, detail: string, bound: string): Check {
  return { name, ok, detail, bound };
}

/** A count whose bound is zero: lost, duplicated, unexpected, unplanned exits. */
export function noneCheck(name: string, count: number): Check {
  return check(name, count === 0, String(count), '= 0');
}

/** A figure printed without a bound. */
export function reportCheck(name: string, detail: string): Check {
  return check(name, true, detail, 'report');
}

/** A scenario's result: its job counts, its checks, and `ok` when every check held. */
export function scenarioResult(
  scenario: Pick<Scenario, 'name' | 'title'>,
  counts: Pick<Counts, 'acked' | 'lost' | 'duplicated' | 'unexpected'>,
  details: Pick<ScenarioResult, 'checks' | 'figures' | 'notes' | 'recoveryMs'>,
): ScenarioResult {
  const { acked, lost, duplicated, unexpected } = counts;
  return {
    name: scenario.name,
    title: scenario.title,
    acked,
    lost,
    duplicated,
    unexpected,
    ...(details.recoveryMs !== undefined && { recoveryMs: details.recoveryMs }),
    checks: details.checks,
    figures: details.figures,
    notes: details.notes,
    ok: details.checks.every((c) => c.ok),
  };
}

type LedgerIndex = ReturnType<typeof indexLedger>;

/** The jobs whose enqueue was acknowledged, by the ledger as it is now. */
export function ackedIds(index: LedgerIndex): string[] {
  return [...index.jobs.values()].filter((job) => job.ackedAt).map((job) => job.id);
}

/** The end of a run: the ledger, the jobs' records in Redis, and the counts from both. */
export interface Finished {
  index: LedgerIndex;
  records: Map<string, FinalRecord | null>;
  counts: Counts;
  /** False when the wait ran out with jobs still unfinished. */
  final: boolean;
}

/**
 * Waits until every job is final (or `timeoutMs`), runs `afterWait` (e.g. until stalled
 * runs have woken), then reads the ledger again and each job's record, and counts.
 */
export async function finishJobs(options: {
  transport: Transport;
  ids: readonly string[];
  timeoutMs: number;
  index: () => LedgerIndex;
  expected?: CountOptions['expected'];
  afterWait?: () => Promise<void>;
}): Promise<Finished> {
  const { transport, ids } = options;
  const final = await waitFinal(transport, ids, options.timeoutMs);
  await options.afterWait?.();
  const index = options.index();
  const records = await readRecords(transport, ids);
  const counts = countJobs(index, { records, expected: options.expected });
  return { index, records, counts, final };
}

/**
 * Enqueues `count` jobs in batches, one batch in flight, about every `intervalMs`, and
 * writes every acknowledged id (`enq`) or failed batch (`enqfail`) to the ledger.
 */
export async function produce(options: {
  client: Client;
  ledger: LedgerWriter;
  count: number;
  batch: number;
  intervalMs: number;
  firstSeq?: number;
  enqueue: (client: Client, seqs: number[]) => Promise<Array<{ id: string }>>;
  stop?: () => boolean;
}): Promise<{ acked: number; failed: number }> {
  let acked = 0;
  let failed = 0;
  let seq = options.firstSeq ?? 0;
  const end = seq + options.count;
  while (seq < end && !options.stop?.()) {
    const started = Date.now();
    const seqs: number[] = [];
    while (seqs.length < options.batch && seq < end) seqs.push(seq++);
    try {
      const handles = await options.enqueue(options.client, seqs);
      handles.forEach((handle, index) => {
        options.ledger.write('enq', handle.id, seqs[index] ?? -1);
      });
      acked += handles.length;
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).name;
      for (const s of seqs) options.ledger.write('enqfail', s, reason);
      failed += seqs.length;
    }
    const wait = options.intervalMs - (Date.now() - started);
    if (wait > 0) await sleep(wait);
  }
  return { acked, failed };
}

/** Reads each job's record; retries a failing read a few times (Redis may be recovering). */
export async function readRecords(
  transport: Transport,
  ids: readonly string[],
): Promise<Map<string, FinalRecord | null>> {
  const records = new Map<string, FinalRecord | null>();
  for (let start = 0; start < ids.length; start += 200) {
    const chunk = ids.slice(start, start + 200);
    const found = await Promise.all(
      chunk.map(async (id) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await transport.getJob(id);
          } catch (error) {
            if (attempt >= 5) throw error;
            await sleep(500);
          }
        }
      }),
    );
    chunk.forEach((id, index) => {
      const record = found[index];
      records.set(
        id,
        record
          ? {
              state: record.state,
              result: record.result,
              attempts: record.attempts,
              ...(record.error && {
                error: { code: record.error.code, message: record.error.message },
              }),
            }
          : null,
      );
    });
  }
  return records;
}

/** Polls `done()` every 250 ms until it holds or `timeoutMs` passes; true when it held. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** Waits until every id has a final record (or the timeout), reading only unfinished ones. */
export async function waitFinal(
  transport: Transport,
  ids: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  let pending = [...ids];
  return waitUntil(async () => {
    const records = new Map<string, FinalRecord | null | undefined>();
    const found = await Promise.all(
      pending.map((id) =>
        transport.getJob(id).then(
          (record): FinalRecord | null | undefined =>
            record ? { state: record.state, attempts: record.attempts } : null,
          // Closed or down: look again. Garbage in its key: it will never change, done.
          (error: unknown): null | undefined =>
            (error as { code?: string }).code === 'TRANSPORT_CLOSED' ||
            (error as { failure?: string }).failure === 'CONNECTION'
              ? undefined
              : null,
        ),
      ),
    );
    pending.forEach((id, index) => {
      records.set(id, found[index]);
    });
    pending = pending.filter((id) => {
      const record = records.get(id);
      // No record at all: nothing will ever finish it (counted as lost by the caller).
      return record !== null && (record === undefined || !FINAL_STATES.has(record.state));
    });
    return pending.length === 0;
  }, timeoutMs);
}

/** Notes on lost jobs for the report: where they ended up, and a few examples. */
export function lostNotes(
  counts: Counts,
  records: ReadonlyMap<string, FinalRecord | null>,
): string[] {
  if (counts.lost === 0) return [];
  const states = Object.entries(counts.lostStates)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const examples = counts.lostIds.slice(0, 3).map((id) => {
    const record = records.get(id);
    return `lost ${id}: ${record ? `${record.state}, attempts ${record.attempts}${record.error ? `, ${record.error.code}: ${record.error.message}` : ''}` : 'no record'}`;
  });
  return [`lost jobs now in Redis: ${states}`, ...examples];
}

export function openHarnessLedger(dir: string): LedgerWriter {
  return openLedger(dir, 'harness');
}

export const seconds = (ms: number | undefined): string =>
  ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
