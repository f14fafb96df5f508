import { defineTask, memoryTransport, type Transport } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferred, type Harness, type LogLine, useWorkerHarness } from './helpers.js';

// A job the broker no longer has (deleted, or its data lost, as by a Redis restarted without
// persistence) is refused on settle as `stale`, like a lease that moved to another delivery.
// The worker tells them apart, so that it does not say the job belongs to another delivery
// (and may run twice) when nothing will run it again.

const workers = useWorkerHarness();

type Gate = ReturnType<typeof deferred<void>>;

interface Broker {
  /** Renewals fail (the broker is unreachable), settles wait for `up`. */
  down: boolean;
  up: Gate;
  /** The broker lost its data: every call goes to an empty one from now on. */
  loseData: () => void;
  /** While set, job lookups wait for it; `lookups` counts them. */
  lookupGate: Gate | undefined;
  lookups: number;
}

/** A worker whose broker can go down and come back empty; `gates` end each job's run. */
async function startOnFragileBroker(jobs: number): Promise<{
  harness: Harness;
  broker: Broker;
  gates: Array<Gate>;
  ids: string[];
}> {
  const gates = Array.from({ length: jobs }, () => deferred<void>());
  let runs = 0;
  const task = defineTask({
    name: 't.slow',
    input: z.object({}),
    run: () => (gates[runs++] as Gate).promise,
  });
  const broker: Broker = {
    down: false,
    up: deferred<void>(),
    loseData: () => {},
    lookupGate: undefined,
    lookups: 0,
  };
  const harness = await workers.start(
    [task],
    { leaseMs: 3_000, heartbeatMs: 1_000, concurrency: jobs },
    (transport) => {
      let current: Transport = {
        ...transport,
        renew: transport.renew.bind(transport),
        settle: transport.settle.bind(transport),
        reserve: transport.reserve.bind(transport),
        getJob: transport.getJob.bind(transport),
      };
      broker.loseData = () => {
        current = memoryTransport({ clock: harness.clock });
      };
      transport.renew = (renewals, leaseMs) =>
        broker.down
          ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
          : current.renew(renewals, leaseMs);
      transport.settle = async (settlements) => {
        if (broker.down) await broker.up.promise;
        return current.settle(settlements);
      };
      transport.reserve = async (request) => {
        if (broker.down) await broker.up.promise;
        return current.reserve(request);
      };
      transport.getJob = async (id) => {
        broker.lookups += 1;
        await broker.lookupGate?.promise;
        return current.getJob(id);
      };
    },
  );
  const ids: string[] = [];
  for (let index = 0; index < jobs; index++) ids.push(await harness.enqueue('t.slow'));
  await vi.waitFor(
    async () => {
      await harness.clock.advance(0);
      expect(harness.worker.stats().running).toBe(jobs);
    },
    { timeout: 30_000 },
  );
  return { harness, broker, gates, ids };
}

function settleLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.message.startsWith('settle rejected'));
}

describe('a job the broker has no record of', () => {
  it('is said to be gone when its settle is refused, not to belong to another delivery', async () => {
    const { harness, broker, gates, ids } = await startOnFragileBroker(1);
    // Deleted, or the broker's data lost, between its reserve and its settle: no heartbeat
    // saw it gone first.
    broker.loseData();
    gates[0]?.resolve();
    await vi.waitFor(
      async () => {
        await harness.clock.advance(0);
        expect(settleLines(harness.logger.lines)).toHaveLength(1);
      },
      { timeout: 30_000 },
    );
    const [line] = settleLines(harness.logger.lines);
    expect(line?.message).toContain('the broker has no record of the job');
    expect(line?.message).toContain('Enqueue it again if it still has to run');
    expect(line?.message).not.toContain('another delivery');
    expect(line?.fields).toMatchObject({ jobId: ids[0], gone: true, settlement: 'complete' });
    expect(harness.worker.stats().totals).toMatchObject({ staleSettles: 1, completed: 0 });
  });

  it('counts jobs gone in an outage apart from leases lost to another delivery', async () => {
    const { harness, broker, gates, ids } = await startOnFragileBroker(2);
    try {
      await outageLosingData(harness, broker, gates, ids);
    } finally {
      finish(broker, gates);
    }
  });

  it('counts a job gone once its lookup is answered, when renewals are answered first', async () => {
    const { harness, broker, gates, ids } = await startOnFragileBroker(2);
    broker.lookupGate = deferred<void>();
    try {
      await outageLosingData(harness, broker, gates, ids, async () => {
        // The first job's settle was refused and its lookup is out; the second job's
        // renewal answered gone, ending the outage: its line waits for the lookup.
        await vi.waitFor(
          async () => {
            await harness.clock.advance(500);
            expect(broker.lookups).toBe(1);
            expect(harness.logger.lines.some((l) => l.message.startsWith('lease lost'))).toBe(true);
          },
          { timeout: 30_000 },
        );
        expect(
          harness.logger.lines.some((l) => l.message.startsWith('lease renewals answered again')),
        ).toBe(false);
        broker.lookupGate?.resolve();
      });
    } finally {
      finish(broker, gates);
    }
  });
});

/** Also when an expectation failed: a stopping worker waits for its calls and jobs. */
function finish(broker: Broker, gates: Array<Gate>): void {
  broker.down = false;
  broker.up.resolve();
  broker.lookupGate?.resolve();
  for (const gate of gates) gate.resolve();
}

async function outageLosingData(
  harness: Harness,
  broker: Broker,
  gates: Array<Gate>,
  ids: string[],
  meanwhile?: () => Promise<void>,
): Promise<void> {
  await harness.clock.advance(1_000);
  broker.down = true;
  await vi.waitFor(
    async () => {
      await harness.clock.advance(500);
      expect(harness.logger.lines.some((l) => l.message.startsWith('lease renewal'))).toBe(true);
    },
    { timeout: 30_000 },
  );
  // The first job's run ends during the outage; its settle waits for the broker.
  gates[0]?.resolve();
  await harness.clock.advance(1_000);
  // The broker comes back without its data while the second job still runs.
  broker.loseData();
  broker.down = false;
  broker.up.resolve();
  await meanwhile?.();
  await vi.waitFor(
    async () => {
      await harness.clock.advance(500);
      expect(
        harness.logger.lines.some((l) => l.message.startsWith('lease renewals answered again')),
      ).toBe(true);
      expect(settleLines(harness.logger.lines)).toHaveLength(1);
    },
    { timeout: 30_000 },
  );
  const lines = harness.logger.lines;
  // The running job: its renewal answered gone.
  const lost = lines.filter((line) => line.message.startsWith('lease lost'));
  expect(lost).toHaveLength(1);
  expect(lost[0]?.fields).toMatchObject({ jobId: ids[1], gone: true });
  // The job that ended in the outage: its settle was refused, and it is gone too.
  const [settle] = settleLines(lines);
  expect(settle?.fields).toMatchObject({ jobId: ids[0], gone: true });
  expect(settle?.message).toContain('the broker has no record of the job');
  const answered = lines.filter((l) => l.message.startsWith('lease renewals answered again'));
  expect(answered).toHaveLength(1);
  expect(answered[0]?.fields).toMatchObject({ renewed: 0, lost: 0, gone: 2 });
  expect(answered[0]?.message).toMatch(
    /^lease renewals answered again after \d+ ms: 0 of the 1 lease held now renewed; 2 jobs gone from the broker during the outage \(no record of them: deleted, or the broker lost its data\): no other delivery will run them and their results were not recorded; enqueue them again if they still have to run$/,
  );
  expect(answered[0]?.message).not.toContain('run twice');
}
