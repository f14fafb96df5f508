import type { Cluster, Redis } from 'ioredis';
import { endpointOf } from './connections.js';
import { CLUSTER_CLIENT_ADVICE, RedisTransportError } from './errors.js';

/** How long a Cluster that was never ready gets when its `redisOptions.connectTimeout` is unset (ioredis' default). */
export const CLUSTER_START_MS = 10_000;

/**
 * The start of a Cluster the caller gave the transport. ioredis queues every command until
 * the Cluster is first ready and, by default (`clusterRetryStrategy`), retries forever: a
 * Cluster on nodes it cannot reach, or on a Redis that is not a cluster, would leave each
 * call pending for good. Until it has been ready once, calls wait at most its
 * `redisOptions.connectTimeout` (default 10 s); on a server with cluster support disabled
 * they fail at once. The Cluster's own options and queue are left as they are.
 */
export interface ClusterStart {
  /** Undefined once the Cluster has been ready (nothing to wait for), else what a call waits on. */
  pending(operation: string): Promise<void> | undefined;
  /** Rejects the calls still waiting and stops listening to the Cluster. */
  close(): void;
}

interface Waiter {
  operation: string;
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Each watched Cluster's start, for the calls that have only the client (call.ts). */
const starts = new WeakMap<Cluster, ClusterStart>();

/** The start of `client` when it is a watched Cluster (see {@link watchClusterStart}). */
export function startOf(client: Redis | Cluster): ClusterStart | undefined {
  return starts.get(client as Cluster);
}

export function watchClusterStart(cluster: Cluster): ClusterStart {
  let started = cluster.status === 'ready';
  const timeoutMs = cluster.options.redisOptions?.connectTimeout ?? CLUSTER_START_MS;
  const endpoint = endpointOf(cluster);
  // What each node last said; the cluster-support refusal, once a whole slots refresh failed on it.
  const said = new Map<string, string>();
  let notCluster: string | undefined;
  const waiters = new Set<Waiter>();

  const nodesSaid = (): string =>
    [...said].map(([node, message]) => `${node}: ${message.replace(/\.+$/, '')}`).join('; ') ||
    'no answer yet';
  const refusal = (operation: string, node: string): RedisTransportError =>
    new RedisTransportError(
      'CLUSTER',
      operation,
      new Error(`${node} is not a Redis Cluster node (${said.get(node)?.replace(/\.+$/, '')})`),
      endpoint,
      `Point the Cluster at the nodes of a Redis Cluster, or connect to that Redis with redisTransport({ url: 'redis://${node}' }).`,
    );
  const settle = (error?: (waiter: Waiter) => Error): void => {
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      if (error) waiter.reject(error(waiter));
      else waiter.resolve();
    }
    waiters.clear();
  };

  const onNodeError = (error: Error, node: string): void => {
    // ioredis closes a node it gave up on with "Connection is closed.": keep what it said before.
    if (!said.has(node) || !/Connection is closed/.test(error.message)) {
      said.set(node, error.message);
    }
  };
  const onError = (error: Error): void => {
    if (error.name !== 'ClusterAllFailedError') return;
    notCluster = [...said].find(([, message]) => /cluster support disabled/i.test(message))?.[0];
    const node = notCluster;
    if (node !== undefined) settle((waiter) => refusal(waiter.operation, node));
  };
  const onEnd = (): void =>
    settle(
      (waiter) =>
        new RedisTransportError(
          'CONNECTION',
          waiter.operation,
          new Error(`the Cluster gave up connecting (${nodesSaid()})`),
          endpoint,
        ),
    );
  const detach = (): void => {
    cluster.off('ready', onReady);
    cluster.off('node error', onNodeError);
    cluster.off('error', onError);
    cluster.off('end', onEnd);
  };
  function onReady(): void {
    started = true;
    detach();
    settle();
  }
  if (!started) {
    cluster.on('ready', onReady);
    cluster.on('node error', onNodeError);
    cluster.on('error', onError);
    cluster.on('end', onEnd);
  }

  const start: ClusterStart = {
    pending(operation) {
      if (started) return undefined;
      if (notCluster !== undefined) return Promise.reject(refusal(operation, notCluster));
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          operation,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(
              new RedisTransportError(
                'CONNECTION',
                operation,
                new Error(
                  `the Cluster was not ready within ${timeoutMs} ms (its redisOptions.connectTimeout); ${nodesSaid()}`,
                ),
                endpoint,
                'Check that the startup nodes are nodes of a running Redis Cluster, reachable from here; ioredis goes on retrying them (clusterRetryStrategy).',
              ),
            );
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    close() {
      if (starts.get(cluster) === start) starts.delete(cluster);
      detach();
      settle(
        (waiter) =>
          new RedisTransportError(
            'CONNECTION',
            waiter.operation,
            new Error('the transport was closed before the Cluster was ready'),
            endpoint,
          ),
      );
    },
  };
  starts.set(cluster, start);
  return start;
}

/**
 * `call`, failing early when `start` says the Cluster will not be ready (see
 * {@link ClusterStart}). Once it has been ready, `call` itself: no cost per job.
 */
export function afterStart<T>(
  start: ClusterStart | undefined,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const waiting = start?.pending(operation);
  if (waiting === undefined) return call();
  const result = call();
  result.catch(() => {}); // its outcome is the race's, or no one's once the wait failed
  return Promise.race([result, waiting.then(() => result)]);
}

/**
 * Refuses a plain connection to a node of a Redis Cluster of more than one master: it
 * answers PING, then every key in another node's slots fails with `MOVED`. A one-master
 * cluster holds every slot and works. Redis that hides INFO or CLUSTER INFO passes.
 */
export async function refuseClusterNode(client: Redis, endpoint: string): Promise<void> {
  let masters: number;
  try {
    if (!/^cluster_enabled:1\b/m.test(await client.info('cluster'))) return;
    const info = String(await client.cluster('INFO'));
    masters = Number(/^cluster_size:(\d+)/m.exec(info)?.[1] ?? 0);
  } catch {
    return;
  }
  if (masters <= 1) return;
  throw new RedisTransportError(
    'CLUSTER',
    'ready',
    new Error(`${endpoint} is one node of a Redis Cluster of ${masters} masters`),
    endpoint,
    CLUSTER_CLIENT_ADVICE,
  );
}
