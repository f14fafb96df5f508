import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { defineTask, defineWorkflow, NonRetryableError, type TaskContext } from '@conveyor/core';
import { z } from 'zod';
import type { LedgerWriter } from './ledger.js';
import { jobMs } from './scenarios/work.js';

/**
 * The chaos workflow, `chaos.workflow`: `prepare`, then a `map` stage `each` of `count`
 * children, then the fan-in step `join` (it receives every child's result, in order, and
 * checks them), then `finish`. Every body writes to the ledger:
 *
 * - `wstart <run> <job id> <pid> <attempt> <step> <child or -1>` when it begins;
 * - `wdone …` (same fields) when it returns, `wabort …` when its `ctx.signal` fired, and
 *   `wfail …` when it fails on purpose (`join`, once per run, with `failJoinOnce`);
 * - `fanin <run> <job id> <pid> <attempt> <results> <misplaced>` from `join`, just before
 *   its `wdone`: one line per run of the fan-in step that completed.
 *
 * `run` names one workflow run in the ledger (the harness writes `wf <run> <workflow id>`).
 */
export const workflowInput = z.object({
  run: z.string().regex(/^[\w-]+$/),
  count: z.number().int().min(1).max(10_000),
  /** A child's body sleeps jobMs(index, minMs, maxMs). */
  minMs: z.number().int().min(0),
  maxMs: z.number().int().min(0),
  /** Children from this index on sleep until their signal fires (the cancel scenario). */
  blockFrom: z.number().int().min(0).optional(),
  /** `join` fails (NonRetryableError) on its first run in this run (the retry scenario). */
  failJoinOnce: z.boolean().optional(),
});
export type WorkflowInput = z.infer<typeof workflowInput>;

/** Child `index`'s value: what `join` must find at place `index`. */
export function childValue(index: number): number {
  return (index * 7_919 + 13) % 100_003;
}

/** How long a blocking child sleeps when nothing aborts it: longer than any run. */
const BLOCK_MS = 600_000;

const childInput = z.object({
  run: z.string(),
  index: z.number().int().min(0),
  ms: z.number().int().min(0),
});
const childResult = z.object({ index: z.number().int(), value: z.number().int() });
const joinInput = z.object({
  run: z.string(),
  failOnce: z.boolean(),
  results: z.array(childResult),
});

/** The tasks and the workflow; the harness makes them too (to start runs), with its own ledger. */
export function chaosWorkflow(ledger: LedgerWriter, dir: string) {
  const pid = process.pid;
  const line = (
    kind: 'wstart' | 'wdone' | 'wabort' | 'wfail',
    run: string,
    ctx: TaskContext,
    step: string,
    child = -1,
  ) => ledger.write(kind, run, ctx.jobId, pid, ctx.attempt, step, child);

  const prepare = defineTask({
    name: 'chaos.wf.prepare',
    input: z.object({ run: z.string() }),
    queue: 'chaos',
    retry: { attempts: 25 },
    run({ run }, ctx) {
      line('wstart', run, ctx, 'prepare');
      line('wdone', run, ctx, 'prepare');
      return { run };
    },
  });

  const child = defineTask({
    name: 'chaos.wf.child',
    input: childInput,
    queue: 'chaos',
    // A kill -9 costs the job an attempt when its lease runs out.
    retry: { attempts: 25 },
    async run({ run, index, ms }, ctx) {
      line('wstart', run, ctx, 'each', index);
      if (await pause(ms, ctx.signal)) {
        line('wabort', run, ctx, 'each', index);
        throw ctx.signal.reason ?? new Error('aborted');
      }
      line('wdone', run, ctx, 'each', index);
      return { index, value: childValue(index) };
    },
  });

  const fanIn = defineTask({
    name: 'chaos.wf.join',
    input: joinInput,
    queue: 'chaos',
    retry: { attempts: 25 },
    run({ run, failOnce, results }, ctx) {
      line('wstart', run, ctx, 'join');
      if (failOnce && firstTime(join(dir, `join-failed-${run}`))) {
        line('wfail', run, ctx, 'join');
        throw new NonRetryableError(`join of run ${run} fails on its first run, on purpose`);
      }
      const misplaced = results.filter(
        (result, i) => result.index !== i || result.value !== childValue(i),
      ).length;
      ledger.write('fanin', run, ctx.jobId, pid, ctx.attempt, results.length, misplaced);
      line('wdone', run, ctx, 'join');
      return { count: results.length, misplaced };
    },
  });

  const finish = defineTask({
    name: 'chaos.wf.finish',
    input: z.object({ run: z.string(), count: z.number().int() }),
    queue: 'chaos',
    retry: { attempts: 25 },
    run({ run, count }, ctx) {
      line('wstart', run, ctx, 'finish');
      line('wdone', run, ctx, 'finish');
      return { count };
    },
  });

  const workflow = defineWorkflow({
    name: 'chaos.workflow',
    input: workflowInput,
    steps: (flow) =>
      flow
        .step('prepare', prepare, { input: (_, input) => ({ run: input.run }) })
        .map('each', child, {
          items: (_, input) =>
            Array.from({ length: input.count }, (_, index) => ({
              run: input.run,
              index,
              ms:
                input.blockFrom !== undefined && index >= input.blockFrom
                  ? BLOCK_MS
                  : jobMs(index, input.minMs, input.maxMs),
            })),
        })
        .step('join', fanIn, {
          input: (results, input) => ({
            run: input.run,
            failOnce: input.failJoinOnce === true,
            results,
          }),
        })
        .step('finish', finish, {
          input: (joined, input) => ({ run: input.run, count: joined.count }),
        }),
  });
  return { tasks: [prepare, child, fanIn, finish], workflow };
}

/** Sleeps `ms`; true when `signal` fired first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates `path`; false when it exists (another run of the step made it first). */
function firstTime(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
