import {
  defineTask,
  defineWorkflow,
  memoryTransport,
  type Settlement,
  systemClock,
} from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EARLY_CLAIM_MAX_AGE_MS } from '../src/workflow/step-jobs.js';
import {
  resultOf,
  settledAs,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

const double = defineTask({
  name: 'wb.double',
  queue: 'wb',
  input: z.object({ n: z.number() }),
  run: ({ n }) => n * 2,
});
const collect = defineTask({
  name: 'wb.collect',
  queue: 'wb',
  input: z.array(z.number()),
  run: (values) => values.reduce((a, b) => a + b, 0),
});
const fan = defineWorkflow({
  name: 'wb.fan',
  input: z.object({ size: z.number() }),
  steps: (flow) =>
    flow
      .map('double', double, {
        items: (_, { size }) => Array.from({ length: size }, (_, n) => ({ n })),
      })
      .step('collect', collect),
});

/** A memory transport whose workflow calls and settlements are logged in the order made. */
function loggedTransport() {
  const transport = memoryTransport() as WorkflowTransport;
  const log: Array<{ call: string; size: number; jobIds?: string[] }> = [];
  const { workflows } = transport;
  const { claim, claimMany, record, recordMany } = workflows;
  workflows.claim = (id, address) => {
    log.push({ call: 'claim', size: 1 });
    return claim(id, address);
  };
  workflows.record = (id, address, outcome) => {
    log.push({ call: 'record', size: 1 });
    return record(id, address, outcome);
  };
  workflows.claimMany = (id, addresses) => {
    log.push({ call: 'claimMany', size: addresses.length });
    return claimMany(id, addresses);
  };
  workflows.recordMany = (id, items) => {
    log.push({ call: 'recordMany', size: items.length });
    return recordMany(id, items);
  };
  const settle = transport.settle.bind(transport);
  transport.settle = (settlements: Settlement[]) => {
    log.push({ call: 'settle', size: settlements.length, jobIds: settlements.map((s) => s.id) });
    return settle(settlements);
  };
  return { transport, log };
}

describe('step jobs in batches', () => {
  const workers = useWorkflowWorkers();

  it("claims a map stage's children reserved together in one claimMany, records their outcomes in few recordMany calls, each before those jobs settle", async () => {
    const { transport, log } = loggedTransport();
    workers.start({ workflows: [fan], tasks: [double, collect], concurrency: 40 }, transport);
    const id = await startWorkflow(transport, fan, { size: 120 });
    await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'collect')).toBe(120 * 119);
    const calls = (name: string) => log.filter((entry) => entry.call === name);
    // Nothing one at a time: every claim and outcome of a step job went through a batch.
    expect(calls('claim')).toEqual([]);
    expect(calls('record')).toEqual([]);
    const claimed = calls('claimMany').reduce((sum, entry) => sum + entry.size, 0);
    const recorded = calls('recordMany').reduce((sum, entry) => sum + entry.size, 0);
    // The expand job, 120 children and the fan-in.
    expect(claimed).toBe(122);
    expect(recorded).toBe(121);
    expect(Math.max(...calls('claimMany').map((entry) => entry.size))).toBeGreaterThan(1);
    expect(calls('recordMany').length).toBeLessThan(recorded);
    // Each child's outcome is recorded before its job's settlement is sent: at every
    // settle call, at least as many outcomes recorded as children settled so far.
    let recordedSoFar = 0;
    let settledChildren = 0;
    for (const entry of log) {
      if (entry.call === 'recordMany') recordedSoFar += entry.size;
      if (entry.call !== 'settle') continue;
      settledChildren += (entry.jobIds ?? []).filter((jobId) => jobId.includes('.double.')).length;
      expect(recordedSoFar).toBeGreaterThanOrEqual(settledChildren);
    }
    expect(settledChildren).toBe(120);
  });
});

describe('step jobs waiting in the buffer', () => {
  const workers = useWorkflowWorkers();

  it('are claimed when reserved, before they take a slot, and each runs once when it does', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: number[] = [];
    const slow = defineTask({
      name: 'wb.slow',
      queue: 'wbs',
      input: z.object({ n: z.number() }),
      run: async ({ n }) => {
        started.push(n);
        await gate;
        return n;
      },
    });
    const sum = defineTask({
      name: 'wb.sum',
      queue: 'wbs',
      input: z.array(z.number()),
      run: (values) => values.reduce((a, b) => a + b, 0),
    });
    const slowFan = defineWorkflow({
      name: 'wb.slowFan',
      input: z.object({ size: z.number() }),
      steps: (flow) =>
        flow
          .map('slow', slow, {
            items: (_, { size }) => Array.from({ length: size }, (_, n) => ({ n })),
          })
          .step('sum', sum),
    });
    const { transport } = workers.start({
      workflows: [slowFan],
      tasks: [slow, sum],
      queues: ['wbs'],
      concurrency: 2,
      prefetch: 4,
    });
    const id = await startWorkflow(transport, slowFan, { size: 6 });
    // Two children run (and wait at the gate); those buffered behind them are claimed.
    await vi.waitFor(
      async () => {
        const record = await transport.workflows.get(id);
        const running = record?.steps.filter((s) => s.child !== undefined && s.state === 'running');
        expect(running?.length).toBeGreaterThan(2);
      },
      { timeout: 15_000, interval: 10 },
    );
    expect(started).toHaveLength(2);
    release();
    await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'sum')).toBe(15);
    expect([...started].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('claim again when they start after waiting longer than an early claim stands', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let skewMs = 0;
    const clock = { ...systemClock, now: () => Date.now() + skewMs };
    const slow = defineTask({
      name: 'wb.slow2',
      queue: 'wbs2',
      input: z.object({ n: z.number() }),
      run: async ({ n }) => {
        await gate;
        return n;
      },
    });
    const sum = defineTask({
      name: 'wb.sum2',
      queue: 'wbs2',
      input: z.array(z.number()),
      run: (values) => values.reduce((a, b) => a + b, 0),
    });
    const slowFan = defineWorkflow({
      name: 'wb.slowFan2',
      input: z.object({ size: z.number() }),
      steps: (flow) =>
        flow
          .map('slow', slow, {
            items: (_, { size }) => Array.from({ length: size }, (_, n) => ({ n })),
          })
          .step('sum', sum),
    });
    const { transport, log } = loggedTransport();
    workers.start(
      {
        workflows: [slowFan],
        tasks: [slow, sum],
        queues: ['wbs2'],
        concurrency: 2,
        prefetch: 4,
        clock,
      },
      transport,
    );
    const id = await startWorkflow(transport, slowFan, { size: 6 });
    const claimedChildren = () =>
      log.filter((entry) => entry.call === 'claimMany').reduce((n, entry) => n + entry.size, 0);
    // The expand job, then two running children and those buffered behind them, claimed once.
    await vi.waitFor(() => expect(claimedChildren()).toBeGreaterThan(3), { timeout: 15_000 });
    const early = claimedChildren();
    skewMs = EARLY_CLAIM_MAX_AGE_MS + 1;
    release();
    await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'sum')).toBe(15);
    // Every child that waited claimed again when it started (and the fan-in once).
    expect(claimedChildren()).toBeGreaterThanOrEqual(early + (early - 3) + 1);
  });
});
