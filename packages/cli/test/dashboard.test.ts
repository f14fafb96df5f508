import net from 'node:net';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLoopback, parseCredentials } from '../src/commands/dashboard.js';
import { echo } from './fixtures/tasks.js';
import { cli, producer, spawnConveyor, startCli, uniquePrefix, WAIT_MS } from './helpers.js';

// `conveyor dashboard` in-process (runCli with an abort signal standing for Ctrl-C), and once
// as the built binary stopped by SIGTERM.
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Starts the command in-process with `--port 0 --json`; resolves with its URL once serving. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const interrupt = new AbortController();
  const running = startCli(['dashboard', '--port', '0', '--json', ...args], {
    env,
    signal: interrupt.signal,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + WAIT_MS;
    const poll = () => {
      const line = running.stdout().split('\n')[0] ?? '';
      if (line.startsWith('{')) return resolve((JSON.parse(line) as { url: string }).url);
      if (Date.now() > deadline) return reject(new Error(`no URL printed: ${running.stderr()}`));
      setTimeout(poll, 20);
    };
    void running.done.then((result) =>
      reject(new Error(`exited ${result.code} before serving: ${result.stderr}`)),
    );
    poll();
  });
  return {
    url,
    running,
    stop() {
      interrupt.abort();
      return running.done;
    },
  };
}

describe('conveyor dashboard: refusals, before connecting', () => {
  it('refuses a host other than loopback without auth: exit 11, one line saying why and what to pass', async () => {
    const result = await cli(['dashboard', '--host', '0.0.0.0', '--redis', 'redis://127.0.0.1:1']);
    expect(result.code).toBe(11);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: Refusing to serve the dashboard on "0\.0\.0\.0" without auth: /,
    );
    expect(lines[0]).toContain('Pass --auth user:password (or set CONVEYOR_DASHBOARD_AUTH)');
  });

  it('quotes a malformed --auth or CONVEYOR_DASHBOARD_AUTH, its password masked, and exits 2', async () => {
    // The password went to stderr as typed, and so into shell and CI logs.
    const noColon = await cli(['dashboard', '--auth', 'hunter2pw']);
    expect(noColon.code).toBe(2);
    expect(noColon.stderr).toContain(
      'error: Invalid --auth (a value of 9 characters): it has no ":". Expected user:password',
    );
    const noUser = await cli(['dashboard', '--auth', ':hunter2-pw']);
    expect(noUser.stderr).toContain('error: Invalid --auth ":****": the user name is empty.');
    expect(`${noColon.stderr}${noUser.stderr}`).not.toContain('hunter2');
    const emptyPassword = await cli(['dashboard'], { env: { CONVEYOR_DASHBOARD_AUTH: 'ops:' } });
    expect(emptyPassword.code).toBe(2);
    expect(emptyPassword.stderr).toContain(
      'error: Invalid CONVEYOR_DASHBOARD_AUTH "ops:": the password is empty.',
    );
    const badPath = await cli(['dashboard', '--redact', 'card.number,**']);
    expect(badPath.code).toBe(2);
    expect(badPath.stderr).toContain('error: --redact: Invalid redact path "**"');
    const noPath = await cli(['dashboard', '--redact', ' , ']);
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('error: Invalid --redact " , ": expected comma-separated');
  });

  it('says which port is in use when it cannot listen, in one sentence', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const run = await cli(['dashboard', '--port', String(port), '--redis', redis.url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: Cannot serve the dashboard on 127.0.0.1:${port}: the port is in use (EADDRINUSE): pass another --port`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('splits credentials at the first colon, and knows loopback hosts', () => {
    expect(parseCredentials('ops:a:b', '--auth')).toEqual({ username: 'ops', password: 'a:b' });
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '128.0.0.1']) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});

describe('conveyor dashboard: serving', () => {
  it('asks for the --auth credentials (the flag wins over the environment), then serves the queues', async () => {
    const prefix = uniquePrefix();
    const env = producer(redis.url, prefix);
    const job = await env.client.enqueue(echo, { n: 1 }, { queue: 'cli-dash' });
    await env.close();
    const server = await serve(
      ['--redis', redis.url, '--prefix', prefix, '--auth', 'ops:s3cr:et', '--redact', ' n , '],
      { CONVEYOR_DASHBOARD_AUTH: 'env:other' },
    );
    try {
      const anonymous = await fetch(`${server.url}api/queues`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
      const fromEnv = await fetch(`${server.url}api/queues`, {
        headers: { authorization: basic('env', 'other') },
      });
      expect(fromEnv.status).toBe(401);
      const ok = await fetch(`${server.url}api/queues`, {
        headers: { authorization: basic('ops', 's3cr:et') },
      });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { queues: Array<{ name: string; counts: object }> };
      expect(body.queues.find((queue) => queue.name === 'cli-dash')?.counts).toMatchObject({
        waiting: 1,
      });
      const page = await fetch(`${server.url}api/jobs/${job.id}`, {
        headers: { authorization: basic('ops', 's3cr:et') },
      });
      expect(page.status).toBe(200);
      // --redact: the job's input field never leaves the server.
      expect(((await page.json()) as { job: { input: unknown } }).job.input).toEqual({
        n: '[redacted]',
      });
    } finally {
      const result = await server.stop();
      expect(result.code).toBe(0);
    }
    // Stopped: the port no longer answers.
    await expect(fetch(`${server.url}api/queues`)).rejects.toThrow();
  });

  it('--read-only serves no mutations (405), and loopback without auth says so', async () => {
    const prefix = uniquePrefix();
    const server = await serve(['--redis', redis.url, '--prefix', prefix, '--read-only']);
    try {
      expect(server.running.stderr()).toContain('note: no auth');
      const session = await fetch(`${server.url}api/session`);
      const { csrf } = (await session.json()) as { csrf: string };
      const cookie = session.headers.get('set-cookie')?.split(';')[0] ?? '';
      const retry = await fetch(`${server.url}api/jobs/cli-dash:nope/retry`, {
        method: 'POST',
        headers: {
          origin: new URL(server.url).origin,
          cookie,
          'x-conveyor-csrf': csrf,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      expect(retry.status).toBe(405);
      expect(((await retry.json()) as { error: { code: string } }).error.code).toBe(
        'METHOD_NOT_ALLOWED',
      );
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('serves again after its Redis restarts: a long-running server reconnects', async () => {
    // A one-shot command's connection gives up after a few hundred ms; the dashboard's
    // used to, and then answered 500 "Connection is closed" until it was restarted.
    const own = await startRedis();
    const server = await serve(['--redis', own.url, '--prefix', uniquePrefix()]);
    try {
      expect((await fetch(`${server.url}api/queues`)).status).toBe(200);
      await own.kill();
      // While Redis is down, a listener on its port counts the dashboard's reconnects and
      // drops each at once. A one-shot connection stops after three, and the dashboard has
      // two (commands, pub/sub): the outage lasts until a tenth arrives, which only
      // connections that keep trying make.
      let attempts = 0;
      const stand = net.createServer((socket) => {
        attempts += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => stand.listen(own.port, own.host, resolve));
      try {
        // 503 BROKER_UNAVAILABLE: the request may succeed once Redis is back.
        const down = await fetch(`${server.url}api/queues`);
        expect(down.status).toBe(503);
        expect(((await down.json()) as { error: { code: string } }).error.code).toBe(
          'BROKER_UNAVAILABLE',
        );
        await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(10), {
          timeout: WAIT_MS,
          interval: 50,
        });
      } finally {
        await new Promise((resolve) => stand.close(resolve));
      }
      await own.restart();
      await vi.waitFor(
        async () => expect((await fetch(`${server.url}api/queues`)).status).toBe(200),
        { timeout: WAIT_MS, interval: 100 },
      );
    } finally {
      expect((await server.stop()).code).toBe(0);
      await own.stop();
    }
  });

  it('the built binary serves the pages and stops cleanly on SIGTERM', async () => {
    const prefix = uniquePrefix();
    const child = spawnConveyor([
      'dashboard',
      '--redis',
      redis.url,
      '--prefix',
      prefix,
      '--port',
      '0',
      '--auth',
      'ops:pw',
    ]);
    try {
      await child.waitFor('SIGTERM or Ctrl-C stops it.');
      const url = /Dashboard at (\S+)\. /.exec(child.stdout())?.[1] as string;
      const page = await fetch(url, { headers: { authorization: basic('ops', 'pw') } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      const script = /src="([^"]*app\.js[^"]*)"/.exec(html)?.[1] as string;
      const asset = await fetch(new URL(script, url), {
        headers: { authorization: basic('ops', 'pw') },
      });
      expect(asset.status).toBe(200);
    } finally {
      child.child.kill('SIGTERM');
    }
    const exited = await child.exited;
    expect(exited.code).toBe(0);
    expect(exited.stdout).toContain('Stopped.');
  });
});
