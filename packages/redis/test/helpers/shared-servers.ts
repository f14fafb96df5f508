/**
 * Vitest global setup: one private redis-server and one private 3-master Redis Cluster for
 * the whole run, shared by the conformance files (helpers/standalone-conformance.ts and
 * helpers/cluster-conformance.ts). Every conformance test uses queue names of its own and
 * nothing in the suite flushes or stops a server, so files can share them while they run in
 * parallel: the suite runs in eight files on four processes, not on twenty. Files that
 * kill, restart or reconfigure a server start their own.
 */
import { startRedis, startRedisCluster } from '@conveyor/test-redis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://…` of the shared redis-server. */
    sharedRedisUrl: string;
    /** Startup nodes of the shared cluster. */
    sharedClusterNodes: Array<{ host: string; port: number }>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })]);
  project.provide('sharedRedisUrl', redis.url);
  project.provide('sharedClusterNodes', cluster.startupNodes);
  return async () => {
    await Promise.all([redis.stop(), cluster.stop()]);
  };
}
