import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { silentLogger } from '@conveyor/core';
import { makeEnvelope, uniqueQueue } from '@conveyor/core/testing';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, packageDir, startCli, uniquePrefix } from './helpers.js';

// What --redis (or REDIS_URL) may name, and what the CLI does when the URL points somewhere
// other than a Redis database it can use: it refuses before any command touches data.

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** One waiting job in database 0 under `prefix`; resolves with a way to read its state. */
async function jobInDatabaseZero(prefix: string, queue: string) {
  const transport = redisTransport({ url: redis.url, prefix, logger: silentLogger });
  const envelope = makeEnvelope(queue);
  await transport.enqueue([{ envelope }]);
  return {
    state: async () => (await transport.getJob(envelope.id))?.state,
    close: () => transport.close(),
  };
}

/** `conveyor status` against a local TCP server (not Redis) that treats each connection so. */
async function statusAgainst(serve: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    return await cli(['status', '--redis', `redis://127.0.0.1:${port}`]);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('--redis', () => {
  it('refuses an empty value instead of falling back to REDIS_URL or the default', async () => {
    const run = await cli(['status', '--redis', ''], { env: { REDIS_URL: redis.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid --redis "": expected a URL like redis://');
  });

  it('refuses a database that is not a number, naming where the URL came from', async () => {
    for (const db of ['abc', '-1', '1x']) {
      const flag = await cli(['status', '--redis', `${redis.url}/${db}`]);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain(
        `Invalid --redis "${redis.url}/${db}": expected a database number`,
      );
    }
    const fromEnv = await cli(['dead', 'q'], { env: { REDIS_URL: `${redis.url}/abc` } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(`Invalid REDIS_URL "${redis.url}/abc"`);
  });

  it('refuses a database the server does not have, and purges nothing in database 0', async () => {
    const prefix = uniquePrefix();
    const queue = uniqueQueue('cli-db');
    const job = await jobInDatabaseZero(prefix, queue);
    const purgeIn = (db: number) =>
      cli(['purge', queue, '--yes', '--redis', `${redis.url}/${db}`, '--prefix', prefix]);
    try {
      const purge = await purgeIn(99);
      expect(purge.code).toBe(2);
      expect(purge.stderr).toContain('Redis has no database 99');
      expect(purge.stdout).not.toContain('Purged');
      expect(await job.state()).toBe('waiting');

      // A database it has is used: the job in database 0 is not there.
      const other = await purgeIn(3);
      expect(other.code).toBe(0);
      expect(other.stdout).toContain('Purged 0');
      expect(await job.state()).toBe('waiting');
    } finally {
      await job.close();
    }
  });

  it("refuses a config's transport at a database the server does not have: bad usage (exit 2), as with --redis", async () => {
    // It was "cannot reach its broker" (exit 3), as if Redis were down.
    const dir = path.join(packageDir, '.tmp', `db-config-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'conveyor.config.mjs');
    writeFileSync(
      config,
      `import { redisTransport } from '@conveyor/redis';\nexport default { transport: () => redisTransport({ url: ${JSON.stringify(`${redis.url}/99`)} }) };\n`,
    );
    try {
      const run = await cli(['status', '--config', config]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `conveyor.config.mjs was refused: Invalid url "${redis.url}/99": expected a database this Redis has`,
      );
      expect(run.stderr).toContain('Fix the settings its transport function passes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with exit 3 on a server that accepts the connection and never answers', async () => {
    const run = await statusAgainst(() => {});
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'accepted the connection but did not answer before the command timed out',
    );
  });

  it('names a server that does not speak Redis (an HTTP server on the port)', async () => {
    const run = await statusAgainst((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('does not speak the Redis protocol: is that the Redis port?');
    expect(run.stderr).not.toContain('Unknown RESP type');
  });

  it('says that a node of a Redis Cluster needs a config, not that it cannot be reached', async () => {
    // A stand-in for one node of a 3-master cluster: it answers what the connection asks, and
    // INFO and CLUSTER INFO as such a node does.
    const run = await statusAgainst((socket) => {
      let pending = '';
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        for (;;) {
          const parsed = readCommand(pending);
          if (!parsed) return;
          pending = pending.slice(parsed.length);
          const [name, sub] = parsed.words.map((word) => word.toLowerCase());
          const bulk = (text: string) => `$${text.length}\r\n${text}\r\n`;
          if (name === 'info') socket.write(bulk('cluster_enabled:1\r\nloading:0\r\n'));
          else if (name === 'cluster' && sub === 'info')
            socket.write(bulk('cluster_state:ok\r\ncluster_size:3\r\n'));
          else if (name === 'time') socket.write(`*2\r\n${bulk('1796000000')}${bulk('0')}`);
          else socket.write('+OK\r\n');
        }
      });
    });
    // It said "Cannot reach Redis at …", exit 3: the server was reached, and is no single one.
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is one node of a Redis Cluster of 3 masters');
    expect(run.stderr).toContain(
      '--redis connects to one Redis server; for a Redis Cluster, run the command with a config whose transport connects to the Cluster',
    );
    expect(run.stderr).not.toContain('Cannot reach');
  });
});

/** One RESP command (an array of bulk strings) at the start of `text`, and its length. */
function readCommand(text: string): { words: string[]; length: number } | undefined {
  const head = /^\*(\d+)\r\n/.exec(text);
  if (!head) return undefined;
  let at = head[0].length;
  const words: string[] = [];
  for (let n = 0; n < Number(head[1]); n++) {
    const size = /^\$(\d+)\r\n/.exec(text.slice(at));
    if (!size) return undefined;
    const start = at + size[0].length;
    const end = start + Number(size[1]);
    if (text.length < end + 2) return undefined;
    words.push(text.slice(start, end));
    at = end + 2;
  }
  return { words, length: at };
}

describe('a Redis that goes away while a command runs', () => {
  it('ends status --watch with exit 3, not a promise to reconnect', async () => {
    const doomed = await startRedis();
    const watching = startCli(['status', '--watch', '1', '--redis', doomed.url]);
    try {
      await expect.poll(() => watching.stdout().length, { timeout: 15_000 }).toBeGreaterThan(0);
      await doomed.stop();
      const run = await watching.done;
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        `error: Cannot reach Redis at ${doomed.url} (the connection was lost`,
      );
      expect(run.stderr).not.toContain('keeps reconnecting');
    } finally {
      await doomed.stop();
    }
  });

  it('with --json too, names the URL (password masked) and says the connection was lost, in no client terms', async () => {
    const doomed = await startRedis();
    const url = new URL(doomed.url);
    url.username = 'default';
    url.password = 'hunter2';
    // Redis with no password takes any for the default user: the URL is just that, masked.
    const watching = startCli(['status', '--watch', '1', '--json', '--redis', url.href]);
    try {
      await expect.poll(() => watching.stdout().length, { timeout: 15_000 }).toBeGreaterThan(0);
      await doomed.stop();
      const run = await watching.done;
      expect(run.code).toBe(3);
      // Before: "Lost the connection to Redis (Reached the max retries per request limit
      // (which is 1). Refer to "maxRetriesPerRequest" option for details.)", and no URL.
      expect(run.stderr).toMatch(
        /^error: Cannot reach Redis at redis:\/\/default:\*+@127\.0\.0\.1:\d+\/? \(the connection was lost(\)| and reconnecting got E[A-Z]+\))\. Check that Redis is running and reachable there, then run the command again\.$/m,
      );
      expect(run.stderr).not.toMatch(/maxRetriesPerRequest|max retries|hunter2/);
    } finally {
      await doomed.stop();
    }
  });
});
