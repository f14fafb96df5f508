import { defineTask, memoryTransport, type Settlement, type Transport } from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
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
    const batcher = createSettleBatcher({ transport, maxBatch: 2, logger: captureLogger() });
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
    const batcher = createSettleBatcher({ transport, maxBatch: 2, logger: captureLogger() });
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

  it('answers error (never rejects) when the settle call fails, and logs it', async () => {
    const logger = captureLogger();
    const transport = fakeTransport(() => Promise.reject(new Error('connection reset')));
    const batcher = createSettleBatcher({ transport, maxBatch: 10, logger });
    expect(await sendAll(batcher, [complete('a')])).toEqual(['error']);
    expect(logger.lines[0]).toMatchObject({
      level: 'error',
      fields: { jobIds: ['a'] },
      message:
        'settle call failed: unless the broker applied it before its reply was lost, these jobs run again once their leases expire (look them up with conveyor inspect <id>)',
    });
  });

  it('gives every answer of a batch even when one callback throws', async () => {
    const logger = captureLogger();
    const transport = fakeTransport(async (settlements) => settlements.map(() => 'ok'));
    const batcher = createSettleBatcher({ transport, maxBatch: 10, logger });
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
