// Tasks of the integration tests. They run in real worker processes and write what
// they did to a ledger: a private Redis of its own (CONVEYOR_TEST_LEDGER), never the
// broker, so the ledger cannot be changed by the code under test.
import { defineTask } from '@conveyor/core';
import { Redis } from 'ioredis';
import { z } from 'zod';

let ledger: Redis | undefined;
/** The ledger connection, opened on first use in a worker process. */
export function ledgerClient(): Redis {
  const url = process.env.CONVEYOR_TEST_LEDGER;
  if (!url) throw new Error('CONVEYOR_TEST_LEDGER is not set');
  ledger ??= new Redis(url);
  return ledger;
}

const worker = (): string => process.env.CONVEYOR_TEST_WORKER ?? 'unknown';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/**
 * Sleeps `ms` (abortable; only on worker `slowOn` when that is given, else 50 ms);
 * counts starts and completions per job id, and records who started it.
 */
export const work = defineTask({
  name: 'it.work',
  input: z.object({ n: z.number(), ms: z.number(), slowOn: z.string().optional() }),
  queue: 'it-work',
  async run({ ms, slowOn }, ctx) {
    await ledgerClient()
      .multi()
      .hincrby('it:work:started', ctx.jobId, 1)
      .hset('it:work:startedBy', ctx.jobId, worker())
      .exec();
    await sleep(slowOn === undefined || slowOn === worker() ? ms : 50, ctx.signal);
    await ledgerClient().hincrby('it:work:done', ctx.jobId, 1);
    return { worker: worker() };
  },
});

/** Five starts per second across all workers; records each start's time. */
export const rated = defineTask({
  name: 'it.rated',
  input: z.object({ n: z.number() }),
  queue: 'it-rated',
  rateLimit: { limit: 5, per: 1_000 },
  async run({ n }) {
    await ledgerClient().rpush('it:rated:starts', `${Date.now()} ${n} ${worker()}`);
    return n;
  },
});

/** Three at once across all workers; records each run's [start, end]. */
export const capped = defineTask({
  name: 'it.capped',
  input: z.object({ n: z.number() }),
  queue: 'it-capped',
  concurrencyLimit: 3,
  async run({ n }, ctx) {
    const start = Date.now();
    await sleep(150, ctx.signal);
    await ledgerClient().rpush('it:capped:runs', `${start} ${Date.now()} ${n} ${worker()}`);
    return n;
  },
});

/** Runs until ctx.signal aborts, then records the reason's code and ends with it. */
export const waitForCancel = defineTask({
  name: 'it.waitForCancel',
  input: z.object({}),
  queue: 'it-cancel',
  async run(_input, ctx) {
    await ledgerClient().set(`it:cancel:${ctx.jobId}:running`, worker());
    try {
      await sleep(60_000, ctx.signal);
    } catch (reason) {
      await ledgerClient().set(
        `it:cancel:${ctx.jobId}:aborted`,
        String((reason as { code?: string }).code),
      );
      throw reason;
    }
    return 'not cancelled';
  },
});

/** First attempt: blocks the event loop for `ms` (past the lease), then returns. */
export const blockLoop = defineTask({
  name: 'it.blockLoop',
  input: z.object({ ms: z.number() }),
  queue: 'it-block',
  async run({ ms }, ctx) {
    await ledgerClient().rpush('it:block:runs', `${ctx.attempt} ${worker()}`);
    if (ctx.attempt === 1) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // Synchronous: no heartbeat can run.
      }
    }
    return { attempt: ctx.attempt, worker: worker() };
  },
});

export const tasks = [work, rated, capped, waitForCancel, blockLoop];
