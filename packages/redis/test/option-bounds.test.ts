import { silentLogger, type Transport } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { redisTransport } from '../src/index.js';

/**
 * The bounds core puts on durations and times (2^52 ms, and the latest time a Date holds)
 * are what Redis keeps exactly. Past them, before the bounds, `delay: 1e20` left the job
 * waiting (it ran at once) and `resultTtl: 1e20` dropped the record as it was stored; the
 * transport now refuses such a delay or run time, as the client does.
 */

const MAX_DURATION_MS = 2 ** 52;
const MAX_EPOCH_MS = 8.64e15;

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

function open(): Transport {
  const transport = redisTransport({ url: inject('sharedRedisUrl'), logger: silentLogger });
  transports.push(transport);
  return transport;
}

describe('the longest durations and the latest times, on Redis', () => {
  it('delay a job by the longest delay, and to the latest eta, exactly', async () => {
    const transport = open();
    const queue = uniqueQueue('bounds-delay');
    const [longest, latest] = [makeEnvelope(queue), makeEnvelope(queue)];
    const before = Date.now();
    await transport.enqueue([
      { envelope: longest, delayMs: MAX_DURATION_MS },
      { envelope: latest, runAt: MAX_EPOCH_MS },
    ]);
    const after = Date.now();
    const [longRecord, lateRecord] = await Promise.all([
      transport.getJob(longest.id),
      transport.getJob(latest.id),
    ]);
    expect(longRecord?.state).toBe('delayed');
    // Broker time is within the call; 2^52 + now is held exactly (below 2^53).
    expect(longRecord?.dueAt).toBeGreaterThanOrEqual(before + MAX_DURATION_MS - 1_000);
    expect(longRecord?.dueAt).toBeLessThanOrEqual(after + MAX_DURATION_MS + 1_000);
    expect(Number.isInteger(longRecord?.dueAt)).toBe(true);
    expect(lateRecord).toMatchObject({ state: 'delayed', dueAt: MAX_EPOCH_MS });
    expect(new Date(lateRecord?.dueAt ?? 0).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });

  it('keep a result for the longest result TTL', async () => {
    const transport = open();
    const queue = uniqueQueue('bounds-ttl');
    const envelope = makeEnvelope(queue);
    await transport.enqueue([{ envelope }]);
    const [reservation] = await transport.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 60_000,
      consumer: 'bounds',
    });
    expect(reservation?.envelope.id).toBe(envelope.id);
    await transport.settle([
      {
        type: 'complete',
        id: envelope.id,
        token: reservation?.token ?? '',
        result: 'kept',
        resultTtlMs: MAX_DURATION_MS,
      },
    ]);
    expect(await transport.getJob(envelope.id)).toMatchObject({
      state: 'completed',
      result: 'kept',
    });
  });

  it('refuse a delay or run time past the bounds, storing nothing', async () => {
    const transport = open();
    const queue = uniqueQueue('bounds-past');
    const envelope = makeEnvelope(queue);
    await expect(transport.enqueue([{ envelope, delayMs: 1e20 }])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('Invalid delayMs 100000000000000000000'),
    });
    await expect(transport.enqueue([{ envelope, runAt: 1e16 }])).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(await transport.getJob(envelope.id)).toBeNull();
  });

  it('refuse a lease past the bound: it overflowed, and a second consumer took the job', async () => {
    const transport = open();
    const queue = uniqueQueue('bounds-lease');
    const envelope = makeEnvelope(queue);
    await transport.enqueue([{ envelope }]);
    const reserve = (leaseMs: number) =>
      transport.reserve({ queues: [queue], max: 1, leaseMs, consumer: 'bounds' });
    await expect(reserve(1e20)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('Invalid leaseMs 100000000000000000000'),
    });
    const [held] = await reserve(MAX_DURATION_MS);
    expect(held?.envelope.id).toBe(envelope.id);
    // Held for the longest lease: no other consumer gets it.
    expect(await reserve(1_000)).toEqual([]);
    await expect(
      transport.renew([{ id: envelope.id, token: held?.token ?? '' }], 1e20),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('refuse a settlement delay or result TTL past the bound, leaving the job leased', async () => {
    const transport = open();
    const queue = uniqueQueue('bounds-settle');
    const envelope = makeEnvelope(queue);
    await transport.enqueue([{ envelope }]);
    const [held] = await transport.reserve({
      queues: [queue],
      max: 1,
      leaseMs: 60_000,
      consumer: 'bounds',
    });
    const ref = { id: envelope.id, token: held?.token ?? '' };
    const error = { name: 'Error', message: 'again later' };
    await expect(
      transport.settle([{ type: 'retry', ...ref, error, delayMs: 1e20 }]),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('Invalid delayMs 100000000000000000000'),
    });
    await expect(
      transport.settle([{ type: 'complete', ...ref, result: 1, resultTtlMs: 1e20 }]),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect((await transport.getJob(envelope.id))?.state).toBe('active');
    const before = Date.now();
    expect(
      await transport.settle([{ type: 'retry', ...ref, error, delayMs: MAX_DURATION_MS }]),
    ).toEqual(['ok']);
    const record = await transport.getJob(envelope.id);
    expect(record?.state).toBe('delayed');
    expect(record?.dueAt).toBeGreaterThanOrEqual(before + MAX_DURATION_MS - 1_000);
  });
});
