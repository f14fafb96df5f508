import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, sendCommand, startRedis } from '@conveyor/test-redis';
import { sleep } from './harness.js';

const run = promisify(execFile);
const cli = process.env.REDIS_CLI_BIN ?? 'redis-cli';

export interface ChaosCluster {
  readonly nodes: readonly RedisServer[];
  readonly startupNodes: Array<{ host: string; port: number }>;
  /** The node serving `slot` as master now, by asking a live node. */
  masterOf(slot: number): Promise<RedisServer | undefined>;
  /** Waits until every live node reports `cluster_state:ok` and `slot` has a live master. */
  waitHealthy(slot: number, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster of `masters` masters with one replica each (the approach of
 * `packages/redis/test/helpers/redis-cluster.ts`, plus replicas for failover). Waits for
 * `cluster_state:ok` and for every replica's link to be up.
 */
export async function startCluster(masters = 3): Promise<ChaosCluster> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  const live = () => nodes.filter((node) => node.pid !== undefined);
  const info = (node: RedisServer, what: string[]) =>
    sendCommand(node.port, what, { timeoutMs: 1_000 }).catch(() => '');

  async function masterOf(slot: number): Promise<RedisServer | undefined> {
    for (const node of live()) {
      const text = await info(node, ['CLUSTER', 'NODES']);
      for (const line of text.split('\n')) {
        const parts = line.trim().split(' ');
        if (!parts[2]?.includes('master') || parts[2].includes('fail')) continue;
        const port = Number(parts[1]?.split(':')[1]?.split('@')[0]);
        const owns = parts.slice(8).some((range) => {
          const [from, to] = range.split('-').map(Number);
          return from !== undefined && slot >= from && slot <= (to ?? from);
        });
        if (owns) return nodes.find((n) => n.port === port);
      }
    }
    return undefined;
  }

  async function waitHealthy(slot: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const states = await Promise.all(live().map((node) => info(node, ['CLUSTER', 'INFO'])));
      const master = await masterOf(slot);
      if (states.every((s) => s.includes('cluster_state:ok')) && master?.pid !== undefined)
        return true;
      await sleep(200);
    }
    return false;
  }

  try {
    for (let i = 0; i < masters * 2; i++) {
      nodes.push(
        await startRedis({
          appendfsync: 'always',
          cluster: true,
          args: ['--cluster-node-timeout', '2000'],
        }),
      );
    }
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(nodes.map((node) => info(node, ['CLUSTER', 'INFO'])));
      const replication = await Promise.all(
        nodes.map((node) => info(node, ['INFO', 'replication'])),
      );
      const replicasUp = replication.filter(
        (r) => r.includes('role:slave') && r.includes('master_link_status:up'),
      );
      if (states.every((s) => s.includes('cluster_state:ok')) && replicasUp.length === masters)
        break;
      if (Date.now() > deadline) throw new Error('[chaos] cluster with replicas not ready in 30 s');
      await sleep(200);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
    masterOf,
    waitHealthy,
    stop,
  };
}
