import { defineTask } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, useWorkerHarness } from './helpers.js';

const input = z.object({});

const workers = useWorkerHarness();

/** Runs until its signal aborts, then throws the reason (as a well-behaved task does). */
function abortable(name: string, seen: unknown[]) {
  return defineTask({
    name,
    input,
    run: (_input, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          seen.push(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      }),
  });
}

describe('cancellation', () => {
  it('aborts the running job when the transport reports a cancel', async () => {
    const seen: unknown[] = [];
    const harness = await workers.start([abortable('t.wait', seen)]);
    const id = await harness.enqueue('t.wait');
    await harness.clock.advance(0);
    expect(await harness.transport.cancel(id)).toBe('signalled');
    await harness.clock.advance(0);
    expect(seen).toMatchObject([{ code: 'JOB_CANCEL_REQUESTED' }]);
    expect((await harness.job(id)).state).toBe('cancelled');
    expect(harness.worker.stats().tasks['t.wait']).toMatchObject({ cancelled: 1, retried: 0 });
    // Only the heartbeat-free path was used.
    expect(harness.transport.calls.renew).toHaveLength(0);
  });

  it('falls back to the renew status when the cancel notification is missed', async () => {
    const seen: unknown[] = [];
    const harness = await workers.start(
      [abortable('t.wait', seen)],
      { leaseMs: 3_000, heartbeatMs: 1_000 },
      // Drop notifications: only the heartbeat can tell.
      (transport) => {
        transport.onCancel = () => () => {};
      },
    );
    const id = await harness.enqueue('t.wait');
    await harness.clock.advance(0);
    expect(await harness.transport.cancel(id)).toBe('signalled');
    await harness.clock.advance(0);
    expect(seen).toHaveLength(0);
    await harness.clock.advance(1_000);
    expect(seen).toMatchObject([{ code: 'JOB_CANCEL_REQUESTED' }]);
    expect((await harness.job(id)).state).toBe('cancelled');
    expect(harness.worker.stats().totals.cancelled).toBe(1);
  });

  it('cancels a job still waiting for a slot without running it', async () => {
    const gate = deferred();
    let runs = 0;
    const task = defineTask({
      name: 't.gate',
      input,
      run: () => {
        runs += 1;
        return gate.promise;
      },
    });
    const harness = await workers.start([task], { concurrency: 1, prefetch: 1 });
    await harness.enqueue('t.gate');
    const second = await harness.enqueue('t.gate');
    await harness.clock.advance(0);
    expect(harness.worker.stats()).toMatchObject({ running: 1, buffered: 1 });
    await harness.transport.cancel(second);
    await harness.clock.advance(0);
    expect((await harness.job(second)).state).toBe('cancelled');
    gate.resolve();
    await harness.clock.advance(0);
    expect(runs).toBe(1);
  });
});

describe('lost leases and stale settles', () => {
  it('counts a stale settle after the loop was blocked past the lease, and keeps going', async () => {
    const gates = [deferred<string>()];
    let runs = 0;
    const task = defineTask({
      name: 't.block',
      input,
      run: () => {
        runs += 1;
        return runs === 1 ? (gates[0] as ReturnType<typeof deferred<string>>).promise : 'second';
      },
    });
    const harness = await workers.start([task], { leaseMs: 3_000, heartbeatMs: 1_000 });
    const id = await harness.enqueue('t.block');
    await harness.clock.advance(0);
    // A blocked event loop: time passes, no timer (heartbeat) gets to run.
    harness.clock.set(harness.clock.now() + 10_000);
    gates[0]?.resolve('first');
    await harness.clock.advance(0);
    const stats = harness.worker.stats();
    expect(stats.totals.staleSettles).toBe(1);
    expect(stats.state).toBe('running');
    const warning = harness.logger.lines.find((l) =>
      l.message.startsWith('settle rejected as stale'),
    );
    expect(warning?.fields).toMatchObject({ jobId: id, task: 't.block', attempt: 1 });
    // The expired delivery went back to the queue; this worker runs it again.
    await harness.clock.advance(1_000);
    expect(await harness.job(id)).toMatchObject({
      state: 'completed',
      result: 'second',
      attempts: 2,
    });
    expect(harness.worker.stats().totals).toMatchObject({ completed: 1, staleSettles: 1 });
  });

  it('aborts the signal when a heartbeat finds the lease lost, and says the worker still ran it', async () => {
    const seen: unknown[] = [];
    const harness = await workers.start([abortable('t.wait', seen)], {
      leaseMs: 3_000,
      heartbeatMs: 1_000,
      concurrency: 1,
    });
    const id = await harness.enqueue('t.wait', {}, { maxAttempts: 1 });
    await harness.clock.advance(0);
    harness.clock.set(harness.clock.now() + 5_000);
    await harness.clock.advance(0);
    expect(seen).toMatchObject([{ code: 'LEASE_LOST' }]);
    expect((seen[0] as Error).message).toContain(
      'the lease (3000 ms) ran out while this worker still held it',
    );
    expect(harness.worker.stats().totals).toMatchObject({
      leasesLost: 1,
      staleSettles: 1,
      dead: 0,
    });
    const lines = harness.logger.lines.filter((line) => line.message.startsWith('lease lost'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      fields: { jobId: id, leaseMs: 3_000, heartbeatMs: 1_000, phase: 'running' },
    });
    expect(lines[0]?.message).toContain(
      'the lease (3000 ms) ran out while this worker was still running the job',
    );
    expect(lines[0]?.message).toContain('Raise leaseMs');
    // The heartbeat's own renewal found the lease run out, so the transport dead-lettered
    // the last attempt with a reason saying its holder was alive.
    const { error } = await harness.job(id);
    expect(error?.code).toBe('LEASE_EXPIRED');
    expect(error?.message).toContain('while the worker holding it was still running it');
    expect(error?.message).toContain('raise leaseMs');
  });
});
