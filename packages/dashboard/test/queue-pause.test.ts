// POST api/queues/<q>/pause and /resume [A13], over both transports (Redis on a private
// redis-server): the state shows in GET api/queues and the event stream's counts, a
// partitioned queue is paused in every partition, each action is audited with its actor, and
// the mutation guards (CSRF, Origin, read access, read-only) hold.

import { memoryTransport, silentLogger, type Transport } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, enqueue, login, PASSWORD, type Served, serve, sseReader, USER } from './helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const transports: Array<[string, () => Transport]> = [
  ['memory', () => memoryTransport()],
  [
    'redis',
    () => redisTransport({ url: redis.url, prefix: `pause${Math.random()}`, logger: silentLogger }),
  ],
];

interface Entry {
  name: string;
  paused?: true;
  counts: { waiting: number };
  partitions?: Entry[];
}

describe.each(transports)('pausing a queue over %s', (_name, makeTransport) => {
  let transport: Transport;
  let served: Served;
  let client: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    transport = makeTransport();
    served = await serve({ transport });
    client = await login(served);
  });
  afterAll(async () => {
    await served?.close();
    await transport?.close();
  });

  const admin = () => transport.admin as NonNullable<Transport['admin']>;

  async function entry(name: string): Promise<Entry | undefined> {
    const body = (await (await client.get('/api/queues')).json()) as { queues: Entry[] };
    return body.queues.find((queue) => queue.name === name);
  }

  async function audited(action: string, queue: string) {
    const body = await (await client.get('/api/audit?limit=1000')).json();
    return (body.entries as Array<{ action: string; queue?: string }>).filter(
      (e) => e.action === action && e.queue === queue,
    );
  }

  test('pause and resume change the state, shown by GET api/queues, audited with the actor', async () => {
    await enqueue(transport, { queue: 'p-plain' });
    await enqueue(transport, { queue: 'p-other' });
    const paused = await client.post('/api/queues/p-plain/pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({ queue: 'p-plain', paused: true, changed: ['p-plain'] });
    expect(await admin().queueCounts(['p-plain', 'p-other'])).toEqual([
      expect.objectContaining({ paused: true }),
      expect.not.objectContaining({ paused: true }),
    ]);
    expect(await entry('p-plain')).toMatchObject({ paused: true, counts: { waiting: 1 } });
    expect(await entry('p-other')).not.toHaveProperty('paused');
    expect(await audited('queue.pause', 'p-plain')).toEqual([
      expect.objectContaining({ actor: USER, detail: { changed: ['p-plain'] } }),
    ]);
    // A repeat changes nothing, and says so.
    const again = await client.post('/api/queues/p-plain/pause');
    expect(await again.json()).toEqual({ queue: 'p-plain', paused: true, changed: [] });

    const resumed = await client.post('/api/queues/p-plain/resume');
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toEqual({
      queue: 'p-plain',
      paused: false,
      changed: ['p-plain'],
    });
    expect(await entry('p-plain')).not.toHaveProperty('paused');
    expect(await audited('queue.resume', 'p-plain')).toEqual([
      expect.objectContaining({ actor: USER, detail: { changed: ['p-plain'] } }),
    ]);
    const notPaused = await client.post('/api/queues/p-plain/resume');
    expect(await notPaused.json()).toEqual({ queue: 'p-plain', paused: false, changed: [] });
  });

  test('a partitioned queue is paused in every partition, those without a job too', async () => {
    // Only partition 1 of 3 has held a job.
    await enqueue(transport, { queue: 'p-parts~1of3' });
    const all = ['p-parts~0of3', 'p-parts~1of3', 'p-parts~2of3'];
    const paused = await client.post('/api/queues/p-parts/pause');
    // The plain name too: every worker of the queue reads it.
    expect(await paused.json()).toEqual({
      queue: 'p-parts',
      paused: true,
      changed: ['p-parts', ...all],
    });
    expect((await admin().queueCounts(all)).map((row) => row.paused)).toEqual([true, true, true]);
    const whole = await entry('p-parts');
    expect(whole?.paused).toBe(true);
    expect(whole?.partitions?.map((p) => [p.name, p.paused])).toEqual(all.map((n) => [n, true]));

    // One partition resumed by its own name: the queue is paused in part only.
    const one = await client.post(`/api/queues/${encodeURIComponent('p-parts~1of3')}/resume`);
    expect(await one.json()).toEqual({
      queue: 'p-parts~1of3',
      paused: false,
      changed: ['p-parts~1of3'],
    });
    const part = await entry('p-parts');
    expect(part).not.toHaveProperty('paused');
    expect(part?.partitions?.map((p) => p.paused ?? false)).toEqual([true, false, true]);
    const resumed = await client.post('/api/queues/p-parts/resume');
    expect((await resumed.json()).changed).toEqual(['p-parts', 'p-parts~0of3', 'p-parts~2of3']);
    expect(await audited('queue.pause', 'p-parts')).toHaveLength(1);
  });

  test('the event stream sends counts with paused when a queue is paused', async () => {
    await enqueue(transport, { queue: 'p-live' });
    const aborter = new AbortController();
    const response = await client.get('/api/events', { signal: aborter.signal });
    const events = sseReader(response);
    const pausedIn = (data: string) =>
      (JSON.parse(data) as { queues: Entry[] }).queues.find((q) => q.name === 'p-live')?.paused;
    try {
      const first = await events.next((event) => event.event === 'counts');
      expect(pausedIn(first.data)).toBeUndefined();
      expect((await client.post('/api/queues/p-live/pause')).status).toBe(200);
      await events.next((event) => event.event === 'counts' && pausedIn(event.data) === true);
      expect((await client.post('/api/queues/p-live/resume')).status).toBe(200);
      await events.next((event) => event.event === 'counts' && pausedIn(event.data) === undefined);
    } finally {
      aborter.abort();
    }
  });

  test('a queue never seen is 404 and not paused; a malformed name is 400', async () => {
    const unknown = await client.post('/api/queues/p-typo/pause');
    expect(unknown.status).toBe(404);
    const { error } = await unknown.json();
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('"p-typo"');
    expect(await admin().listQueues()).not.toContain('p-typo');
    // Before: 200 { changed: [] }, which reads as resumed.
    const resumed = await client.post('/api/queues/p-typo/resume');
    expect(resumed.status).toBe(404);
    expect((await resumed.json()).error.message).toContain('so nothing was resumed');
    const bad = await client.post(`/api/queues/${encodeURIComponent('no spaces')}/pause`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('"no spaces"');
  });

  test('refuses without the CSRF token, from a foreign Origin, or to a reader, changing nothing', async () => {
    await enqueue(transport, { queue: 'p-guard' });
    const noToken = await client.post('/api/queues/p-guard/pause', undefined, {
      'x-conveyor-csrf': '',
    });
    const foreign = await client.post('/api/queues/p-guard/pause', undefined, {
      origin: 'http://evil.example',
    });
    for (const response of [noToken, foreign]) {
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('CSRF');
    }
    const readers = await serve({ transport, authorize: () => 'read' });
    const readOnly = await serve({ transport, readOnly: true });
    try {
      const reader = await login(readers, basic());
      const forbidden = await reader.post('/api/queues/p-guard/pause');
      expect(forbidden.status).toBe(403);
      expect((await forbidden.json()).error.code).toBe('FORBIDDEN');
      const other = await login(readOnly, basic(USER, PASSWORD));
      for (const action of ['pause', 'resume']) {
        const response = await other.post(`/api/queues/p-guard/${action}`);
        expect(response.status).toBe(405);
        expect((await response.json()).error.code).toBe('METHOD_NOT_ALLOWED');
      }
    } finally {
      await readers.close();
      await readOnly.close();
    }
    expect(await admin().queueCounts(['p-guard'])).toEqual([
      expect.not.objectContaining({ paused: true }),
    ]);
    expect(await audited('queue.pause', 'p-guard')).toEqual([]);
  });
});
