import type {
  ClaimOutcome,
  RecordManyResult,
  StepAddress,
  StepOutcomeItem,
  TransportWith,
} from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { createWorkflowStepBatches } from '../src/workflow/step-batches.js';

/** A transport whose claimMany and recordMany calls wait until the test answers them. */
function heldTransport() {
  const calls: Array<{
    kind: 'claimMany' | 'recordMany';
    id: string;
    size: number;
    answer: () => void;
  }> = [];
  const workflows = {
    claimMany: (id: string, addresses: readonly StepAddress[]) =>
      new Promise<ClaimOutcome[]>((resolve) => {
        const answer = () => resolve(addresses.map((): ClaimOutcome => 'claimed'));
        calls.push({ kind: 'claimMany', id, size: addresses.length, answer });
      }),
    recordMany: (id: string, items: readonly StepOutcomeItem[]) =>
      new Promise<RecordManyResult>((resolve) => {
        const answer = () =>
          resolve({
            recorded: items.map(() => true),
            status: 'running',
            dispatch: [],
            cancel: [],
          });
        calls.push({ kind: 'recordMany', id, size: items.length, answer });
      }),
  };
  const transport = { workflows } as unknown as TransportWith<'workflows'>;
  return { transport, calls };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const child = (n: number): StepAddress => ({ step: 'children', child: n });
const ok = { ok: true as const, result: 1 };

describe('workflow step batches', () => {
  it('gathers the claims made in one turn of the event loop into one claimMany per workflow', async () => {
    const { transport, calls } = heldTransport();
    const batches = createWorkflowStepBatches(transport);
    const claims = [0, 1, 2].map((n) => batches.claim('wf_a', child(n)));
    const other = batches.claim('wf_b', child(0));
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 15_000 });
    expect(calls.map(({ kind, id, size }) => ({ kind, id, size }))).toEqual([
      { kind: 'claimMany', id: 'wf_a', size: 3 },
      { kind: 'claimMany', id: 'wf_b', size: 1 },
    ]);
    for (const call of calls) call.answer();
    expect(await Promise.all([...claims, other])).toEqual(Array(4).fill('claimed'));
  });

  it('has one claim call and one record call in flight per workflow: claims go while outcomes are recorded, and a call made meanwhile waits for the one of its kind', async () => {
    const { transport, calls } = heldTransport();
    const batches = createWorkflowStepBatches(transport);
    const recorded = [0, 1].map((n) => batches.record('wf_a', child(n), ok));
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 15_000 });
    // Jobs waiting in the buffer claim while the record call is out: they do not wait on it…
    const early = batches.claim('wf_a', child(2));
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 15_000 });
    expect(calls[1]).toMatchObject({ kind: 'claimMany', id: 'wf_a', size: 1 });
    // …but a claim and an outcome made while calls of their kinds are out wait for them.
    const late = [3, 4].map((n) => batches.claim('wf_a', child(n)));
    const recordedLater = batches.record('wf_a', child(5), ok);
    await turn();
    await turn();
    expect(calls).toHaveLength(2);
    calls[1]?.answer();
    await vi.waitFor(() => expect(calls).toHaveLength(3), { timeout: 15_000 });
    expect(calls[2]).toMatchObject({ kind: 'claimMany', id: 'wf_a', size: 2 });
    calls[0]?.answer();
    await vi.waitFor(() => expect(calls).toHaveLength(4), { timeout: 15_000 });
    expect(calls[3]).toMatchObject({ kind: 'recordMany', id: 'wf_a', size: 1 });
    calls[2]?.answer();
    calls[3]?.answer();
    await Promise.all([...recorded, recordedLater]);
    expect(await Promise.all([early, ...late])).toEqual(['claimed', 'claimed', 'claimed']);
  });

  it('rejects every item of a call that failed, and goes on with the next call', async () => {
    const { transport, calls } = heldTransport();
    transport.workflows.recordMany = () => Promise.reject(new Error('connection lost'));
    const batches = createWorkflowStepBatches(transport);
    const claimed = batches.claim('wf_a', child(0));
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 15_000 });
    const claimedLater = batches.claim('wf_a', child(2));
    const records = [batches.record('wf_a', child(1), ok), batches.record('wf_a', child(3), ok)];
    calls[0]?.answer();
    await expect(claimed).resolves.toBe('claimed');
    for (const record of records) await expect(record).rejects.toThrow('connection lost');
    // The lane goes on after the failed call: the waiting claim is sent next.
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 15_000 });
    expect(calls[1]).toMatchObject({ kind: 'claimMany', size: 1 });
    calls[1]?.answer();
    await expect(claimedLater).resolves.toBe('claimed');
  });
});
