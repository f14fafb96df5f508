import { defineTask, defineWorkflow, memoryTransport, type Settlement } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
