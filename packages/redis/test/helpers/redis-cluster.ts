import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, sendCommand, startRedis } from '@conveyor/test-redis';

const run = promisify(execFile);
const cli = process.env.REDIS_CLI_BIN ?? 'redis-cli';

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** Startup nodes for `new Cluster(...)`. */
  readonly startupNodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster of `masters` masters and no replicas, each a `startRedis`
 * server on a free port with its own directory. Waits for `cluster_state:ok`.
 * (Meant to move to tooling/test-redis.)
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedis({ cluster: true, args: ['--cluster-node-timeout', '2000'] }));
    }
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        nodes.map((node) => sendCommand(node.port, ['CLUSTER', 'INFO']).catch(() => '')),
      );
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline)
        throw new Error('[test-redis] cluster did not reach cluster_state:ok in 20 s');
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
