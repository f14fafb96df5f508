import { request as httpRequest } from 'node:http';
import { memoryTransport } from '@conveyor/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createDashboard, DashboardError } from '../src/index.js';
import { basic, enqueue, killAll, login, PASSWORD, type Served, serve, USER } from './helpers.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('createDashboard', () => {
  test('refuses to start without auth or authorize (DASHBOARD_AUTH_REQUIRED)', () => {
    const transport = memoryTransport();
    let thrown: unknown;
    try {
      createDashboard({ transport });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DashboardError);
    expect((thrown as DashboardError).code).toBe('DASHBOARD_AUTH_REQUIRED');
    expect((thrown as DashboardError).message).toContain("auth: 'none'");
  });

  test('names a bad option and says what it expects', () => {
    const transport = memoryTransport();
    expect(() => createDashboard({ transport, auth: 'none', basePath: '/admin/' })).toThrow(
      /basePath "\/admin\/"/,
    );
    expect(() => createDashboard({ transport, auth: 'none', redact: ['card..number'] })).toThrow(
      /redact path "card\.\.number"/,
    );
    expect(() => createDashboard({ transport, auth: { username: 'a:b', password: 'x' } })).toThrow(
      DashboardError,
    );
  });
});

describe('basePath', () => {
  test.each([
    '/a;b',
    '/admin;Domain=evil.example',
    '/admin/../x',
    '/admin/./x',
    '/..',
    '/admin/..',
    '/a%2Fb',
    '/a b',
    '/a,b',
    'admin',
    '//admin',
  ])('%j is refused with INVALID_OPTION, quoting it and saying what is allowed', (basePath) => {
    let thrown: unknown;
    try {
      createDashboard({ transport: memoryTransport(), auth: 'none', basePath });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as DashboardError | undefined)?.code).toBe('INVALID_OPTION');
    expect((thrown as Error).message).toContain(`basePath ${JSON.stringify(basePath)}`);
    expect((thrown as Error).message).toMatch(/letters, digits/);
  });

  test.each(['', '/admin', '/ops/queues', '/v1.2/a_b~c-d', '/..admin'])(
    '%j is taken, and the cookie path is it',
    async (basePath) => {
      const dashboard = createDashboard({ transport: memoryTransport(), auth: 'none', basePath });
      const response = await dashboard(new Request(`http://localhost${basePath}/api/session`));
      expect(response.status).toBe(200);
      expect(response.headers.get('set-cookie')).toContain(`; Path=${basePath || '/'}; HttpOnly`);
      await dashboard.close();
    },
  );
});

describe('basic auth', () => {
  test('401 with a challenge without credentials and with wrong ones, on pages and the API', async () => {
    served = await serve();
    for (const path of ['/', '/jobs/x', '/api/queues', '/api/events', '/assets/app.js']) {
      const none = await fetch(`${served.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="Conveyor"/);
      expect(none.headers.get('set-cookie')).toBeNull();
      await none.arrayBuffer();
    }
    const wrongPassword = await fetch(`${served.url}/api/queues`, {
      headers: { authorization: basic(USER, `${PASSWORD}!`) },
    });
    expect(wrongPassword.status).toBe(401);
    expect(await wrongPassword.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'Wrong user name or password.' },
    });
    const wrongUser = await fetch(`${served.url}/api/queues`, {
      headers: { authorization: basic('root', PASSWORD) },
    });
    expect(wrongUser.status).toBe(401);
    const garbage = await fetch(`${served.url}/api/queues`, {
      headers: { authorization: 'Basic !!!' },
    });
    expect(garbage.status).toBe(401);
    const ok = await fetch(`${served.url}/api/queues`, { headers: { authorization: basic() } });
    expect(ok.status).toBe(200);
  });

  test("auth: 'none' serves everyone, with write access", async () => {
    served = await serve({ auth: 'none' });
    const session = await fetch(`${served.url}/api/session`);
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ access: 'write', readOnly: false });
  });
});

describe('authorize hook', () => {
  test("'read' may GET but not POST (403); false is 401 without credentials, 403 with", async () => {
    served = await serve({
      auth: undefined,
      authorize: (request) => {
        const who = request.headers.get('authorization');
        if (who === 'Bearer reader') return 'read';
        if (who === 'Bearer writer') return 'write';
        return false;
      },
      actor: (request) => `token:${request.headers.get('authorization')?.slice(7)}`,
    });
    const id = await enqueue(served.transport);
    await killAll(served.transport);

    const anonymous = await fetch(`${served.url}/api/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBeNull();
    const stranger = await fetch(`${served.url}/api/queues`, {
      headers: { authorization: 'Bearer stranger' },
    });
    expect(stranger.status).toBe(403);
    expect((await stranger.json()).error.code).toBe('FORBIDDEN');

    const reader = await login(served, 'Bearer reader');
    expect((await reader.get('/api/queues')).status).toBe(200);
    const refused = await reader.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('FORBIDDEN');
    expect((await served.transport.getJob(id))?.state).toBe('dead');
    const shell = await (await reader.get('/')).text();
    expect(shell).toContain('<meta name="conveyor-access" content="read">');

    const writer = await login(served, 'Bearer writer');
    const retried = await writer.post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    expect(retried.status).toBe(200);
    const audit = await (await writer.get(`/api/audit?jobId=${encodeURIComponent(id)}`)).json();
    expect(audit.entries).toMatchObject([
      { actor: 'token:writer', action: 'job.retry', jobId: id },
    ]);
  });
});

describe('an exception before authentication', () => {
  const leak = 'pg: password authentication failed for user "dash_admin" at 10.0.3.7:5432';

  /** A logger that keeps what it is given. */
  function recordingLogger() {
    const lines: Array<{ fields: Record<string, unknown>; message: string | undefined }> = [];
    return {
      lines,
      error: ((fields: Record<string, unknown>, message?: string) => {
        lines.push({ fields, message });
      }) as never,
    };
  }

  test("the authorize hook's error stays on the server: a generic 500 says to read its log", async () => {
    const logger = recordingLogger();
    served = await serve({
      auth: undefined,
      authorize: async () => {
        throw new Error(leak);
      },
      logger,
    });
    const api = await fetch(`${served.url}/api/queues`);
    expect(api.status).toBe(500);
    const body = (await api.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.message).toMatch(/authorize hook failed.*server's log/);
    const page = await fetch(`${served.url}/`);
    expect(page.status).toBe(500);
    const text = await page.text();
    expect(text).toMatch(/authorize hook failed/);
    for (const answer of [JSON.stringify(body), text]) {
      expect(answer).not.toContain('dash_admin');
      expect(answer).not.toContain('10.0.3.7');
    }
    expect(logger.lines).toHaveLength(2);
    expect((logger.lines[0]?.fields.err as Error | undefined)?.message).toBe(leak);
    expect(logger.lines[0]?.fields).toMatchObject({ method: 'GET', path: '/api/queues' });
  });

  test('a hook that throws synchronously or answers no decision is told the same way', async () => {
    const logger = recordingLogger();
    const answers: unknown[] = [{ user: 'dash_admin', token: 's3cret' }];
    served = await serve({
      auth: undefined,
      authorize: () => {
        const answer = answers.shift();
        if (answer === undefined) throw new TypeError(leak);
        return answer as 'read';
      },
      logger,
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${served.url}/api/queues`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).toMatch(/authorize hook failed/);
      expect(text).not.toContain('dash_admin');
      expect(text).not.toContain('s3cret');
    }
    expect(logger.lines.map((line) => (line.fields.err as Error).message)).toEqual([
      expect.stringContaining('s3cret'),
      leak,
    ]);
  });

  test("an operator still reads a transport's message (and the log has it too)", async () => {
    const logger = recordingLogger();
    const transport = memoryTransport();
    const admin = transport.admin as NonNullable<typeof transport.admin>;
    admin.listQueues = async () => {
      throw new Error('Redis unreachable');
    };
    served = await serve({ transport, logger });
    const response = await fetch(`${served.url}/api/queues`, {
      headers: { authorization: basic() },
    });
    expect(response.status).toBe(500);
    expect((await response.json()).error.message).toContain('Redis unreachable');
    expect((logger.lines[0]?.fields.err as Error | undefined)?.message).toBe('Redis unreachable');
    await transport.close();
  });
});

describe('read-only', () => {
  test('serves pages and GETs but no mutation at all (405), and says so in the shell', async () => {
    served = await serve({ readOnly: true });
    const id = await enqueue(served.transport);
    await killAll(served.transport);
    const client = await login(served);
    for (const path of [
      `/api/jobs/${encodeURIComponent(id)}/retry`,
      `/api/jobs/${encodeURIComponent(id)}/cancel`,
      '/api/dead/preview',
      '/api/dead/retry',
      '/api/dead/purge',
    ]) {
      const response = await client.post(path, { ids: [id], filter: {} });
      expect(response.status, path).toBe(405);
      expect((await response.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    }
    expect((await served.transport.getJob(id))?.state).toBe('dead');
    const shell = await (await client.get('/')).text();
    expect(shell).toContain('<meta name="conveyor-read-only" content="true">');
    expect(await (await client.get('/api/session')).json()).toMatchObject({ readOnly: true });
  });
});

describe('allowed hosts (DNS-rebinding guard)', () => {
  const page = (host: string) => new Request(`http://${host}/api/queues`);

  test("auth: 'none' answers only to loopback names unless allowedHosts says otherwise", async () => {
    const open = createDashboard({ transport: memoryTransport(), auth: 'none' });
    for (const host of ['localhost:5555', '127.0.0.1:5555', '[::1]:5555', 'app.localhost']) {
      expect((await open(page(host))).status).toBe(200);
    }
    const rebound = await open(page('attacker.example:5555'));
    expect(rebound.status).toBe(403);
    const body = (await rebound.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('HOST_NOT_ALLOWED');
    expect(body.error.message).toContain('"attacker.example:5555"');
    expect(body.error.message).toContain('allowedHosts');
    await open.close();

    const named = createDashboard({
      transport: memoryTransport(),
      auth: 'none',
      allowedHosts: ['Dashboard.Example.com'],
    });
    expect((await named(page('dashboard.example.com'))).status).toBe(200);
    expect((await named(page('localhost'))).status).toBe(403);
    await named.close();
  });

  test('with credentials, any host is answered (a rebinding page does not know them)', async () => {
    const guarded = createDashboard({
      transport: memoryTransport(),
      auth: { username: USER, password: PASSWORD },
    });
    const request = new Request('http://dashboard.internal:8080/api/queues', {
      headers: { authorization: basic(USER, PASSWORD) },
    });
    expect((await guarded(request)).status).toBe(200);
    await guarded.close();
  });
});

describe('allowed hosts over node:http', () => {
  /** A raw GET with its own Host header and request target, as a rebinding page's fetch sends it. */
  function rawGet(port: number, host: string, target: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, path: target, headers: { host } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  test('a target starting with // (or /\\) or in absolute form does not pass as a loopback host', async () => {
    served = await serve({ auth: 'none' });
    const port = Number(new URL(served.origin).port);
    // A page at http://attacker.example (rebound to 127.0.0.1) fetching
    // `location.origin + '//localhost/api/session'` sends this target with its own Host.
    for (const target of [
      '//localhost/api/session',
      `//localhost:${port}/api/queues`,
      '/\\localhost/api/session',
      `http://localhost:${port}/api/session`,
    ]) {
      expect(await rawGet(port, `attacker.example:${port}`, target), target).toBe(403);
    }
    // The same targets under the loopback name are still served (`//` is only an empty segment).
    expect(await rawGet(port, `localhost:${port}`, '//api/session')).toBe(200);
    expect(await rawGet(port, `localhost:${port}`, `http://localhost:${port}/api/session`)).toBe(
      200,
    );
  });
});
