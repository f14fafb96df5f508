import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RedisServer, sendCommand, startRedis } from '../src/index.js';

describe('startRedis', () => {
  let server: RedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('starts a private server on a free port that answers commands', async () => {
    server = await startRedis();
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await sendCommand(server.port, ['SET', 'k', 'v'])).toBe('+OK\r\n');
    expect(await sendCommand(server.port, ['GET', 'k'])).toBe('$1\r\nv\r\n');
  });

  it('keeps data across kill -9 and restart when appendfsync is always', async () => {
    server = await startRedis({ appendfsync: 'always' });
    await sendCommand(server.port, ['SET', 'durable', 'yes']);
    const firstPid = server.pid;
    await server.kill('SIGKILL');
    expect(server.pid).toBeUndefined();
    await expect(sendCommand(server.port, ['PING'])).rejects.toThrow();
    await server.restart();
    expect(server.pid).not.toBe(firstPid);
    expect(await sendCommand(server.port, ['GET', 'durable'])).toBe('$3\r\nyes\r\n');
  });

  it('restart() returns once the server has loaded its append-only file, not while it loads', async () => {
    server = await startRedis({ appendfsync: 'everysec', args: ['--enable-debug-command', 'yes'] });
    const keys = 300_000;
    // Seconds on a busy machine: the helper's 2-s default would give up on it.
    const slow = { timeoutMs: 60_000 };
    expect(await sendCommand(server.port, ['DEBUG', 'POPULATE', String(keys)], slow)).toBe(
      '+OK\r\n',
    );
    // Into the append-only file: a rewrite from the data set, waited for.
    await sendCommand(server.port, ['BGREWRITEAOF'], slow);
    await vi.waitFor(
      async () => {
        const info = await sendCommand(server?.port ?? 0, ['INFO', 'persistence']);
        expect(info).toContain('aof_rewrite_in_progress:0');
        expect(info).toContain('aof_rewrite_scheduled:0');
        expect(info).toContain('aof_last_bgrewrite_status:ok');
      },
      { timeout: 60_000, interval: 50 },
    );
    await server.restart();
    // At once: a server still loading would answer -LOADING.
    expect(await sendCommand(server.port, ['DBSIZE'], slow)).toBe(`:${keys}\r\n`);
  });

  it('starts a cluster node with its bus on a free port below the ephemeral range, kept across restart', async () => {
    server = await startRedis({ cluster: true });
    const busPort = async (port: number) =>
      Number((await sendCommand(port, ['CONFIG', 'GET', 'cluster-port'])).split('\r\n')[4]);
    const bus = await busPort(server.port);
    expect(bus).toBeGreaterThanOrEqual(10_000);
    expect(bus).not.toBe(server.port);
    // Redis' default, the port plus 10,000, can land in the ephemeral range; a chosen one cannot.
    const ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    if (ephemeralLow > 12_000) expect(bus).toBeLessThan(ephemeralLow);
    expect(await sendCommand(server.port, ['CLUSTER', 'MYID'])).toMatch(/^\$40\r\n/);
    await server.restart();
    expect(await busPort(server.port)).toBe(bus);
  });

  it('stop() ends the process and is idempotent', async () => {
    server = await startRedis();
    const { port } = server;
    await server.stop();
    await server.stop();
    await expect(sendCommand(port, ['PING'])).rejects.toThrow();
    await expect(server.restart()).rejects.toThrow(/was stopped/);
  });
});
