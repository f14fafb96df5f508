import { createClient, defineTask, memoryTransport } from '@conveyor/core';
import { afterEach, expect, test, vi } from 'vitest';
import { z } from 'zod';
import type { DashboardCore } from '../src/context.js';
import { createEventHub } from '../src/events/hub.js';
import { resolveOptions } from '../src/options.js';
import { createRedactor } from '../src/redact.js';

afterEach(() => {
  vi.useRealTimers();
});

function core(): DashboardCore {
  const transport = memoryTransport();
  const options = resolveOptions({ transport, auth: 'none' });
  return {
    options,
    transport,
    admin: options.admin,
    metrics: undefined,
    schedules: undefined,
    redactor: createRedactor(options.redact),
    now: () => Date.now(),
  };
}

const mail = defineTask({
  name: 'hub.mail',
  queue: 'hub-mail',
  input: z.object({ to: z.string() }),
  run: () => null,
});

function subscriber() {
  return { counts: vi.fn(), audit: vi.fn(), broker: vi.fn(), ping: vi.fn(), close: vi.fn() };
}

test('polls once for all streams, pings, and leaves no timer when the last stream goes', async () => {
  vi.useFakeTimers();
  const shared = core();
  const listQueues = vi.spyOn(shared.admin, 'listQueues');
  const hub = createEventHub(shared, { pollMs: 100, pingMs: 1000 });
  await hub.ready();
  const a = subscriber();
  const b = subscriber();
  const subA = hub.subscribe(a);
  const subB = hub.subscribe(b);
  expect(vi.getTimerCount()).toBe(2); // one poll, one ping
  await vi.advanceTimersByTimeAsync(100);
  expect(listQueues).toHaveBeenCalledTimes(1);
  expect(a.counts).toHaveBeenCalledTimes(1);
  expect(b.counts).toHaveBeenCalledTimes(1);
  await vi.advanceTimersByTimeAsync(1000);
  expect(a.ping).toHaveBeenCalled();
  subA.unsubscribe();
  expect(vi.getTimerCount()).toBe(2);
  subB.unsubscribe();
  expect(vi.getTimerCount()).toBe(0);
  await vi.advanceTimersByTimeAsync(1000);
  const calls = listQueues.mock.calls.length;
  await vi.advanceTimersByTimeAsync(1000);
  expect(listQueues.mock.calls.length).toBe(calls);
  await shared.transport.close();
});

test('tells the streams once when reads fail, and once when they work again', async () => {
  // Before, a failed read was swallowed: the page kept its last counts under "Live".
  vi.useFakeTimers();
  const shared = core();
  const hub = createEventHub(shared, { pollMs: 100, pingMs: 60_000 });
  await hub.ready();
  const a = subscriber();
  hub.subscribe(a);
  const down = vi
    .spyOn(shared.admin, 'listQueues')
    .mockRejectedValue(new Error('Connection is closed'));
  await vi.advanceTimersByTimeAsync(300);
  expect(a.broker.mock.calls).toEqual([
    [{ ok: false, message: 'Connection is closed', since: expect.any(Number) }],
  ]);
  expect(a.counts).not.toHaveBeenCalled();
  down.mockRestore();
  await vi.advanceTimersByTimeAsync(100);
  expect(a.broker.mock.calls.at(-1)).toEqual([{ ok: true }]);
  expect(a.broker).toHaveBeenCalledTimes(2);
  expect(a.counts).toHaveBeenCalledTimes(1);
  await vi.advanceTimersByTimeAsync(300);
  expect(a.broker).toHaveBeenCalledTimes(2);
  hub.close();
  await shared.transport.close();
});

test('close ends every stream and stops the timers; a later subscriber is closed at once', async () => {
  vi.useFakeTimers();
  const shared = core();
  const hub = createEventHub(shared, { pollMs: 100, pingMs: 1000 });
  const a = subscriber();
  hub.subscribe(a);
  hub.close();
  expect(a.close).toHaveBeenCalledTimes(1);
  expect(vi.getTimerCount()).toBe(0);
  const late = subscriber();
  hub.subscribe(late);
  expect(late.close).toHaveBeenCalledTimes(1);
  expect(vi.getTimerCount()).toBe(0);
  await shared.transport.close();
});

test('reports only audit entries newer than the log had when it started', async () => {
  vi.useFakeTimers();
  const shared = core();
  await shared.admin.appendAudit({ actor: 'a', action: 'old' });
  const hub = createEventHub(shared, { pollMs: 100, pingMs: 1000 });
  await hub.ready();
  const a = subscriber();
  const { unsubscribe, tail } = hub.subscribe(a);
  expect(tail).toBeDefined();
  const fresh = await shared.admin.appendAudit({ actor: 'a', action: 'new' });
  await vi.advanceTimersByTimeAsync(100);
  expect(a.audit.mock.calls.map(([entry]) => entry.id)).toEqual([fresh.id]);
  unsubscribe();
  await shared.transport.close();
});

test('by default, a change to the counts reaches a stream within a second (the 2 s the UI promises)', async () => {
  vi.useFakeTimers();
  const shared = core();
  const hub = createEventHub(shared, { pollMs: shared.options.pollMs, pingMs: 15_000 });
  await hub.ready();
  const a = subscriber();
  const { unsubscribe } = hub.subscribe(a);
  await vi.advanceTimersByTimeAsync(1_000);
  const before = a.counts.mock.calls.length;
  expect(before).toBeGreaterThan(0);
  const client = createClient({ transport: shared.transport });
  await client.enqueue(mail, { to: 'a@b.c' });
  await vi.advanceTimersByTimeAsync(1_000);
  const [overview] = a.counts.mock.calls.at(-1) ?? [];
  expect(a.counts.mock.calls.length).toBeGreaterThan(before);
  const queue = overview?.queues.find((entry: { name: string }) => entry.name === 'hub-mail');
  expect(queue?.counts).toMatchObject({ waiting: 1 });
  unsubscribe();
  await shared.transport.close();
});

test('knows the broker is down from a failed poll or first read, and forgets it when the last stream goes', async () => {
  vi.useFakeTimers();
  const shared = core();
  const down = vi
    .spyOn(shared.admin, 'listQueues')
    .mockRejectedValue(new Error('Connection is closed.'));
  const hub = createEventHub(shared, { pollMs: 100, pingMs: 1000 });
  await hub.ready();
  const first = hub.subscribe(subscriber());
  // A new stream's first read failed: known before the next poll.
  await expect(hub.readNow()).rejects.toThrow('Connection is closed.');
  expect(hub.brokerDown()).toMatchObject({ ok: false, message: 'Connection is closed.' });
  await vi.advanceTimersByTimeAsync(100);
  expect(hub.brokerDown()).toMatchObject({ ok: false });
  // The last stream closes while the broker is down; it comes back with nothing polling.
  first.unsubscribe();
  down.mockRestore();
  // Before: still "down", so every dashboard read was cut short with an old outage's 503.
  expect(hub.brokerDown()).toBeUndefined();
  // A later stream finds out afresh.
  hub.subscribe(subscriber());
  await hub.readNow();
  expect(hub.brokerDown()).toBeUndefined();
  hub.close();
});
