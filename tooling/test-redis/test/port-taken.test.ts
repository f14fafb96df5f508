import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../src/free-port.js';
import { type RedisServer, sendCommand, startRedis } from '../src/index.js';

// The first port this file's findFreePort hands out is one a test holds already: what another
// process's server does when it binds a port between the probe and redis-server's bind.
const taken = vi.hoisted(() => ({ port: undefined as number | undefined }));
vi.mock('../src/free-port.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/free-port.js')>();
  return {
    findFreePort: async () => {
      const port = taken.port;
      taken.port = undefined;
      return port ?? real.findFreePort();
    },
  };
});

/** A server on `port` that answers anything with +PONG; `stop` drops its connections too. */
function listen(port: number): Promise<{ stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.end('+PONG\r\n');
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ stop }));
  });
}

describe('startRedis when its port is taken', () => {
  const opened: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const item of opened.splice(0)) await item.stop();
    taken.port = undefined;
  });
  const hold = async (port: number) => {
    opened.push(await listen(port));
  };
  const started = (server: RedisServer) => {
    opened.push(server);
    return server;
  };

  it('moves to another free port when the one it found is bound before the server binds it', async () => {
    const port = await findFreePort();
    await hold(port);
    taken.port = port;
    const server = started(await startRedis());
    expect(server.port).not.toBe(port);
    expect(await sendCommand(server.port, ['SET', 'k', 'v'])).toBe('+OK\r\n');
  });

  it('fails on a fixed port that something else answers on, instead of taking that for its server', async () => {
    // The holder answers every command with +PONG, as another Redis would answer a PING.
    const port = await findFreePort();
    await hold(port);
    await expect(startRedis({ port })).rejects.toThrow(
      new RegExp(
        `redis-server on port ${port} exited during start-up [\\s\\S]*Address already in use`,
      ),
    );
  });
});
