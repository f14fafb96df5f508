/**
 * A private local Redis Cluster for the cluster cases: `masters` masters, no replicas,
 * each a `startRedis` server on free ports with its own directory (never the shared Redis),
 * joined with `redis-cli --cluster create`, which splits the 16,384 slots evenly in order.
 * (packages/redis's tests build theirs the same way.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, sendCommand, startRedis } from '@conveyor/test-redis';
import { Redis } from 'ioredis';
import type { ClusterNodes } from './systems/types.js';

const run = promisify(execFile);
const cli = process.env.REDIS_CLI_BIN ?? 'redis-cli';

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
  const nodes: RedisServer[] = [];
  const connections: Redis[] = [];
  const stop = async () => {
    for (const redis of connections) redis.disconnect();
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      nodes.push(await startRedis({ cluster: true, args: ['--cluster-node-timeout', '5000'] }));
    }
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((node) => `${node.host}:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT'
        ? new Error(
            `[bench] "${cli}" was not found on PATH; the cluster cases need it to join their masters. Install Redis's CLI (apt-get install redis-tools) or set REDIS_CLI_BIN, or leave the cluster cases out (--cases).`,
          )
        : error;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(
        nodes.map((node) => sendCommand(node.port, ['CLUSTER', 'INFO']).catch(() => '')),
      );
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) {
        throw new Error('[bench] the local cluster did not reach cluster_state:ok in 30 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const found: ClusterMaster[] = [];
    for (const node of nodes) {
      const redis = new Redis(node.url, { maxRetriesPerRequest: null });
      connections.push(redis);
      found.push({ ...(await slotsOf(redis)), redis });
    }
    found.sort((a, b) => a.firstSlot - b.firstSlot);
    return {
      startupNodes: nodes.map((node) => ({ host: node.host, port: node.port })),
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
