import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTransport, type TransportDriver } from '../src/driver/index.js';
import type { JobEnvelope } from '../src/envelope.js';
import type { LeaseRenewal, Settlement, Transport } from '../src/transport.js';
import type { TransportAdmin } from '../src/transport-admin.js';
import { hasCapability, requireCapability } from '../src/transport-capabilities.js';

function envelope(id: string, overrides: Partial<JobEnvelope> = {}): JobEnvelope {
  return {
    v: 1,
    id,
    task: 'test.task',
    queue: id.slice(0, id.indexOf(':')),
    input: null,
    attempt: 0,
    maxAttempts: 3,
    priority: 5,
    enqueuedAt: 0,
    ...overrides,
  };
}

/** A driver that records every call and answers from the items it is given. */
function recordingDriver(maxBatch?: number) {
  const calls: Array<{ op: string; queue?: string; items?: readonly unknown[]; args?: unknown }> =
    [];
  let closes = 0;
  const driver = {
    name: 'recording',
    maxBatch,
    async enqueue(requests) {
      calls.push({ op: 'enqueue', items: requests });
      return requests.map(({ envelope }) => ({ id: envelope.id, duplicate: false }));
    },
    async reserve(request) {
      calls.push({ op: 'reserve', args: request });
      return [];
    },
    async renew(renewals: readonly LeaseRenewal[], _leaseMs: number, queue: string) {
      calls.push({ op: 'renew', queue, items: renewals });
      return renewals.map(({ token }) => (token === 'cancel' ? 'cancel-requested' : 'held'));
    },
    async settle(settlements: readonly Settlement[], queue: string) {
      calls.push({ op: 'settle', queue, items: settlements });
      return settlements.map(() => 'ok' as const);
    },
    async getJob(id, queue) {
      calls.push({ op: 'getJob', queue, args: id });
      return null;
    },
    async waitFor(id, options, queue) {
      calls.push({ op: 'waitFor', queue, args: [id, options.timeoutMs] });
      return null;
    },
    async cancel(id, queue) {
      calls.push({ op: 'cancel', queue, args: id });
      return 'not-found' as const;
    },
    onCancel: () => () => {},
    async close() {
      closes++;
    },
    admin: {
      listQueues: async () => [],
      queueCounts: async () => [],
      purgeQueue: async () => 0,
      async listDead(queue, page) {
        calls.push({ op: 'listDead', queue, args: page });
        return { jobs: [], total: 0 };
      },
      async retryDead(queue, ids) {
        calls.push({ op: 'retryDead', queue, items: ids });
        return ids?.length ?? 7;
      },
      purgeDead: async () => 0,
      putWorker: async () => {},
      removeWorker: async () => {},
      listWorkers: async () => [],
    },
  } satisfies TransportDriver;
  return { driver, calls, closes: () => closes };
}

const lease = (id: string, token = 't'): LeaseRenewal => ({ id, token });

describe('createTransport', () => {
  it('hands a one-queue batch to the driver as it came, in one call', async () => {
    const { driver, calls } = recordingDriver(10);
    const transport = createTransport(driver);
    const renewals = [lease('a:1'), lease('a:2', 'cancel')];
    expect(await transport.renew(renewals, 1_000)).toEqual(['held', 'cancel-requested']);
    expect(calls).toEqual([{ op: 'renew', queue: 'a', items: renewals }]);
    expect(calls[0]?.items).toBe(renewals);
  });

  it('groups a batch by queue, splits it at maxBatch and answers in the caller’s order', async () => {
    const { driver, calls } = recordingDriver(2);
    const transport = createTransport(driver);
    const ids = ['a:1', 'b:1', 'a:2', 'no-queue', 'a:3', 'bad queue:1', 'b:2', 'ab:1', '{x}:1'];
    const renewals = ids.map((id) => lease(id, id === 'a:3' ? 'cancel' : 't'));
    expect(await transport.renew(renewals, 1_000)).toEqual([
      'held',
      'held',
      'held',
      'lost',
      'cancel-requested',
      'lost',
      'held',
      'held',
      'lost',
    ]);
    expect(
      calls.map(({ queue, items }) => [queue, (items as LeaseRenewal[]).map((r) => r.id)]),
    ).toEqual([
      ['a', ['a:1', 'a:2']],
      ['a', ['a:3']],
      ['b', ['b:1', 'b:2']],
      ['ab', ['ab:1']],
    ]);
    const settled = await transport.settle([{ type: 'release', id: 'nope', token: 't' }]);
    expect(settled).toEqual(['stale']);
    expect(calls).toHaveLength(4);
  });

  it('checks every enqueue request before the driver sees any', async () => {
    const { driver, calls } = recordingDriver();
    const transport = createTransport(driver);
    const good = { envelope: envelope('q:1') };
    for (const [bad, code] of [
      [{ envelope: envelope('bad queue:1', { queue: 'bad queue' }) }, 'INVALID_ENVELOPE'],
      [{ envelope: envelope('other:1', { queue: 'q' }) }, 'INVALID_ENVELOPE'],
      [{ envelope: envelope('q:2', { priority: 10 }) }, 'INVALID_ENVELOPE'],
      [{ envelope: envelope('q:3'), inputFingerprint: 'has space' }, 'INVALID_OPTION'],
      [{ envelope: envelope('q:4', { input: 'x'.repeat(600_000) }) }, 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      await expect(transport.enqueue([good, bad])).rejects.toMatchObject({ code });
    }
    expect(await transport.enqueue([])).toEqual([]);
    expect(calls).toEqual([]);
    expect(await transport.enqueue([good])).toEqual([{ id: 'q:1', duplicate: false }]);
  });

  it('answers what needs no broker itself: ids naming no queue, waits that cannot wait, empty reserves', async () => {
    const { driver, calls } = recordingDriver();
    const transport = createTransport(driver);
    expect(await transport.getJob('no-queue')).toBeNull();
    expect(await transport.waitFor('q:', { timeoutMs: 100 })).toBeNull();
    expect(await transport.cancel(':x')).toBe('not-found');
    const reserve = { queues: ['q'], max: 1, leaseMs: 1_000, consumer: 'w' };
    expect(await transport.reserve({ ...reserve, max: 0 })).toEqual([]);
    expect(await transport.reserve({ ...reserve, queues: [] })).toEqual([]);
    expect(await transport.reserve({ ...reserve, signal: AbortSignal.abort() })).toEqual([]);
    await expect(transport.reserve({ ...reserve, queues: ['q', '{q}'] })).rejects.toMatchObject({
      code: 'INVALID_ENVELOPE',
    });
    expect(calls).toEqual([]);
    await transport.waitFor('q:1', { timeoutMs: 0 });
    await transport.waitFor('q:1', { timeoutMs: 50 });
    expect(calls).toEqual([
      { op: 'getJob', queue: 'q', args: 'q:1' },
      { op: 'waitFor', queue: 'q', args: ['q:1', 50] },
    ]);
  });

  it('gives the dead-letter calls their paging defaults, and only ids of the queue, in chunks', async () => {
    const { driver, calls } = recordingDriver(2);
    const { admin } = createTransport(driver);
    await admin.listDead('q');
    await admin.listDead('q', { offset: -5, limit: 3 });
    await expect(admin.listDead('q', { offset: 1.5 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(await admin.retryDead('q', ['q:1', 'other:2', 'q:3', 'q:4'])).toBe(3);
    expect(await admin.retryDead('q', ['other:2'])).toBe(0);
    expect(await admin.retryDead('q')).toBe(7);
    expect(calls).toEqual([
      { op: 'listDead', queue: 'q', args: { offset: 0, limit: 100 } },
      { op: 'listDead', queue: 'q', args: { offset: 0, limit: 3 } },
      { op: 'retryDead', queue: 'q', items: ['q:1', 'q:3'] },
      { op: 'retryDead', queue: 'q', items: ['q:4'] },
      { op: 'retryDead', queue: 'q', items: undefined },
    ]);
  });

  it('closes the driver once, and then refuses everything, its own methods too', async () => {
    const { driver, closes } = recordingDriver();
    const transport = createTransport(driver, { methods: { ready: async () => 'ready' } });
    expect(await transport.ready()).toBe('ready');
    const first = transport.close();
    expect(transport.close()).toBe(first);
    await first;
    await transport.close();
    expect(closes()).toBe(1);
    await expect(transport.ready()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(transport.admin.listQueues()).rejects.toMatchObject({
      code: 'TRANSPORT_CLOSED',
      message: 'The recording transport is closed; create a new one.',
    });
  });

  it('refuses a driver whose maxBatch is below 1, and a bad maxPayloadBytes', () => {
    expect(() => createTransport(recordingDriver(0).driver)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => createTransport(recordingDriver().driver, { maxPayloadBytes: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('types admin and limits as present exactly when the driver has them', () => {
    const { driver } = recordingDriver();
    const transport = createTransport(driver);
    expectTypeOf(transport.admin).toEqualTypeOf<TransportAdmin>();
    expectTypeOf(transport.limits).toEqualTypeOf<Transport['limits']>();
    expect(transport.limits).toBeUndefined();
    expect('limits' in transport).toBe(false);
  });
});

describe('requireCapability', () => {
  it('returns the capability, or throws CAPABILITY_MISSING naming the transport, the capability and what needs it', () => {
    const { driver } = recordingDriver();
    const transport: Transport = createTransport(driver);
    expect(requireCapability(transport, 'admin', 'conveyor dead')).toBe(transport.admin);
    expect(hasCapability(transport, 'admin')).toBe(true);
    expect(hasCapability(transport, 'limits')).toBe(false);
    expect(() => requireCapability(transport, 'limits', 'rateLimit on task "t"')).toThrow(
      expect.objectContaining({
        name: 'CapabilityMissingError',
        code: 'CAPABILITY_MISSING',
        transport: 'recording',
        capability: 'limits',
        message: expect.stringContaining(
          'rateLimit on task "t" needs transport.limits, which the "recording" transport does not have.',
        ),
      }),
    );
  });
});
