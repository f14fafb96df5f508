import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { enqueue, killAll, login, type Served, serve, sseReader } from './helpers.js';

let served: Served;
let client: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  served = await serve({ pollMs: 20 });
  client = await login(served);
});
afterAll(() => served.close());
// A test that fails while the broker is mocked down must not leave it down for the next.
afterEach(() => {
  vi.restoreAllMocks();
});

interface Counts {
  queues: { name: string; counts: { waiting: number; dead: number } }[];
}

function waitingIn(data: string, queue: string): number | undefined {
  return (JSON.parse(data) as Counts).queues.find((each) => each.name === queue)?.counts.waiting;
}

async function openStream(lastEventId?: string, query = '') {
  const aborter = new AbortController();
  const response = await client.get(`/api/events${query}`, {
    signal: aborter.signal,
    headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  return { events: sseReader(response), abort: () => aborter.abort() };
}

describe('GET /api/events', () => {
  test('sends counts at once, then again after an enqueue', async () => {
    const { events, abort } = await openStream();
    try {
      const first = await events.next((event) => event.event === 'counts');
      expect(waitingIn(first.data, 'ev-live')).toBeUndefined();
      expect(first.id).toMatch(/^\S+$/);
      await enqueue(served.transport, { queue: 'ev-live' });
      await enqueue(served.transport, { queue: 'ev-live' });
      await events.next(
        (event) => event.event === 'counts' && waitingIn(event.data, 'ev-live') === 2,
      );
    } finally {
      abort();
    }
  });

  test('opened while the broker is down: says so and stays open, then sends counts when it is back', async () => {
    const admin = served.transport.admin;
    if (!admin) throw new Error('the test transport has admin');
    const down = vi
      .spyOn(admin, 'listQueues')
      .mockRejectedValue(new Error('Connection is closed.'));
    const { events, abort } = await openStream();
    try {
      // It used to send an `error` event and end: the page said "Reconnecting…" throughout.
      const first = await events.next((event) => event.event !== 'ping');
      expect(first.event).toBe('broker');
      expect(JSON.parse(first.data)).toMatchObject({ ok: false, message: 'Connection is closed.' });
      down.mockRestore();
      // The hub's own polls may have said { ok: false } meanwhile too; then it is back, and
      // the counts come after that, not before.
      const next = await events.next(
        (event) =>
          event.event === 'counts' ||
          (event.event === 'broker' && (JSON.parse(event.data) as { ok: boolean }).ok),
      );
      expect(next.event).toBe('broker');
      await events.next((event) => event.event === 'counts');
    } finally {
      down.mockRestore();
      abort();
    }
  });

  test('while the broker is known to be down, a read answers 503 at once instead of waiting on the transport', async () => {
    const admin = served.transport.admin;
    if (!admin) throw new Error('the test transport has admin');
    const down = vi
      .spyOn(admin, 'listQueues')
      .mockRejectedValue(new Error('Connection is closed.'));
    // A transport that waits for its connection to come back: the read never settles.
    const stuck = vi
      .spyOn(served.transport, 'getJob')
      .mockReturnValue(new Promise<never>(() => {}));
    const { events, abort } = await openStream();
    try {
      await events.next((event) => event.event === 'broker');
      const response = await client.get('/api/jobs/emails:stuck');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BROKER_UNAVAILABLE');
      expect(body.error.message).toMatch(
        /^The broker cannot be reached \(since \d{4}-\d\d-\d\dT[\d:.]+Z: Connection is closed\.\); try again once it is back/,
      );
      // Back: reads answer from the transport again, with nothing left over from the outage.
      down.mockRestore();
      stuck.mockRestore();
      await events.next(
        (event) => event.event === 'broker' && (JSON.parse(event.data) as { ok: boolean }).ok,
      );
      expect((await client.get('/api/jobs/emails:stuck')).status).toBe(404);
    } finally {
      down.mockRestore();
      stuck.mockRestore();
      abort();
    }
  });

  test('sends audit entries as they are written, redacted, each with its id', async () => {
    const { events, abort } = await openStream();
    try {
      await events.next((event) => event.event === 'counts');
      const id = await enqueue(served.transport, { queue: 'ev-audit' });
      await killAll(served.transport, 'ev-audit');
      expect((await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`)).status).toBe(200);
      const audit = await events.next((event) => event.event === 'audit');
      const entry = JSON.parse(audit.data);
      expect(entry).toMatchObject({ action: 'job.retry', jobId: id, actor: 'ops' });
      expect(audit.id).toBe(entry.id);

      // An entry written by another tool, with a secret in its detail.
      await served.transport.admin?.appendAudit({
        actor: 'cli',
        action: 'queue.purge',
        detail: { token: 'tok-secret', count: 3 },
      });
      const foreign = await events.next((event) => event.event === 'audit');
      expect(foreign.data).not.toContain('tok-secret');
      expect(JSON.parse(foreign.data).detail).toEqual({ token: '[redacted]', count: 3 });
    } finally {
      abort();
    }
  });

  test('resumes with Last-Event-ID: replays the audit entries missed, then fresh counts', async () => {
    const first = await openStream();
    const counts = await first.events.next((event) => event.event === 'counts');
    const resumeFrom = counts.id as string;
    first.abort();

    const missed = [
      await enqueue(served.transport, { queue: 'ev-resume' }),
      await enqueue(served.transport, { queue: 'ev-resume' }),
    ];
    await killAll(served.transport, 'ev-resume');
    for (const id of missed) {
      expect((await client.post(`/api/jobs/${encodeURIComponent(id)}/retry`)).status).toBe(200);
    }

    const second = await openStream(resumeFrom);
    try {
      const replayed = [
        await second.events.next(),
        await second.events.next(),
        await second.events.next(),
      ];
      expect(replayed.map((event) => event.event)).toEqual(['audit', 'audit', 'counts']);
      expect(replayed.slice(0, 2).map((event) => JSON.parse(event.data).jobId)).toEqual(missed);
      expect(replayed[2]?.id).toBe(replayed[1]?.id);
      expect(waitingIn(replayed[2]?.data ?? '{}', 'ev-resume')).toBe(2);
    } finally {
      second.abort();
    }
  });

  test('resumes with ?lastEventId= (a tab taking the stream over), the header winning over it', async () => {
    const before = (await served.transport.admin?.listAudit({ limit: 1000 })) ?? [];
    const resumeFrom = before.at(-1)?.id ?? '0';
    const missed = await enqueue(served.transport, { queue: 'ev-query' });
    await killAll(served.transport, 'ev-query');
    expect((await client.post(`/api/jobs/${encodeURIComponent(missed)}/retry`)).status).toBe(200);
    const log = (await served.transport.admin?.listAudit({ limit: 1000 })) ?? [];
    const retried = log.findLast((entry) => entry.jobId === missed);

    const taken = await openStream(undefined, `?lastEventId=${resumeFrom}`);
    try {
      const event = await taken.events.next();
      expect(event.event).toBe('audit');
      expect(JSON.parse(event.data)).toMatchObject({ jobId: missed });
    } finally {
      taken.abort();
    }
    // The browser's own reconnect sends the header, which names a newer point: nothing after it.
    const both = await openStream(retried?.id, `?lastEventId=${resumeFrom}`);
    try {
      expect((await both.events.next()).event).toBe('counts');
    } finally {
      both.abort();
    }
  });

  test.each([
    ['garbage', 'garbage'],
    ['5,000 digits', '9'.repeat(5000)],
    ['an id with a space', '1 2'],
  ])('ignores a Last-Event-ID that is not an audit id (%s): starts from now', async (_, id) => {
    const log = (await served.transport.admin?.listAudit({ limit: 1 })) ?? [];
    const newest = Number(log.at(-1)?.id ?? 0);
    const resumed = await openStream(id);
    try {
      // No replay: counts first, under an id of the log (the hub's tail), never the header's.
      const first = await resumed.events.next();
      expect(first.event).toBe('counts');
      expect(first.id).not.toBe(id);
      expect(first.id).toMatch(/^\d{1,16}$/);
      expect(Number(first.id)).toBeLessThanOrEqual(newest);
    } finally {
      resumed.abort();
    }
  });

  test('ends when the client goes away, and when the dashboard closes', async () => {
    const own = await serve({ pollMs: 20 });
    try {
      const ownClient = await login(own);
      const aborter = new AbortController();
      const events = sseReader(await ownClient.get('/api/events', { signal: aborter.signal }));
      await events.next((event) => event.event === 'counts');
      expect(own.dashboard.openStreams).toBe(1);
      aborter.abort();
      await expect.poll(() => own.dashboard.openStreams, { timeout: 10_000 }).toBe(0);

      const open = sseReader(await ownClient.get('/api/events'));
      await open.next((event) => event.event === 'counts');
      expect(own.dashboard.openStreams).toBe(1);
      await own.dashboard.close();
      expect(await open.ended()).toBe(true);
      expect(own.dashboard.openStreams).toBe(0);
      expect((await ownClient.get('/api/queues')).status).toBe(503);
    } finally {
      await own.close();
    }
  });
});
