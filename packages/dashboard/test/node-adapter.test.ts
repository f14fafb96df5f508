// toNodeHandler over raw sockets: requests a fetch() client cannot send (no Host, two Host
// lines, TRACE, a chunked body that never ends).

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { memoryTransport } from '@conveyor/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDashboard, type Dashboard, toNodeHandler } from '../src/index.js';
import { basic } from './helpers.js';

const transport = memoryTransport();
const servers: Array<{ server: Server; dashboard: Dashboard }> = [];
let authPort: number;

async function start(dashboard: Dashboard): Promise<number> {
  const server = createServer(toNodeHandler(dashboard));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push({ server, dashboard });
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  authPort = await start(
    createDashboard({ transport, auth: { username: 'ops', password: 'correct horse' } }),
  );
});
afterAll(async () => {
  for (const { server, dashboard } of servers) {
    await dashboard.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await transport.close();
});

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Writes `head` (and then `body`, if any) on a new connection, and answers the response once
 * its head and `Content-Length` bytes of body have arrived (or the connection closed),
 * whatever is still being written.
 */
function raw(port: number, head: string, body?: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (answer: RawAnswer | Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headText = text.slice(0, end);
      const declared = /\r\ncontent-length: *(\d+)/i.exec(headText)?.[1];
      // Without a length (HTTP/1.0), the body ends with the connection.
      if (declared === undefined) return;
      const length = Number(declared);
      if (received.byteLength < end + 4 + length) return;
      settle({
        status: Number(headText.split(' ')[1]),
        head: headText,
        body: received.subarray(end + 4, end + 4 + length).toString('utf8'),
      });
    });
    // The server may close while the body is still being written: the answer is what counts.
    socket.on('error', (error) => {
      if (received.byteLength === 0) settle(error);
    });
    socket.on('close', () => {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return settle(new Error(`closed with ${JSON.stringify(text)}`));
      settle({
        status: Number(text.split(' ')[1]),
        head: text.slice(0, end),
        body: received.subarray(end + 4).toString('utf8'),
      });
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}

/** A 2 MiB chunked body in 64 KiB chunks, without its last chunk: it never ends. */
function unendingChunks(): Buffer {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const parts: Buffer[] = [];
  for (let i = 0; i < 32; i++)
    parts.push(Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

describe('authentication before the body', () => {
  test('an unauthenticated chunked POST of 2 MiB is answered 401, not 413', async () => {
    const answer = await raw(
      authPort,
      'POST /api/dead/preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      unendingChunks(),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe('UNAUTHORIZED');
    expect(answer.head).toMatch(/\r\nconnection: close/i);
  });

  test('an unauthenticated POST is answered before its body is sent', async () => {
    // Only the head: a server that read the body first would wait for it.
    const answer = await raw(
      authPort,
      'POST /api/dead/preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    expect(answer.status).toBe(401);
  });

  test('an authenticated chunked POST over the limit is still 413', async () => {
    const authorization = basic('ops', 'correct horse');
    const session = await fetch(`http://127.0.0.1:${authPort}/api/session`, {
      headers: { authorization },
    });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];
    const { csrf } = (await session.json()) as { csrf: string };
    const answer = await raw(
      authPort,
      `POST /api/dead/preview HTTP/1.1\r\nHost: 127.0.0.1:${authPort}\r\nOrigin: http://127.0.0.1:${authPort}\r\nAuthorization: ${authorization}\r\nCookie: ${cookie}\r\nX-Conveyor-Csrf: ${csrf}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      unendingChunks(),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('Expect: 100-continue', () => {
  /** A dashboard whose server hands checkContinue to the handler, as the README says. */
  async function startContinuing(): Promise<number> {
    const dashboard = createDashboard({
      transport,
      auth: { username: 'ops', password: 'correct horse' },
    });
    const handler = toNodeHandler(dashboard);
    const server = createServer(handler).on('checkContinue', handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push({ server, dashboard });
    return (server.address() as AddressInfo).port;
  }

  test('an unauthenticated POST is answered 401 without a 100 Continue first', async () => {
    const port = await startContinuing();
    // Only the head: a 100 would be read here as the answer's status.
    const answer = await raw(
      port,
      'POST /api/dead/preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
    );
    expect(answer.status).toBe(401);
  });

  test('an authenticated POST is told 100 Continue, then answered once its body came', async () => {
    const port = await startContinuing();
    const authorization = basic('ops', 'correct horse');
    const session = await fetch(`http://127.0.0.1:${port}/api/session`, {
      headers: { authorization },
    });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];
    const { csrf } = (await session.json()) as { csrf: string };
    const body = Buffer.from(JSON.stringify({ queue: 'none' }));
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.includes(text)) resolve();
        };
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          check();
        });
        socket.on('close', () => reject(new Error(`closed with ${JSON.stringify(received)}`)));
        check();
      });
    const continued = seen('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write(
      `POST /api/dead/preview HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nAuthorization: ${authorization}\r\nCookie: ${cookie}\r\nX-Conveyor-Csrf: ${csrf}\r\nContent-Type: application/json\r\nContent-Length: ${body.byteLength}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await continued;
    const answered = seen('\r\n\r\n{');
    socket.write(body);
    await answered;
    socket.destroy();
    expect(received.split('\r\n\r\n')[1]).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('methods a Fetch Request cannot carry', () => {
  test.each(['TRACE'])(
    '%s is 405 METHOD_NOT_ALLOWED, not a 500 quoting a TypeError',
    async (method) => {
      const answer = await raw(
        authPort,
        `${method} /api/queues HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      );
      expect(answer.status).toBe(405);
      expect(answer.head).toMatch(/\r\nallow: GET, HEAD, POST/i);
      const { error } = JSON.parse(answer.body);
      expect(error.code).toBe('METHOD_NOT_ALLOWED');
      expect(error.message).not.toMatch(/TypeError/);
    },
  );
});

describe('the Host header', () => {
  let openPort: number;
  beforeAll(async () => {
    // No credentials: the DNS-rebinding guard answers only to loopback names.
    openPort = await start(createDashboard({ transport, auth: 'none' }));
  });

  test.each([
    ['no Host (HTTP/1.0)', 'GET /api/queues HTTP/1.0\r\n\r\n'],
    ['an empty Host', 'GET /api/queues HTTP/1.1\r\nHost:\r\n\r\n'],
    ['two Host lines', 'GET /api/queues HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n'],
  ])('%s is 400, not read as localhost', async (_, head) => {
    const answer = await raw(openPort, head);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.code).toBe('BAD_REQUEST');
  });

  test('a loopback Host is answered', async () => {
    const answer = await raw(openPort, 'GET /api/queues HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});
