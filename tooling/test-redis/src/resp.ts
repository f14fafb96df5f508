import { connect } from 'node:net';

/** True once a simple reply (+, -, :) or a whole bulk string ($) has arrived. */
function isComplete(reply: string): boolean {
  const headerEnd = reply.indexOf('\r\n');
  if (headerEnd === -1) return false;
  if (!reply.startsWith('$')) return true;
  const length = Number(reply.slice(1, headerEnd));
  if (length < 0) return true;
  return Buffer.byteLength(reply) >= headerEnd + 2 + length + 2;
}

/**
 * Sends one command to a Redis server over a fresh socket and returns the raw RESP reply
 * (simple strings, errors, integers and bulk strings; not arrays).
 * Enough for health checks and shutdown without pulling a client library into the helper.
 */
export function sendCommand(
  port: number,
  args: readonly string[],
  { host = '127.0.0.1', timeoutMs = 2_000 }: { host?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`[test-redis] ${args[0]} to ${host}:${port} timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      const frame = [`*${args.length}`];
      for (const arg of args) frame.push(`$${Buffer.byteLength(arg)}`, arg);
      socket.write(`${frame.join('\r\n')}\r\n`);
    });
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (isComplete(reply)) finish();
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
  });
}
