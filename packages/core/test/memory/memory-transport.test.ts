import { describe, expect, it } from 'vitest';
import type { JobEnvelope } from '../../src/envelope.js';
import { TransportClosedError } from '../../src/errors.js';
import { memoryTransport } from '../../src/memory/index.js';
import type { ReserveRequest } from '../../src/transport.js';
import { fakeClock } from './fake-clock.js';

let counter = 0;
function envelope(queue: string, overrides: Partial<JobEnvelope> = {}): JobEnvelope {
  counter++;
  return {
    v: 1,
    id: `${queue}:job${counter}`,
    task: 'test.task',
    queue,
    input: { n: counter },
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: 0,
    ...overrides,
  };
}

function setup() {
  const clock = fakeClock();
  const transport = memoryTransport({ clock });
  const reserve = (queue: string, extra: Partial<ReserveRequest> = {}) =>
    transport.reserve({ queues: [queue], max: 1, leaseMs: 1_000, consumer: 'w', ...extra });
  return { clock, transport, reserve };
}

describe('memoryTransport: blocked reserves', () => {
  it('hands distinct jobs to concurrent waiters, in arrival order', async () => {
    const { transport, reserve } = setup();
    const first = reserve('q', { waitMs: 5_000 });
    const second = reserve('q', { waitMs: 5_000 });
    const third = reserve('q', { waitMs: 5_000, max: 5 });
    const jobs = [envelope('q'), envelope('q'), envelope('q'), envelope('q')];
    await transport.enqueue(jobs.map((job) => ({ envelope: job })));
    const got = await Promise.all([first, second, third]);
    expect(got.map((list) => list.map((r) => r.envelope.id))).toEqual([
      [jobs[0]?.id],
      [jobs[1]?.id],
      [jobs[2]?.id, jobs[3]?.id],
    ]);
  });

  it('leaves later waiters blocked when there are fewer jobs than waiters', async () => {
    const { clock, transport, reserve } = setup();
    const first = reserve('q', { waitMs: 1_000 });
    const second = reserve('q', { waitMs: 1_000 });
    await transport.enqueue([{ envelope: envelope('q') }]);
    expect(await first).toHaveLength(1);
    await clock.advance(1_000);
    expect(await second).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('wakes on a delayed job coming due, with no other call', async () => {
    const { clock, transport, reserve } = setup();
    await transport.enqueue([{ envelope: envelope('q'), delayMs: 300 }]);
    const waiting = reserve('q', { waitMs: 10_000 });
    let settled = false;
    void waiting.then(() => {
      settled = true;
    });
    await clock.advance(299);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await waiting).toHaveLength(1);
  });

  it('wakes on a reclaimed lease', async () => {
    const { clock, transport, reserve } = setup();
    const job = envelope('q');
    await transport.enqueue([{ envelope: job }]);
    expect(await reserve('q')).toHaveLength(1);
    const waiting = reserve('q', { waitMs: 10_000 });
    await clock.advance(1_000);
    const [again] = await waiting;
    expect(again?.envelope).toMatchObject({ id: job.id, attempt: 2 });
  });

  it('returns [] at once on abort and clears its timer', async () => {
    const { clock, reserve } = setup();
    const controller = new AbortController();
    const waiting = reserve('q', { waitMs: 10_000, signal: controller.signal });
    controller.abort();
    expect(await waiting).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not spin on a delay longer than a timer can hold', async () => {
    const { clock, transport, reserve } = setup();
    await transport.enqueue([{ envelope: envelope('q'), delayMs: 40 * 86_400_000 }]);
    const waiting = reserve('q', { waitMs: 50 * 86_400_000 });
    await clock.advance(30 * 86_400_000);
    expect(clock.pendingTimers).toBe(2); // the wait's own timeout and one wake timer
    await clock.advance(10 * 86_400_000);
    expect(await waiting).toHaveLength(1);
  });
});

describe('memoryTransport: lazy deadlines', () => {
  it('queues jobs by when they became ready, even when nobody was looking', async () => {
    const { clock, transport, reserve } = setup();
    const leased = envelope('q');
    const delayed = envelope('q');
    await transport.enqueue([{ envelope: leased }, { envelope: delayed, delayMs: 1_500 }]);
    await reserve('q'); // lease ends at +1000, before the delayed job is due at +1500
    await clock.advance(5_000);
    const got = await reserve('q', { max: 2 });
    expect(got.map((r) => r.envelope.id)).toEqual([leased.id, delayed.id]);
  });

  it('notifies waitFor when lease expiry dead-letters the job', async () => {
    const { clock, transport, reserve } = setup();
    const job = envelope('q', { maxAttempts: 1 });
    await transport.enqueue([{ envelope: job }]);
    await reserve('q');
    const record = transport.waitFor(job.id, { timeoutMs: 60_000 });
    await clock.advance(1_000);
    expect(await record).toMatchObject({ state: 'dead', error: { code: 'LEASE_EXPIRED' } });
    expect(clock.pendingTimers).toBe(0);
  });

  it('says in LEASE_EXPIRED that the holder was alive when its own late renewal reclaims the lease', async () => {
    const { clock, transport } = setup();
    const late = envelope('q', { maxAttempts: 1 });
    const gone = envelope('q', { maxAttempts: 1 });
    await transport.enqueue([{ envelope: late }, { envelope: gone }]);
    const held = await transport.reserve({ queues: ['q'], max: 2, leaseMs: 1_000, consumer: 'w' });
    const token = held.find((r) => r.envelope.id === late.id)?.token ?? '';
    await clock.advance(1_500);
    expect(await transport.renew([{ id: late.id, token }], 1_000)).toEqual(['lost']);
    const lateRecord = await transport.getJob(late.id);
    expect(lateRecord).toMatchObject({ state: 'dead', error: { code: 'LEASE_EXPIRED' } });
    expect(lateRecord?.error?.message).toContain('still running it');
    const goneRecord = await transport.getJob(gone.id);
    expect(goneRecord?.error?.message).toContain('no renewal reached the broker');
  });

  it('forgets final records after their TTL, but not dead ones', async () => {
    const { clock, transport, reserve } = setup();
    const done = envelope('q');
    const dead = envelope('q');
    await transport.enqueue([{ envelope: done }, { envelope: dead }]);
    const [a, b] = await reserve('q', { max: 2 });
    await transport.settle([
      { type: 'complete', id: done.id, token: a?.token ?? '', result: 1, resultTtlMs: 100 },
      {
        type: 'fail',
        id: dead.id,
        token: b?.token ?? '',
        error: { name: 'E', message: 'x' },
        deadLetter: true,
        resultTtlMs: 100,
      },
    ]);
    await clock.advance(99);
    expect(await transport.getJob(done.id)).not.toBeNull();
    await clock.advance(1);
    expect(await transport.getJob(done.id)).toBeNull();
    expect(await transport.getJob(dead.id)).toMatchObject({ state: 'dead' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('memoryTransport: isolation and lifecycle', () => {
  it('returns copies that callers cannot use to change stored jobs', async () => {
    const { transport, reserve } = setup();
    const job = envelope('q');
    await transport.enqueue([{ envelope: job }]);
    job.input = 'changed by producer';
    const [reservation] = await reserve('q');
    if (!reservation) throw new Error('expected a reservation');
    reservation.envelope.priority = 0;
    const record = await transport.getJob(job.id);
    if (!record) throw new Error('expected a record');
    record.state = 'completed';
    expect(await transport.getJob(job.id)).toMatchObject({
      state: 'active',
      envelope: { attempt: 0, priority: 5, input: { n: counter } },
    });
  });

  it('calls onCancel listeners before cancel resolves', async () => {
    const { transport, reserve } = setup();
    const job = envelope('q');
    await transport.enqueue([{ envelope: job }]);
    await reserve('q');
    const seen: string[] = [];
    const unsubscribe = transport.onCancel((id) => seen.push(id));
    expect(await transport.cancel(job.id)).toBe('signalled');
    expect(seen).toEqual([job.id]);
    unsubscribe();
    await transport.cancel(job.id);
    expect(seen).toEqual([job.id]);
  });

  it('close resolves pending waits, leaves no timers and rejects later calls', async () => {
    const { clock, transport, reserve } = setup();
    const job = envelope('q');
    await transport.enqueue([{ envelope: job, delayMs: 60_000 }]);
    const reserving = reserve('other', { waitMs: 60_000 });
    const waiting = transport.waitFor(job.id, { timeoutMs: 60_000 });
    const unknown = transport.waitFor('q:nope', { timeoutMs: 60_000 });
    await transport.close();
    await transport.close();
    expect(await reserving).toEqual([]);
    expect(await waiting).toMatchObject({ state: 'delayed' });
    expect(await unknown).toBeNull();
    expect(clock.pendingTimers).toBe(0);
    await expect(transport.getJob(job.id)).rejects.toBeInstanceOf(TransportClosedError);
    await expect(reserve('q')).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(() => transport.onCancel(() => {})).toThrow(TransportClosedError);
  });
});

describe('memoryTransport: maxPayloadBytes', () => {
  it('refuses a job over the cap it was given, and reports the input size on reserve', async () => {
    const transport = memoryTransport({ clock: fakeClock(), maxPayloadBytes: 300 });
    const big = envelope('cap', { input: 'x'.repeat(300) });
    await expect(transport.enqueue([{ envelope: big }])).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      limit: 300,
    });
    const small = envelope('cap', { input: 'é'.repeat(10) });
    await transport.enqueue([{ envelope: small }]);
    const [reservation] = await transport.reserve({
      queues: ['cap'],
      max: 5,
      leaseMs: 1_000,
      consumer: 'w',
    });
    expect(reservation?.envelope.id).toBe(small.id);
    expect(reservation?.inputBytes).toBe(22);
  });

  it('rejects a cap that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => memoryTransport({ maxPayloadBytes: bad })).toThrow(
        `Invalid maxPayloadBytes ${bad}: expected a number of bytes (a positive integer).`,
      );
    }
  });
});
