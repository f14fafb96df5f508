import type { EnqueueRequest, JobEnvelope } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { queueKeys } from '../src/keys.js';
import { runScript } from '../src/scripts.js';
import { enqueueArgs } from '../src/wire/enqueue-calls.js';
import { usePrivateRedis } from './helpers/private-redis.js';

// enqueue.lua takes the default dedupe window and the job format version, then jobs in
// groups: one header of the shared fields, then unique id and input per job. These check
// the encoding and its round trip through Redis.

describe('enqueueArgs', () => {
  const queue = 'groups';
  const at = 1_764_000_000_000;
  const request = (overrides: Partial<JobEnvelope> = {}, extra: Partial<EnqueueRequest> = {}) => ({
    envelope: makeEnvelope(queue, { enqueuedAt: at, input: { n: 1 }, ...overrides }),
    ...extra,
  });

  it('sends one header for jobs that differ only in id and input', () => {
    const a = request();
    const b = request({ input: 'two' });
    expect(enqueueArgs([a, b], queue, 5_000)).toEqual([
      '5000',
      '1',
      `2 0 5 3 ${at}     conformance.task`,
      a.envelope.id.slice(queue.length + 1),
      '{"n":1}',
      b.envelope.id.slice(queue.length + 1),
      '"two"',
    ]);
  });

  it('starts a new group whenever a shared field changes, keeping the order', () => {
    const requests = [
      request(),
      request({ priority: 9 }),
      request({ priority: 9 }, { delayMs: 100 }),
      request({ priority: 9 }, { runAt: at + 5 }),
      request({ expiresAt: at + 9, maxAttempts: 1 }, { dedupeWindowMs: 7 }),
      request({ idempotencyKey: 'k 1|x', schema: 'sha256:ab' }),
      request({ idempotencyKey: 'k 1|x', schema: 'sha256:ab' }),
      request({ task: 'odd task | name' }),
    ];
    const args = enqueueArgs(requests, queue, 5_000);
    const headers = args.filter((arg) => /^\d+ [01] /.test(arg));
    expect(headers).toEqual([
      `1 0 5 3 ${at}     conformance.task`,
      `1 0 9 3 ${at}     conformance.task`,
      `1 0 9 3 ${at}  100   conformance.task`,
      `1 0 9 3 ${at}   ${at + 5}  conformance.task`,
      `1 0 5 1 ${at} ${at + 9}   7 conformance.task`,
      `2 1 5 3 ${at}     conformance.task`,
      `1 0 5 3 ${at}     odd task | name`,
    ]);
    // The idempotency group carries the extras JSON, the key and the input fingerprint
    // ('' when none) right after its header.
    const extras = args.indexOf(headers[5] ?? '');
    expect(args.slice(extras + 1, extras + 4)).toEqual(['["k 1|x","sha256:ab"]', 'k 1|x', '']);
  });

  it('sends the input fingerprint of a keyed group, and splits groups where it changes', () => {
    const keyed = (fingerprint: string) =>
      request({ idempotencyKey: 'k' }, { inputFingerprint: fingerprint });
    const [a, b, c] = [keyed('aaaa'), keyed('aaaa'), keyed('bbbb')];
    const args = enqueueArgs([a, b, c], queue, 5_000);
    expect(args.slice(2, 9)).toEqual([
      `2 1 5 3 ${at}     conformance.task`,
      '["k",null]',
      'k',
      'aaaa',
      a.envelope.id.slice(queue.length + 1),
      '{"n":1}',
      b.envelope.id.slice(queue.length + 1),
    ]);
    expect(args.slice(10, 14)).toEqual([
      `1 1 5 3 ${at}     conformance.task`,
      '["k",null]',
      'k',
      'bbbb',
    ]);
    // Without a key a fingerprint means nothing: it is neither sent nor splits a group.
    const plain = enqueueArgs([request({}, { inputFingerprint: 'x' }), request()], queue, 0);
    expect(plain[2]).toBe(`2 0 5 3 ${at}     conformance.task`);
  });

  it("sends a map's children as one group, each with its child index last", () => {
    const child = (n: number, step = 'fan') =>
      request({ input: { n }, workflow: { id: 'wf_1', step, child: n, kind: 'run' } });
    const [a, b, c] = [child(0), child(1), child(2)];
    const other = child(3, 'other');
    const args = enqueueArgs([a, b, c, other], queue, 5_000);
    expect(args.slice(2, 15)).toEqual([
      `3 9 5 3 ${at}     conformance.task`,
      '[null,null,{"id":"wf_1","step":"fan","child":-1,"kind":"run"}]',
      '',
      '',
      a.envelope.id.slice(queue.length + 1),
      '{"n":0}',
      '0',
      b.envelope.id.slice(queue.length + 1),
      '{"n":1}',
      '1',
      c.envelope.id.slice(queue.length + 1),
      '{"n":2}',
      '2',
    ]);
    // Another step starts another group; a step job that is not a map child sends no index.
    expect(args[15]).toBe(`1 9 5 3 ${at}     conformance.task`);
    const single = request({ workflow: { id: 'wf_1', step: 'one', kind: 'run' } });
    expect(enqueueArgs([single, single], queue, 0).slice(2, 4)).toEqual([
      `2 1 5 3 ${at}     conformance.task`,
      '[null,null,{"id":"wf_1","step":"one","kind":"run"}]',
    ]);
  });

  it('uses the producer input JSON when the request carries it', () => {
    const a = { ...request(), inputJson: '{"n": 1}' };
    expect(enqueueArgs([a], queue, 0).at(-1)).toBe('{"n": 1}');
  });
});

describe('enqueue groups through Redis', () => {
  const { transport, url } = usePrivateRedis();

  it('defines a script on a connection when it first runs there, and only that one', async () => {
    const client = new Redis(url(), { lazyConnect: true });
    try {
      const queue = uniqueQueue('lazy-script');
      const envelope = makeEnvelope(queue);
      const keys = queueKeys('conveyor', queue);
      const args = enqueueArgs([{ envelope }], queue, 0);
      expect(await runScript(client, 'enqueue', keys, ['86400000', '10000'], args)).toEqual([]);
      const commands = client as unknown as Record<string, unknown>;
      expect(typeof commands.conveyor_enqueue).toBe('function');
      // Defining all 40 (hashing each text) cost every new connection about 13 ms.
      expect(commands.conveyor_wf_start).toBeUndefined();
      expect(await client.llen(keys[6] ?? '')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('round-trips every shared field, odd task names and inputs, in mixed groups', async () => {
    const t = transport();
    const queue = uniqueQueue('groups');
    const now = Date.now();
    const envelopes = [
      makeEnvelope(queue, { task: 'a b|c  d', input: { text: 'é | ü 😀', list: [1, null] } }),
      makeEnvelope(queue, { task: 'a b|c  d', input: ' spaces and | bars ' }),
      makeEnvelope(queue, { task: 'plain', priority: 0, maxAttempts: 7, expiresAt: now + 60_000 }),
      makeEnvelope(queue, {
        task: 'plain',
        priority: 9,
        idempotencyKey: 'key with space',
        schema: 's|1',
      }),
      makeEnvelope(queue, { task: 'plain', priority: 9, schema: 'only schema' }),
      makeEnvelope(queue, { task: '', input: '' }),
    ];
    const results = await t.enqueue(envelopes.map((envelope) => ({ envelope })));
    expect(results).toEqual(envelopes.map(({ id }) => ({ id, duplicate: false })));
    for (const envelope of envelopes) {
      const record = await t.getJob(envelope.id);
      expect(record?.state).toBe('waiting');
      expect(record?.envelope).toEqual(envelope);
    }
  });

  it("stores each map child's own index, with index entries and duplicates in the group", async () => {
    const t = transport();
    const queue = uniqueQueue('groups-map');
    const workflow = (child: number) => ({
      id: 'wf_"child":-1',
      step: 'a "step"',
      child,
      kind: 'run' as const,
    });
    const children = [0, 1, 2, 10_000].map((child) =>
      makeEnvelope(queue, { input: { child }, workflow: workflow(child) }),
    );
    const entries = [{ field: 'child', value: 'x' }];
    const results = await t.enqueue([
      ...children.map((envelope) => ({ envelope, index: entries })),
      { envelope: children[1] as JobEnvelope, index: entries },
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([false, false, false, false, true]);
    for (const envelope of children) {
      const record = await t.getJob(envelope.id);
      expect(record?.envelope).toEqual(envelope);
    }
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.workflow?.child)).toEqual([0, 1, 2, 10_000]);
  });

  it('reports duplicates at their positions, inside and across groups', async () => {
    const t = transport();
    const queue = uniqueQueue('groups-dup');
    const keyed = (input: number) =>
      makeEnvelope(queue, { idempotencyKey: 'same', input: { input } });
    const first = keyed(1);
    const plain = makeEnvelope(queue);
    const results = await t.enqueue([
      { envelope: first },
      { envelope: keyed(2) },
      { envelope: plain },
      { envelope: { ...plain, input: { again: true } } },
      { envelope: keyed(3), delayMs: 50 },
    ]);
    expect(results).toEqual([
      { id: first.id, duplicate: false },
      { id: first.id, duplicate: true },
      { id: plain.id, duplicate: false },
      { id: plain.id, duplicate: true },
      { id: first.id, duplicate: true },
    ]);
  });

  it('delays a whole group and keeps the ready ones in order', async () => {
    const t = transport();
    const queue = uniqueQueue('groups-delay');
    const ready = [makeEnvelope(queue), makeEnvelope(queue), makeEnvelope(queue)];
    const later = [makeEnvelope(queue), makeEnvelope(queue)];
    await t.enqueue([
      { envelope: ready[0] as JobEnvelope },
      ...later.map((envelope) => ({ envelope, delayMs: 60_000 })),
      { envelope: ready[1] as JobEnvelope },
      { envelope: ready[2] as JobEnvelope },
    ]);
    expect((await t.getJob(later[1]?.id ?? ''))?.state).toBe('delayed');
    const reserved = await t.reserve({ queues: [queue], max: 10, leaseMs: 10_000, consumer: 'c' });
    expect(reserved.map((r) => r.envelope.id)).toEqual(ready.map((e) => e.id));
  });
});
