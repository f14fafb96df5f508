import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it } from 'vitest';
import { type HeldJob, holdJob } from '../src/held-job.js';
import { createSlots } from '../src/slots.js';

// The run slots and prefetch buffer on their own: start order, slot accounting, and what
// the fetcher is told it may reserve.

function setup(options: { canStart?: () => boolean; waiting?: number; ending?: number } = {}) {
  const started: HeldJob[] = [];
  const slots = createSlots({
    concurrency: 2,
    prefetch: 3,
    maxWaitingForLimits: 1,
    waitingForLimits: () => options.waiting ?? 0,
    held: () => slots.running + slots.buffered + (options.waiting ?? 0) + (options.ending ?? 0),
    canStart: options.canStart ?? (() => true),
    run: (job) => started.push(job),
  });
  return { slots, started };
}
const job = (n: number) =>
  holdJob({ envelope: makeEnvelope('slots', { input: n }), token: `t${n}`, leaseExpiresAt: 0 });

describe('slots', () => {
  it('starts jobs in order up to the concurrency, a first-in-line job ahead of the rest', () => {
    const { slots, started } = setup();
    const [a, b, c, d] = [job(1), job(2), job(3), job(4)];
    slots.add(a);
    slots.add(b);
    slots.add(c);
    slots.add(d, true);
    slots.pump();
    expect(started).toEqual([d, a]);
    expect([slots.running, slots.buffered]).toEqual([2, 2]);
    slots.free();
    expect(started).toEqual([d, a, b]);
    expect(slots.take(c)).toBe(true);
    expect(slots.take(c)).toBe(false);
    expect(slots.starving()).toBe(false);
    slots.free();
    expect(slots.starving()).toBe(true);
  });

  it('starts nothing while canStart() is false, and gives the buffer back on takeAll', () => {
    let open = false;
    const { slots, started } = setup({ canStart: () => open });
    const jobs = [job(1), job(2)];
    for (const j of jobs) slots.add(j);
    slots.pump();
    expect(started).toEqual([]);
    open = true;
    expect(slots.takeAll()).toEqual(jobs);
    slots.pump();
    expect(started).toEqual([]);
  });

  it('counts running, buffered and jobs over the limit allowance against the fetch capacity', () => {
    const { slots } = setup({ waiting: 3 });
    slots.add(job(1));
    slots.add(job(2));
    slots.add(job(3));
    slots.pump();
    // 2 + 3 capacity, minus 2 running, 1 buffered, and 3 waiting at limits of which 1 is free.
    expect(slots.freeCapacity()).toBe(5 - 2 - 1 - 2);
  });

  it('lets two windows of ended jobs await their settle answers, and counts the rest', () => {
    // concurrency + prefetch = 5: up to 10 ended jobs awaiting answers cost no capacity.
    const atWindow = setup({ ending: 10 });
    atWindow.slots.add(job(1));
    atWindow.slots.pump();
    expect(atWindow.slots.freeCapacity()).toBe(5 - 1);
    // Settles answered slower than jobs end: 13 ended, 3 past the allowance, count.
    const behind = setup({ ending: 13 });
    behind.slots.add(job(1));
    behind.slots.pump();
    expect(behind.slots.freeCapacity()).toBe(5 - 1 - 3);
    expect(setup({ ending: 30 }).slots.freeCapacity()).toBeLessThanOrEqual(0);
  });
});
