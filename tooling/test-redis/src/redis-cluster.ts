import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, type RedisServerOptions, startRedis } from './redis-server.js';
import { sendCommand } from './resp.js';

const run = promisify(execFile);
const cli = process.env.REDIS_CLI_BIN ?? 'redis-cli';

/** The `code` of the error `startRedisCluster` throws when redis-cli cannot be run. */
export const REDIS_CLI_MISSING = 'REDIS_CLI_MISSING';

export interface RedisClusterOptions {
  /** Masters (default 3); `redis-cli --cluster create` splits the 16,384 slots evenly, in order. */
  masters?: number;
  /** Replicas per master (default 0), for failover tests. */
  replicas?: number;
  /** `cluster-node-timeout` in ms (default 2,000): how soon a dead master is failed over. */
  nodeTimeoutMs?: number;
  /** How long to wait for `cluster_state:ok` (and every replica's link) after joining (default 30 s). */
  readyTimeoutMs?: number;
  /** Passed to every node's `startRedis`, e.g. `appendfsync`. */
  server?: Pick<RedisServerOptions, 'appendfsync' | 'startTimeoutMs'>;
}

export interface RedisCluster {
  /** Every node, in start order (masters first, as `--cluster create` assigns them). */
  readonly nodes: readonly RedisServer[];
  /** Startup nodes for ioredis' `new Cluster(...)`. */
  readonly startupNodes: Array<{ host: string; port: number }>;
  /** Stops every node and removes their directories. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a private Redis Cluster: `masters × (1 + replicas)` private `redis-server` nodes,
 * each on free ports with its own directory (never the shared Redis), joined with
 * `redis-cli --cluster create`. Resolves once every node reports `cluster_state:ok` and every
 * replica's link to its master is up; stops what it started when anything fails.
 *
 * @example
 * const cluster = await startRedisCluster({ masters: 3 });
 * afterAll(() => cluster.stop());
 * const client = new Cluster(cluster.startupNodes);
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  const ask = (node: RedisServer, command: string[]) =>
    sendCommand(node.port, command, { timeoutMs: 1_000 }).catch(() => '');
  try {
    // In parallel; every node that started is stopped again if another failed to.
    const started = await Promise.allSettled(
      Array.from({ length: masters * (1 + replicas) }, () =>
        startRedis({
          ...options.server,
          cluster: true,
          args: ['--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2_000)],
        }),
      ),
    );
    for (const outcome of started) if (outcome.status === 'fulfilled') nodes.push(outcome.value);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      // A code of its own, so that a caller can add what it can do without a cluster.
      throw Object.assign(
        new Error(
          `[test-redis] "${cli}" was not found on PATH; a Redis Cluster is joined with it. Install Redis's CLI (apt-get install redis-tools) or set REDIS_CLI_BIN to its path.`,
          { cause: error },
        ),
        { code: REDIS_CLI_MISSING },
      );
    });
    const readyMs = options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + readyMs;
    for (;;) {
      const states = await Promise.all(nodes.map((node) => ask(node, ['CLUSTER', 'INFO'])));
      const linked =
        replicas === 0
          ? 0
          : (await Promise.all(nodes.map((node) => ask(node, ['INFO', 'replication'])))).filter(
              (info) => info.includes('role:slave') && info.includes('master_link_status:up'),
            ).length;
      if (
        states.every((info) => info.includes('cluster_state:ok')) &&
        linked === masters * replicas
      )
        break;
      if (Date.now() > deadline) {
        throw new Error(
          `[test-redis] the cluster of ${nodes.length} nodes was not ready (cluster_state:ok${replicas > 0 ? ', replicas linked' : ''}) within ${readyMs / 1_000} s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
    stop,
  };
}
