import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where free ports are looked for: below the kernel's ephemeral range. A port the OS hands
 * out for `listen(0)` comes from that range, and so does the source port of every outgoing
 * connection: between the probe closing and the real server binding, a test's Redis client
 * could take it (EADDRINUSE, seen in CI). Ports below the range are never taken that way.
 */
function candidateRange(): [number, number] {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 12_000) return [10_000, low];
  } catch {
    // Not Linux: macOS and Windows hand out 49152 and up.
  }
  return [10_000, 32_768];
}

const [LOW, HIGH] = candidateRange();
/** Ports this process handed out: never hand one out twice. */
const given = new Set<number>();

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Finds a free TCP port on 127.0.0.1, outside the ephemeral range, not given out before. */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (given.has(port)) continue;
    given.add(port);
    if (await probe(port)) return port;
  }
  throw new Error(
    `[test-redis] no free TCP port found on 127.0.0.1 between ${LOW} and ${HIGH} after 200 tries`,
  );
}
