import {
  defineTask,
  memoryTransport,
  type Settlement,
  type SettleStatus,
  type Transport,
  TransportError,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { createManualClock } from '@conveyor/core/testing/clock';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import {
  createSettleBatcher,
  type SettleAnswer,
  type SettleBatcher,
} from '../src/settle-batcher.js';
import { captureLogger } from './helpers.js';

function fakeTransport(settle: Transport['settle']): Transport {
  return { settle } as Transport;
}

/** Real time for the batcher's promise chains, generous for a busy machine. */
const WAIT = { timeout: 30_000 };

/** A batcher of 10 with a 30 s lease on a manual clock over `settle`, counting its calls. */
function onManualClock(
  settle: (settlements: readonly Settlement[], call: number) => Promise<SettleStatus[]>,
) {
  const logger = captureLogger();
  const clock = createManualClock();
  let calls = 0;
  const transport = fakeTransport((settlements) => settle(settlements, ++calls));
  const config = { settleBatchSize: 10, leaseMs: 30_000 };
  const batcher = createSettleBatcher({ transport, config, clock, logger });
  return { batcher, clock, logger, calls: () => calls };
}

const complete = (id: string): Settlement => ({ type: 'complete', id, token: 't', result: null });

/** Sends each settlement with its index as the context; resolves with every answer, in order. */
function sendAll(
  batcher: SettleBatcher,
  settlements: readonly Settlement[],
  onAnswer?: (index: number) => void,
): Promise<SettleAnswer[]> {
  const answers: SettleAnswer[] = [];
  let left = settlements.length;
  return new Promise((resolve) => {
    settlements.forEach((settlement, index) => {
      batcher.send(settlement, index, (answer, at) => {
        answers[at] = answer;
        left -= 1;
        if (left === 0) resolve(answers);
        onAnswer?.(at);
      });
    });
  });
}

describe('settle batching', () => {
  it('sends at most maxBatch per call and one call at a time, in order', async () => {
    const calls: string[][] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const transport = fakeTransport(async (settlements) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      calls.push(settlements.map((s) => s.id));
      await new Promise((resolve) => setImmediate(resolve));
      concurrent -= 1;
      return settlements.map((s) => (s.id === 'c' ? 'stale' : 'ok'));
    });
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 2, leaseMs: 30_000 },
      clock: createManualClock(),
      logger: captureLogger(),
    });
    const answers = await sendAll(batcher, ['a', 'b', 'c', 'd', 'e'].map(complete));
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(maxConcurrent).toBe(1);
    expect(answers).toEqual(['ok', 'ok', 'stale', 'ok', 'ok']);
    await batcher.drain();
  });

  it('once hurried, sends each batch beside the calls in flight; drain waits for all', async () => {
    const calls: string[][] = [];
    const answers: Array<(value: 'ok') => void> = [];
    const transport = fakeTransport((settlements) => {
      calls.push(settlements.map((s) => s.id));
      return new Promise((resolve) => {
        answers.push(() => resolve(settlements.map(() => 'ok')));
      });
    });
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 2, leaseMs: 30_000 },
      clock: createManualClock(),
      logger: captureLogger(),
    });
    const first = sendAll(batcher, [complete('a')]);
    await vi.waitFor(() => expect(calls).toEqual([['a']]), { timeout: 30_000 });
    // Not hurried: 'b' waits for the call in flight.
    const second = sendAll(batcher, [complete('b')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['a']]);
    batcher.hurry();
    expect(calls).toEqual([['a'], ['b']]);
    const rest = sendAll(batcher, ['c', 'd', 'e'].map(complete));
    await vi.waitFor(() => expect(calls).toEqual([['a'], ['b'], ['c', 'd'], ['e']]), {
      timeout: 30_000,
    });
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    for (const answer of answers.splice(0, 3)) answer('ok');
    await Promise.all([first, second]);
    expect(drained).toBe(false);
    for (const answer of answers.splice(0)) answer('ok');
    await draining;
    expect(await rest).toEqual(['ok', 'ok', 'ok']);
  });

  it('sends a failed call again after a pause, with what was queued meanwhile, until it is answered', async () => {
    // A master down for a few seconds failed the completion of a job on its last attempt:
    // its lease then ran out and it was dead-lettered LEASE_EXPIRED though it had run.
    const logger = captureLogger();
    const clock = createManualClock();
    const calls: string[][] = [];
    const transport = fakeTransport(async (settlements) => {
      calls.push(settlements.map((s) => s.id));
      if (calls.length <= 3) throw new TransportError('CLUSTERDOWN The cluster is down');
      return settlements.map(() => 'ok');
    });
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 10, leaseMs: 30_000 },
      clock,
      logger,
    });
    const first = sendAll(batcher, [complete('a')]);
    await vi.waitFor(() => expect(calls).toHaveLength(1), WAIT);
    const later = sendAll(batcher, [complete('b')]);
    await clock.advance(250);
    await vi.waitFor(() => expect(calls).toHaveLength(2), WAIT);
    await clock.advance(500);
    await vi.waitFor(() => expect(calls).toHaveLength(3), WAIT);
    await clock.advance(1_000);
    expect(await first).toEqual(['ok']);
    expect(await later).toEqual(['ok']);
    expect(calls).toEqual([['a'], ['a', 'b'], ['a', 'b'], ['a', 'b']]);
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      [
        'warn',
        'settle call failed: sending it again until the broker answers or the leases run out',
      ],
      ['info', 'settle calls answered again'],
    ]);
    await batcher.drain();
  });

  it("answers error once a failing call's leases have run out, and logs it", async () => {
    const { batcher, clock, logger, calls } = onManualClock(() =>
      Promise.reject(new TransportError('connection reset')),
    );
    let answers: SettleAnswer[] | undefined;
    void sendAll(batcher, [complete('a')]).then((given) => {
      answers = given;
    });
    await vi.waitFor(() => expect(calls()).toBe(1), WAIT);
    for (let waited = 0; waited <= 32_000 && answers === undefined; waited += 2_000) {
      await clock.advance(2_000);
    }
    expect(answers).toEqual(['error']);
    expect(calls()).toBeGreaterThan(10);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      fields: { jobIds: ['a'] },
      message:
        "settle call failed until these jobs' leases ran out: unless the broker applied it before its reply was lost, they run again, or are dead-lettered if that was their last attempt (look them up with conveyor inspect <id>)",
    });
  });

  it('a stopping worker retries no more: a retry waiting out its pause goes at once, as the last try', async () => {
    const { batcher, logger, calls } = onManualClock(() =>
      Promise.reject(new TransportError('connection reset')),
    );
    const answers = sendAll(batcher, [complete('a')]);
    await vi.waitFor(() => expect(calls()).toBe(1), WAIT);
    batcher.hurry();
    expect(await answers).toEqual(['error']);
    expect(calls()).toBe(2);
    expect(batcher.failedSinceHurry).toBe(true);
    await batcher.drain();
    expect(logger.lines.at(-1)?.message).toMatch(/^settle call failed as the worker stopped/);
  });

  it("a stopping worker's settles that fail are one log line, naming every job, not one per call", async () => {
    // A worker stopping with the broker gone logged one error per job that ended meanwhile.
    let settled = 0;
    const { batcher, logger } = onManualClock(async () => {
      settled += 1;
      throw new TransportError(settled === 3 ? 'connection closed' : 'connect ECONNREFUSED');
    });
    batcher.hurry();
    const answers: Promise<SettleAnswer[]>[] = [];
    for (const id of ['a', 'b', 'c']) {
      answers.push(sendAll(batcher, [complete(id)]));
      await vi.waitFor(() => expect(settled).toBe(answers.length), WAIT);
    }
    expect(await Promise.all(answers)).toEqual([['error'], ['error'], ['error']]);
    await batcher.drain();
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      fields: { jobIds: ['a', 'b', 'c'], calls: 3, otherErrors: ['connection closed'] },
      message: expect.stringMatching(
        /^settle calls \(3\) failed as the worker stopped: unless the broker applied them before their replies were lost, these jobs run again/,
      ),
    });
  });

  it('answers uncertain for a settle sent again and refused: the failed call was likely applied', async () => {
    const clock = createManualClock();
    let calls = 0;
    const transport = fakeTransport(async (settlements) => {
      calls += 1;
      if (calls === 1) throw new TransportError('command timed out');
      return settlements.map(() => 'stale');
    });
    const logger = captureLogger();
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 10, leaseMs: 30_000 },
      clock,
      logger,
    });
    const answers = sendAll(batcher, [complete('a')]);
    await vi.waitFor(() => expect(calls).toBe(1), WAIT);
    await clock.advance(250);
    expect(await answers).toEqual(['uncertain']);
  });

  it('does not send again a call that failed for good: the others are not held with it', async () => {
    // A script error comes back on every retry: each settlement queued meanwhile rode along
    // and failed with it for a whole lease.
    const logger = captureLogger();
    const clock = createManualClock();
    const scriptError = new TransportError('ERR Error running script', { passing: false });
    let calls = 0;
    const transport = fakeTransport(async (settlements) => {
      calls += 1;
      if (calls === 1) throw scriptError;
      return settlements.map(() => 'ok');
    });
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 10, leaseMs: 30_000 },
      clock,
      logger,
    });
    expect(await sendAll(batcher, [complete('a')])).toEqual(['error']);
    expect(await sendAll(batcher, [complete('b')])).toEqual(['ok']);
    expect(calls).toBe(2);
    expect(logger.lines[0]?.message).toMatch(
      /^settle call failed, and sending it again would fail the same way/,
    );
  });

  it('gives every answer of a batch even when one callback throws', async () => {
    const logger = captureLogger();
    const transport = fakeTransport(async (settlements) => settlements.map(() => 'ok'));
    const batcher = createSettleBatcher({
      transport,
      config: { settleBatchSize: 10, leaseMs: 30_000 },
      clock: createManualClock(),
      logger,
    });
    const answers = await sendAll(batcher, ['a', 'b', 'c'].map(complete), (index) => {
      if (index === 0) throw new Error('callback bug');
    });
    expect(answers).toEqual(['ok', 'ok', 'ok']);
    expect(logger.lines).toMatchObject([
      { level: 'error', message: 'settle callback threw', fields: { jobId: 'a' } },
    ]);
  });
});

describe('default logger', () => {
  it('runs tasks that log through ctx.logger with the default pino logger', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const transport = memoryTransport();
    const task = defineTask({
      name: 't.log',
      input: z.object({}),
      run(_input, ctx) {
        ctx.logger.info({ step: 1 }, 'hello from the task');
        return 'logged';
      },
    });
    const worker = createWorker({ transport, tasks: [task], queues: ['q'], reserveWaitMs: 20 });
    const running = worker.start();
    try {
      const envelope = makeEnvelope('q', { task: 't.log', input: {} });
      await transport.enqueue([{ envelope }]);
      await vi.waitFor(
        async () => expect((await transport.getJob(envelope.id))?.state).toBe('completed'),
        { timeout: 15_000 },
      );
    } finally {
      await worker.stop();
      await running;
      write.mockRestore();
    }
  });
});
