import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type IndexEntry,
  type JobEnvelope,
  type JsonValue,
  memoryTransport,
  type Transport,
} from '@conveyor/core';
import { newJobId } from '@conveyor/core/transport';
import {
  createDashboard,
  type Dashboard,
  type DashboardOptions,
  toNodeHandler,
} from '../src/index.js';

export const USER = 'ops';
export const PASSWORD = 'correct horse battery staple';

/** `Authorization` header value for basic auth. */
export function basic(username = USER, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface Served {
  url: string;
  origin: string;
  dashboard: Dashboard;
  transport: Transport;
  server: Server;
  close(): Promise<void>;
}

/** A dashboard over node:http on a free loopback port, with basic auth unless told otherwise. */
export async function serve(
  options: Partial<DashboardOptions> & { transport?: Transport } = {},
): Promise<Served> {
  const transport = options.transport ?? memoryTransport();
  const dashboard = createDashboard({
    auth: { username: USER, password: PASSWORD },
    pollMs: 20,
    ...options,
    transport,
  });
  const server = createServer(toNodeHandler(dashboard));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${dashboard.basePath}`,
    origin,
    dashboard,
    transport,
    server,
    async close() {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.transport) await transport.close();
    },
  };
}

/** A logged-in browser-like client: basic auth, the session cookie and its CSRF token. */
export async function login(served: Served, authorization = basic()) {
  const response = await fetch(`${served.url}/api/session`, { headers: { authorization } });
  if (response.status !== 200)
    throw new Error(`session: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const session = (await response.json()) as { csrf: string; access: string };
  const headers = { authorization, cookie };
  return {
    csrf: session.csrf,
    cookie,
    get(path: string, init: RequestInit = {}) {
      return fetch(`${served.url}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as object) },
      });
    },
    post(path: string, body?: unknown, extra: Record<string, string> = {}) {
      return fetch(`${served.url}${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          origin: served.origin,
          'content-type': 'application/json',
          'x-conveyor-csrf': session.csrf,
          ...extra,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
  };
}

/** Enqueues one job straight through the transport; returns its id. */
export async function enqueue(
  transport: Transport,
  job: {
    queue?: string;
    task?: string;
    input?: JsonValue;
    index?: IndexEntry[];
    delayMs?: number;
    idempotencyKey?: string;
  } = {},
): Promise<string> {
  const queue = job.queue ?? 'emails';
  const id = newJobId(queue);
  const envelope: JobEnvelope = {
    v: 1,
    id,
    task: job.task ?? 'shop.sendEmail',
    queue,
    input: job.input ?? { to: 'ada@example.com' },
    attempt: 0,
    maxAttempts: 1,
    priority: 5,
    enqueuedAt: Date.now(),
    ...(job.idempotencyKey ? { idempotencyKey: job.idempotencyKey } : {}),
  };
  const [result] = await transport.enqueue([
    {
      envelope,
      ...(job.index ? { index: job.index } : {}),
      ...(job.delayMs ? { delayMs: job.delayMs } : {}),
    },
  ]);
  return (result as { id: string }).id;
}

/** Reserves every ready job of `queue` and dead-letters it with `code`; returns their ids. */
export async function killAll(
  transport: Transport,
  queue = 'emails',
  code = 'BOOM',
): Promise<string[]> {
  const reserved = await transport.reserve({
    queues: [queue],
    max: 1000,
    leaseMs: 30_000,
    consumer: 'test',
  });
  await transport.settle(
    reserved.map((r) => ({
      type: 'fail' as const,
      id: r.envelope.id,
      token: r.token,
      error: { name: 'Error', message: `failed with ${code}`, code },
      deadLetter: true,
    })),
  );
  return reserved.map((r) => r.envelope.id);
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads Server-Sent Events from a response body. `next(predicate)` resolves with the first
 * event matching it (comments and `retry` lines are skipped).
 */
export function sseReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const seen: SseEvent[] = [];

  async function readEvent(): Promise<SseEvent | null> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: '' };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) {
            event.event = line.slice(7);
            isEvent = true;
          } else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('data: ')) {
            event.data += line.slice(6);
            isEvent = true;
          }
        }
        if (isEvent) return event;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffer += decoder.decode(value, { stream: true });
    }
  }

  return {
    seen,
    async next(predicate: (event: SseEvent) => boolean = () => true): Promise<SseEvent> {
      for (;;) {
        const event = await readEvent();
        if (event === null) throw new Error(`stream ended; saw ${JSON.stringify(seen)}`);
        seen.push(event);
        if (predicate(event)) return event;
      }
    },
    /** Resolves true when the stream ends. */
    async ended(): Promise<boolean> {
      for (;;) {
        const event = await readEvent();
        if (event === null) return true;
        seen.push(event);
      }
    },
    cancel: () => reader.cancel(),
  };
}
