import { type RedisServer, sendCommand, startRedisCluster } from '@conveyor/test-redis';
import { sleep } from './harness.js';

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
 * A private Redis Cluster of `masters` masters with one replica each, for failover
 * (`startRedisCluster`, every node with an fsync'd append-only file), and the lookups the
 * failover scenario needs.
 */
export async function startCluster(masters = 3): Promise<ChaosCluster> {
  const cluster = await startRedisCluster({
    masters,
    replicas: 1,
    server: { appendfsync: 'always' },
  });
  const { nodes } = cluster;
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

  return {
    nodes,
    startupNodes: cluster.startupNodes,
    masterOf,
    waitHealthy,
    stop: () => cluster.stop(),
  };
}
