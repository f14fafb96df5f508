/**
 * A private local Redis Cluster for the cluster cases: `masters` masters, no replicas
 * (`startRedisCluster` from the test helper, as packages/redis's tests use: private servers
 * on free ports, never the shared Redis, the 16,384 slots split evenly in order), with a
 * direct connection to each master for its CPU and slots.
 */
import { REDIS_CLI_MISSING, startRedisCluster } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import type { ClusterNodes } from './systems/types.js';

/** One master: its slot range and a direct connection for INFO and FLUSHALL. */
export interface ClusterMaster {
  /** `5461–10922` */
  readonly slots: string;
  readonly firstSlot: number;
  readonly redis: Redis;
}

export interface BenchCluster {
  readonly startupNodes: ClusterNodes;
  /** The masters in slot order (the first owns slot 0). */
  readonly masters: readonly ClusterMaster[];
  /** `used_cpu_user + used_cpu_sys` of each master, in ms, in slot order. */
  cpuMs(): Promise<number[]>;
  /** FLUSHALL on every master (the cluster is the harness's own). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

function cpuOf(info: string): number {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
    if (!match?.[1]) throw new Error(`[bench] INFO cpu has no ${name}`);
    return Number(match[1]);
  };
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1_000;
}

/** The slot ranges a node owns, from CLUSTER SHARDS' view of itself (`CLUSTER MYID`). */
async function slotsOf(redis: Redis): Promise<{ slots: string; firstSlot: number }> {
  const myId = (await redis.call('CLUSTER', 'MYID')) as string;
  const lines = ((await redis.call('CLUSTER', 'NODES')) as string).split('\n');
  const mine = lines.find((line) => line.startsWith(myId));
  const ranges = mine?.split(' ').slice(8) ?? [];
  if (ranges.length === 0) throw new Error(`[bench] cluster node ${myId} owns no slots`);
  const first = Number(ranges[0]?.split('-')[0]);
  return { slots: ranges.join(',').replaceAll('-', '–'), firstSlot: first };
}

export async function startBenchCluster(masters = 3): Promise<BenchCluster> {
  const cluster = await startRedisCluster({ masters, nodeTimeoutMs: 5_000 }).catch(
    (error: Error & { code?: string }) => {
      if (error.code !== REDIS_CLI_MISSING) throw error;
      throw new Error(
        `[bench] ${error.message} Or run the other cases without the cluster ones: --cases 1,2,3,4,5,6,7,8,9,10,11,12.`,
        { cause: error },
      );
    },
  );
  const connections: Redis[] = [];
  const stop = async () => {
    for (const redis of connections) redis.disconnect();
    await cluster.stop();
  };
  try {
    const found: ClusterMaster[] = [];
    for (const node of cluster.nodes) {
      const redis = new Redis(node.url, { maxRetriesPerRequest: null });
      connections.push(redis);
      found.push({ ...(await slotsOf(redis)), redis });
    }
    found.sort((a, b) => a.firstSlot - b.firstSlot);
    return {
      startupNodes: cluster.startupNodes,
      masters: found,
      async cpuMs() {
        return Promise.all(found.map(async ({ redis }) => cpuOf(await redis.info('cpu'))));
      },
      async flush() {
        await Promise.all(found.map(({ redis }) => redis.flushall()));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
