import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTransport, type TransportDriver } from '../src/driver/index.js';
import type { JobEnvelope } from '../src/envelope.js';
import type { LeaseRenewal, Settlement, Transport } from '../src/transport.js';
import type { TransportAdmin } from '../src/transport-admin.js';
import { hasCapability, requireCapability } from '../src/transport-capabilities.js';
import { PICKUP_BUCKETS_MS, type TaskMinute } from '../src/transport-metrics.js';

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
      async pauseQueue(queue) {
        calls.push({ op: 'pauseQueue', queue });
        return true;
      },
      async resumeQueue(queue) {
        calls.push({ op: 'resumeQueue', queue });
        return true;
      },
      async listDead(queue, page) {
        calls.push({ op: 'listDead', queue, args: page });
        return { jobs: [], total: 0 };
      },
      async retryDead(queue, ids) {
        calls.push({ op: 'retryDead', queue, items: ids });
        return ids?.length ?? 7;
      },
      purgeDead: async () => 0,
      async promoteDelayed(queue, ids) {
        calls.push({ op: 'promoteDelayed', queue, items: ids });
        return ids?.length ?? 5;
      },
      putWorker: async () => {},
      removeWorker: async () => {},
      listWorkers: async () => [],
      async listJobs(queue, options) {
        calls.push({ op: 'listJobs', queue, args: options });
        return { jobs: [] };
      },
      async findByIndex(queue, search) {
        calls.push({ op: 'findByIndex', queue, args: search });
        return { jobs: [] };
      },
      indexedFields: async () => [],
      async appendAudit(entry) {
        calls.push({ op: 'appendAudit', args: entry });
        return { ...entry, id: '1', at: 0 };
      },
      async listAudit(query) {
        calls.push({ op: 'listAudit', args: query });
        return [];
      },
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

  it('gives promoteDelayed only ids of the queue, in chunks, and checks the queue name first', async () => {
    const { driver, calls } = recordingDriver(2);
    const { admin } = createTransport(driver);
    expect(await admin.promoteDelayed('q', ['q:1', 'other:2', 'q:3', 'q:4'])).toBe(3);
    expect(await admin.promoteDelayed('q', ['other:2'])).toBe(0);
    expect(await admin.promoteDelayed('q')).toBe(5);
    await expect(admin.promoteDelayed('{q}')).rejects.toMatchObject({ code: 'INVALID_ENVELOPE' });
    expect(calls).toEqual([
      { op: 'promoteDelayed', queue: 'q', items: ['q:1', 'q:3'] },
      { op: 'promoteDelayed', queue: 'q', items: ['q:4'] },
      { op: 'promoteDelayed', queue: 'q', items: undefined },
    ]);
  });

  it('gives listJobs, findByIndex and listAudit their defaults, and refuses bad arguments before the driver', async () => {
    const { driver, calls } = recordingDriver();
    const { admin } = createTransport(driver);
    await admin.listJobs('q', { state: 'dead' });
    await admin.listJobs('q', { state: 'waiting', cursor: 'c', limit: 500, task: 't' });
    await admin.findByIndex('q', { task: 't', field: 'customer.id', value: '' });
    await admin.listAudit();
    await admin.listAudit({ after: '7', jobId: 'q:1', limit: 1000 });
    await admin.appendAudit({ actor: 'ada', action: 'job.retry', queue: 'q', detail: { n: 1 } });
    expect(calls).toEqual([
      { op: 'listJobs', queue: 'q', args: { state: 'dead', limit: 50 } },
      {
        op: 'listJobs',
        queue: 'q',
        args: { state: 'waiting', cursor: 'c', limit: 500, task: 't' },
      },
      {
        op: 'findByIndex',
        queue: 'q',
        args: { task: 't', field: 'customer.id', value: '', limit: 50 },
      },
      { op: 'listAudit', args: { limit: 100 } },
      { op: 'listAudit', args: { after: '7', jobId: 'q:1', limit: 1000 } },
      {
        op: 'appendAudit',
        args: { actor: 'ada', action: 'job.retry', queue: 'q', detail: { n: 1 } },
      },
    ]);
    calls.length = 0;
    const search = { task: 't', field: 'f', value: 'v' };
    const refused: Array<[() => Promise<unknown>, string]> = [
      [() => admin.listJobs('bad queue', { state: 'waiting' }), 'INVALID_ENVELOPE'],
      [() => admin.listJobs('q', { state: 'succeeded' as 'dead' }), 'INVALID_OPTION'],
      [() => admin.listJobs('q', { state: 'dead', limit: 0 }), 'INVALID_OPTION'],
      [() => admin.listJobs('q', { state: 'dead', limit: 501 }), 'INVALID_OPTION'],
      [() => admin.listJobs('q', { state: 'dead', limit: 2.5 }), 'INVALID_OPTION'],
      [() => admin.listJobs('q', { state: 'dead', cursor: 'c'.repeat(201) }), 'INVALID_OPTION'],
      [
        () => admin.listJobs('q', { state: 'dead', cursor: 7 as unknown as string }),
        'INVALID_OPTION',
      ],
      [() => admin.listJobs('q', { state: 'dead', task: '' }), 'INVALID_OPTION'],
      [() => admin.findByIndex('q', { ...search, field: 'a..b' }), 'INVALID_OPTION'],
      [() => admin.findByIndex('q', { ...search, field: 'a b' }), 'INVALID_OPTION'],
      [() => admin.findByIndex('q', { ...search, value: 'v'.repeat(129) }), 'INVALID_OPTION'],
      [
        () => admin.findByIndex('q', { ...search, value: 5 as unknown as string }),
        'INVALID_OPTION',
      ],
      [() => admin.findByIndex('q', { ...search, task: '' }), 'INVALID_OPTION'],
      [() => admin.indexedFields('{q}'), 'INVALID_ENVELOPE'],
      [() => admin.pauseQueue('bad queue'), 'INVALID_ENVELOPE'],
      [() => admin.resumeQueue(7 as unknown as string), 'INVALID_ENVELOPE'],
      [() => admin.appendAudit({ actor: '', action: 'a' }), 'INVALID_OPTION'],
      [() => admin.appendAudit({ actor: 'a', action: 'x'.repeat(201) }), 'INVALID_OPTION'],
      [
        () => admin.appendAudit({ actor: 'a', action: 'b', queue: 'no spaces' }),
        'INVALID_ENVELOPE',
      ],
      [
        () => admin.appendAudit({ actor: 'a', action: 'b', detail: { n: 1n } as never }),
        'INVALID_OPTION',
      ],
      [
        () => admin.appendAudit({ actor: 'a', action: 'b', detail: 'x'.repeat(70_000) }),
        'INVALID_OPTION',
      ],
      [() => admin.listAudit({ limit: 1001 }), 'INVALID_OPTION'],
      [() => admin.listAudit({ after: '' }), 'INVALID_OPTION'],
      // Called without its list, it threw "queues is not iterable".
      [() => (admin.queueCounts as () => Promise<unknown>)(), 'INVALID_OPTION'],
      [() => admin.queueCounts('emails' as never), 'INVALID_OPTION'],
    ];
    for (const [call, code] of refused) await expect(call()).rejects.toMatchObject({ code });
    expect(calls).toEqual([]);
  });

  it('checks the index entries of enqueue requests', async () => {
    const { driver, calls } = recordingDriver();
    const transport = createTransport(driver);
    const entry = (field: string, value = 'v') => ({ field, value });
    const indexed = (index: unknown) => [
      { envelope: envelope('q:1'), index: index as Array<{ field: string; value: string }> },
    ];
    for (const bad of [
      [entry('a'), entry('b'), entry('c'), entry('d'), entry('e')],
      [entry('.a')],
      [entry('a.')],
      [entry('a/b')],
      [entry('a', 'v'.repeat(129))],
      [{ field: 'a', value: 1 }],
      'a',
    ]) {
      await expect(transport.enqueue(indexed(bad))).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    }
    expect(calls).toEqual([]);
    const good = [entry('customer.id', ''), entry('$ref_1-x', 'v'.repeat(128))];
    await transport.enqueue(indexed(good));
    expect(calls).toEqual([{ op: 'enqueue', items: indexed(good) }]);
  });

  it('checks metrics minutes, ranges and queues, and answers empty calls itself', async () => {
    const recorded: unknown[] = [];
    const { driver } = recordingDriver();
    const transport = createTransport({
      ...driver,
      metrics: {
        async record(minutes) {
          recorded.push(minutes);
        },
        read: async () => [],
        totals: async () => [],
      },
    });
    expect(hasCapability(transport, 'metrics')).toBe(true);
    const { metrics } = transport;
    const minute: TaskMinute = {
      queue: 'q',
      task: 't',
      minute: 29_000_000,
      completed: 3,
      failed: 0,
      retried: 1,
      pickup: PICKUP_BUCKETS_MS.map(() => 0).concat(2),
    };
    await metrics.record([minute]);
    await metrics.record([]);
    expect(recorded).toEqual([[minute]]);
    expect(await metrics.read([], { fromMinute: 1, toMinute: 2 })).toEqual([]);
    expect(await metrics.totals([])).toEqual([]);
    const refused: Array<[() => Promise<unknown>, string]> = [
      [() => metrics.record([{ ...minute, queue: 'a b' }]), 'INVALID_ENVELOPE'],
      [() => metrics.record([{ ...minute, task: '' }]), 'INVALID_OPTION'],
      [() => metrics.record([{ ...minute, minute: 1.5 }]), 'INVALID_OPTION'],
      [() => metrics.record([{ ...minute, completed: -1 }]), 'INVALID_OPTION'],
      [() => metrics.record([{ ...minute, pickup: [1] }]), 'INVALID_OPTION'],
      [
        () => metrics.record([{ ...minute, pickup: minute.pickup.map(() => 0.5) }]),
        'INVALID_OPTION',
      ],
      [() => metrics.read(['q'], { fromMinute: 5, toMinute: 4 }), 'INVALID_OPTION'],
      [() => metrics.read(['q'], { fromMinute: 0, toMinute: 1_000_000 }), 'INVALID_OPTION'],
      [() => metrics.read(['q q'], { fromMinute: 1, toMinute: 2 }), 'INVALID_ENVELOPE'],
      [() => metrics.totals(['{q}']), 'INVALID_ENVELOPE'],
    ];
    for (const [call, code] of refused) await expect(call()).rejects.toMatchObject({ code });
    expect(recorded).toHaveLength(1);
    await transport.close();
    await expect(metrics.totals(['q'])).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
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
    expectTypeOf(transport.metrics).toEqualTypeOf<Transport['metrics']>();
    expect(transport.limits).toBeUndefined();
    expect('limits' in transport).toBe(false);
    expect('metrics' in transport).toBe(false);
  });
});

describe('requireCapability', () => {
  it('returns the capability, or throws CAPABILITY_MISSING naming the transport, the capability and what needs it', () => {
    const { driver } = recordingDriver();
    const transport: Transport = createTransport(driver);
    expect(requireCapability(transport, 'admin', 'conveyor dead')).toBe(transport.admin);
    expect(hasCapability(transport, 'admin')).toBe(true);
    expect(hasCapability(transport, 'limits')).toBe(false);
    expect(hasCapability(transport, 'metrics')).toBe(false);
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
