// toNodeHandler's trustProxy takes the forwarded host and protocol that the nearest proxy set:
// the last value of X-Forwarded-Host and X-Forwarded-Proto. A proxy that appends puts a
// client's own value first, so taking the first let a page reached by DNS rebinding pass the
// host guard by sending `X-Forwarded-Host: localhost` itself.

import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDashboard, type Dashboard, toNodeHandler } from '../src/index.js';

let server: Server;
let dashboard: Dashboard;
let port: number;
const transport = memoryTransport();

beforeAll(async () => {
  // No credentials: the dashboard answers only to loopback host names (the rebinding guard).
  dashboard = createDashboard({ transport, auth: 'none', pollMs: 20 });
  server = createServer(toNodeHandler(dashboard, { trustProxy: true }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await dashboard.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await transport.close();
});

/** GET with raw header lines (a name may repeat); answers the status, headers and body. */
function get(
  path: string,
  headers: Array<[string, string]>,
): Promise<{ status: number; cookie: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          cookie: (res.headers['set-cookie'] ?? []).join('\n'),
          body,
        }),
      );
    });
    req.on('error', reject);
    const byName = new Map<string, string[]>();
    for (const [name, value] of headers) byName.set(name, [...(byName.get(name) ?? []), value]);
    for (const [name, values] of byName) {
      req.setHeader(name, values.length === 1 ? (values[0] as string) : values);
    }
    req.end();
  });
}

describe('toNodeHandler({ trustProxy: true })', () => {
  test('takes the host the nearest proxy appended, not one the client put first', async () => {
    // The client sent `localhost`, the proxy appended the name the browser used.
    const rebound = await get('/api/session', [
      ['host', 'attacker.example'],
      ['x-forwarded-host', 'localhost, attacker.example'],
    ]);
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('HOST_NOT_ALLOWED');
    // The same as two header lines.
    const lines = await get('/api/session', [
      ['host', 'attacker.example'],
      ['x-forwarded-host', 'localhost'],
      ['x-forwarded-host', 'attacker.example'],
    ]);
    expect(lines.status).toBe(403);
    // And the proxy's own value is the one that counts when it is a loopback name.
    const fine = await get('/api/session', [
      ['host', 'attacker.example'],
      ['x-forwarded-host', `attacker.example, localhost:${port}`],
    ]);
    expect(fine.status).toBe(200);
  });

  test('takes the protocol the nearest proxy appended', async () => {
    // Over https the session cookie is Secure; the proxy here says http.
    const http = await get('/api/session', [
      ['x-forwarded-host', 'localhost'],
      ['x-forwarded-proto', 'https, http'],
    ]);
    expect(http.status).toBe(200);
    expect(http.cookie).toContain('conveyor_session=');
    expect(http.cookie).not.toMatch(/;\s*Secure/i);
    const https = await get('/api/session', [
      ['x-forwarded-host', 'localhost'],
      ['x-forwarded-proto', 'http, https'],
    ]);
    expect(https.cookie).toMatch(/;\s*Secure/i);
  });

  test('answers 400 BAD_REQUEST to an empty last value or a protocol other than http(s)', async () => {
    for (const headers of [
      [['x-forwarded-host', 'localhost,']],
      [['x-forwarded-proto', 'https, ']],
      [['x-forwarded-proto', 'gopher']],
    ] as Array<Array<[string, string]>>) {
      const response = await get('/api/session', [['host', 'localhost'], ...headers]);
      expect(response.status, JSON.stringify(headers)).toBe(400);
      expect(JSON.parse(response.body).error.code).toBe('BAD_REQUEST');
      expect(response.body).toMatch(/X-Forwarded-(Host|Proto)/);
    }
  });

  test('answers 400 to an empty X-Forwarded-Host or X-Forwarded-Proto, rather than falling back to Host', async () => {
    for (const name of ['x-forwarded-host', 'x-forwarded-proto']) {
      for (const value of ['', ' ']) {
        const response = await get('/api/session', [
          ['host', 'localhost'],
          [name, value],
        ]);
        expect(response.status, `${name}: ${JSON.stringify(value)}`).toBe(400);
        expect(JSON.parse(response.body).error.code).toBe('BAD_REQUEST');
      }
    }
  });
});
