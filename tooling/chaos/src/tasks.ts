import { type AnyTaskDefinition, defineTask, taskContract } from '@conveyor/core';
import { z } from 'zod';
import type { LedgerWriter } from './ledger.js';

/**
 * The chaos tasks. The harness enqueues through the contracts; worker processes run the
 * definitions from {@link chaosTasks}, which write every start and completion to the ledger.
 */
const workInput = z.object({
  /** Producer sequence number, so a run of an unacknowledged enqueue can be recognised. */
  seq: z.number().int().min(0),
  /** How long the body sleeps. */
  ms: z.number().int().min(0).max(60_000),
  /** Blocks the event loop this long on attempt 1 (the stall scenario). */
  stallMs: z.number().int().min(0).max(120_000).optional(),
});
const poisonInput = z.object({ seq: z.number().int().min(0) });

/** Sleeps `ms` (or blocks the loop `stallMs` on its first attempt) and returns who ran it. */
const WORK = { name: 'chaos.work', input: workInput, queue: 'chaos', retry: { attempts: 25 } };
export const workTask = taskContract(WORK);

/** Kills its own process with SIGKILL on every attempt. */
const POISON = { name: 'chaos.poison', input: poisonInput, queue: 'chaos', retry: { attempts: 3 } };
export const poisonTask = taskContract(POISON);

/** Echoes any input back (hostile input: what survives the round trip). */
const ECHO = { name: 'chaos.echo', input: z.unknown(), queue: 'chaos', retry: { attempts: 1 } };
export const echoTask = taskContract(ECHO);

/** The task definitions a chaos worker process runs. */
export function chaosTasks(
  ledger: LedgerWriter,
  options: { sandboxPoison?: boolean } = {},
): AnyTaskDefinition[] {
  const pid = process.pid;
  const checkPrototype = (): void => {
    if (({} as Record<string, unknown>).polluted !== undefined) ledger.write('polluted', pid);
  };
  return [
    defineTask({
      ...WORK,
      async run({ seq, ms, stallMs }, ctx) {
        ledger.write('start', ctx.jobId, pid, ctx.attempt, seq);
        if (stallMs !== undefined && ctx.attempt === 1) {
          ledger.write('stall', ctx.jobId, pid, ctx.attempt);
          // A synchronous loop: no timer, heartbeat or socket read runs meanwhile.
          const until = Date.now() + stallMs;
          while (Date.now() < until) {}
        } else if (ms > 0) {
          await new Promise((resolve) => setTimeout(resolve, ms));
        }
        ledger.write('done', ctx.jobId, pid, ctx.attempt);
        return { pid, attempt: ctx.attempt };
      },
    }),
    defineTask({
      ...POISON,
      // In the sandbox the SIGKILL takes down only the child that runs this job.
      sandbox: options.sandboxPoison === true,
      run({ seq }, ctx) {
        ledger.write('start', ctx.jobId, pid, ctx.attempt, seq);
        process.kill(pid, 'SIGKILL');
        return null;
      },
    }),
    defineTask({
      ...ECHO,
      run(input, ctx) {
        ledger.write('start', ctx.jobId, pid, ctx.attempt, -1);
        checkPrototype();
        ledger.write('done', ctx.jobId, pid, ctx.attempt);
        return input as null;
      },
    }),
  ];
}
