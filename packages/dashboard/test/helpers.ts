import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryTransport, type Transport } from '@conveyor/core';
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
