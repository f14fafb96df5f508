import { afterEach, describe, expect, it } from 'vitest';
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

  it('stop() ends the process and is idempotent', async () => {
    server = await startRedis();
    const { port } = server;
    await server.stop();
    await server.stop();
    await expect(sendCommand(port, ['PING'])).rejects.toThrow();
    await expect(server.restart()).rejects.toThrow(/was stopped/);
  });
});
