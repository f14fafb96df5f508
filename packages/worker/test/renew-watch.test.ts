import { defineTask, type LeaseStatus } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferred, type Harness, type LogLine, useWorkerHarness } from './helpers.js';

const workers = useWorkerHarness();

/** How the broker answers renew calls: as usual, not at all (until `answer`), or with an error. */
type Broker = 'up' | 'hanging' | 'refusing';

async function holdingTwo(): Promise<{
  harness: Harness;
  broker: { mode: Broker; answer: () => void };
  release: () => void;
}> {
  const release = deferred();
  const task = defineTask({
    name: 't.hold',
    input: z.object({}),
    run: () => release.promise,
  });
  const broker = { mode: 'up' as Broker, answer: () => {} };
  const harness = await workers.start(
    [task],
    { leaseMs: 10_000, heartbeatMs: 1_000, concurrency: 2 },
    (transport) => {
      const renew = transport.renew.bind(transport);
      transport.renew = (renewals, leaseMs) => {
        if (broker.mode === 'refusing') {
          return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
        }
        if (broker.mode === 'up') return renew(renewals, leaseMs);
        const answered = deferred<LeaseStatus[]>();
        broker.answer = () => {
          broker.answer = () => {};
          void renew(renewals, leaseMs).then(answered.resolve);
        };
        return answered.promise;
      };
    },
  );
  await harness.enqueue('t.hold');
  await harness.enqueue('t.hold');
  await harness.clock.advance(0);
  return { harness, broker, release: () => release.resolve() };
}

function renewalLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => /^(lease renewal|renew call)/.test(line.message));
}

describe('lease renewals during a broker outage', () => {
  it('warns once while a renewal goes unanswered, naming the wait and the leases at risk', async () => {
    const { harness, broker, release } = await holdingTwo();
    try {
      await harness.clock.advance(1_000);
      expect(harness.transport.calls.renew).toHaveLength(1);
      broker.mode = 'hanging';
      // The next beat goes out at 2 s, 1 s after the first was answered, and is not answered.
      await harness.clock.advance(1_000);
      expect(renewalLines(harness.logger.lines)).toEqual([]);
      await harness.clock.advance(3_000);
      const [warning, ...rest] = renewalLines(harness.logger.lines);
      expect(rest).toEqual([]);
      expect(warning?.level).toBe('warn');
      // Leases renewed by the call sent at 1 s run until 11 s; warned at 3 s.
      expect(warning?.message).toBe(
        "lease renewal unanswered for 1000 ms: the broker may be unreachable (or slow, or this process's event loop blocked). 2 leases at risk: the first runs out in 8000 ms (leaseMs 10000); a lease that runs out is lost, its job aborted here and run again by another delivery. Check that the broker is up and reachable from this worker; renewals go on, and a line says when they are answered again.",
      );
      expect(warning?.fields).toMatchObject({
        waitedMs: 1_000,
        leases: 2,
        firstLeaseEndsInMs: 8_000,
      });
      broker.mode = 'up';
      broker.answer();
      await harness.clock.advance(0);
      const lines = renewalLines(harness.logger.lines);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({
        level: 'info',
        message: 'lease renewals answered again after 3000 ms: 2 of the 2 leases held now renewed',
      });
    } finally {
      // Answered even when an expectation failed: a stopping worker waits for its call.
      broker.mode = 'up';
      broker.answer();
      release();
    }
  });

  it('warns once, with the error, while renew calls keep failing; once again answered, says so once', async () => {
    const { harness, broker, release } = await holdingTwo();
    broker.mode = 'refusing';
    for (let beat = 0; beat < 4; beat++) await harness.clock.advance(1_000);
    const warnings = renewalLines(harness.logger.lines).filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /^lease renewal failed \("connect ECONNREFUSED 127\.0\.0\.1:6379"\), unanswered for 0 ms: the broker may be unreachable .* 2 leases at risk: the first runs out in \d+ ms/,
    );
    expect(warnings[0]?.fields.err).toBeInstanceOf(Error);
    broker.mode = 'up';
    await harness.clock.advance(1_000);
    await harness.clock.advance(1_000);
    const answered = renewalLines(harness.logger.lines).filter((line) => line.level === 'info');
    expect(answered).toHaveLength(1);
    expect(answered[0]?.message).toMatch(
      /^lease renewals answered again after \d+ ms: 2 of the 2 leases held now/,
    );
    expect(answered[0]?.fields).toMatchObject({ failures: 4, lost: 0 });
    release();
  });
});

/**
 * Two jobs hold leases of 3 s (renewed at 1 s, so until 4 s) when the broker goes away from
 * 1 s to 7 s: renew calls fail, and reserves and (`settlesWait`) settles wait for it, as
 * ioredis's offline queue makes them. Both jobs end at 2 s, just after a renewal failed, so
 * no later renew call carries them. Once the broker is back, two more jobs run and the
 * renewal at 8 s is the first answered.
 */
async function jobsEndDuringOutage(options: { settlesWait: boolean }): Promise<Harness> {
  let gate = deferred();
  const task = defineTask({
    name: 't.hold',
    input: z.object({}),
    run: () => gate.promise,
  });
  let down = false;
  const up = deferred();
  const harness = await workers.start(
    [task],
    { leaseMs: 3_000, heartbeatMs: 1_000, concurrency: 2 },
    (transport) => {
      const { renew, settle, reserve } = {
        renew: transport.renew.bind(transport),
        settle: transport.settle.bind(transport),
        reserve: transport.reserve.bind(transport),
      };
      transport.renew = (renewals, leaseMs) =>
        down
          ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
          : renew(renewals, leaseMs);
      transport.settle = async (settlements) => {
        if (down && options.settlesWait) await up.promise;
        return settle(settlements);
      };
      transport.reserve = async (request) => {
        if (down) await up.promise;
        return reserve(request);
      };
    },
  );
  try {
    await harness.enqueue('t.hold');
    await harness.enqueue('t.hold');
    await harness.clock.advance(0);
    await harness.clock.advance(1_000);
    expect(harness.transport.calls.renew).toHaveLength(1);
    down = true;
    await harness.clock.advance(1_000);
    expect(renewalLines(harness.logger.lines).map((line) => line.level)).toEqual(['warn']);
    // Both end now; the jobs that run after the outage hold their leases.
    const ending = gate;
    gate = deferred();
    ending.resolve();
    await harness.clock.advance(5_000);
    down = false;
    up.resolve();
    await harness.enqueue('t.hold');
    await harness.enqueue('t.hold');
    await vi.waitFor(
      async () => {
        await harness.clock.advance(0);
        expect(harness.worker.stats().running).toBe(2);
      },
      { timeout: 30_000 },
    );
    await harness.clock.advance(1_000);
  } finally {
    // Also when an expectation failed: a stopping worker waits for its calls and jobs.
    down = false;
    up.resolve();
    gate.resolve();
  }
  return harness;
}

describe('the line that ends an outage', () => {
  it('counts the leases lost by jobs that ended while their renewals failed', async () => {
    const harness = await jobsEndDuringOutage({ settlesWait: true });
    // Their settles reached the broker after their leases ran out (at 4 s): refused.
    expect(harness.worker.stats().totals.staleSettles).toBe(2);
    const answered = renewalLines(harness.logger.lines).filter((line) => line.level === 'info');
    expect(answered).toHaveLength(1);
    expect(answered[0]?.fields).toMatchObject({ leases: 2, renewed: 2, lost: 2, failures: 1 });
    expect(answered[0]?.message).toBe(
      'lease renewals answered again after 6000 ms: 2 of the 2 leases held now renewed; 2 leases lost during the outage (answered lost, settle refused as stale, or ran out before a renewal was answered): another delivery may run their jobs again, so each may have run twice',
    );
  });

  it('does not count a lease whose settle the broker took in time', async () => {
    const harness = await jobsEndDuringOutage({ settlesWait: false });
    expect(harness.worker.stats().totals.staleSettles).toBe(0);
    const answered = renewalLines(harness.logger.lines).filter((line) => line.level === 'info');
    expect(answered).toHaveLength(1);
    expect(answered[0]?.fields).toMatchObject({ leases: 2, renewed: 2, lost: 0 });
    expect(answered[0]?.message).toBe(
      'lease renewals answered again after 6000 ms: 2 of the 2 leases held now renewed',
    );
  });
});
