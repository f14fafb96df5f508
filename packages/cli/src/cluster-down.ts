// A Cluster that answers but is down (CLUSTERDOWN, cluster_state:fail), told apart from a
// broker out of reach when a config's transport cannot open.
import { failureOf } from '@conveyor/redis';
import { Redis } from 'ioredis';
import { CliError } from './errors.js';

/**
 * What says that the Cluster a config's transport could not open answers but is down: a
 * CLUSTERDOWN reply, else a startup node's `cluster_state:fail` (ioredis waits on such a
 * Cluster, and the transport's error says only that it was not ready). Undefined if none.
 */
export async function clusterDown(error: unknown): Promise<string | undefined> {
  const failure = failureOf(error);
  if (failure === 'CLUSTER' && /\bCLUSTERDOWN\b/.test(String((error as Error)?.message))) {
    return 'it replies CLUSTERDOWN';
  }
  const endpoint = (error as { endpoint?: unknown } | null)?.endpoint;
  const cluster = failure === 'CONNECTION' && typeof endpoint === 'string';
  if (!cluster || !endpoint.startsWith('the Cluster of ')) return undefined;
  const nodes = endpoint.match(/\[[\da-fA-F:]+\]:\d+|[\w.-]+:\d+/g) ?? [];
  const states = await Promise.all(nodes.map(clusterState));
  const failed = nodes.find((_, n) => states[n] === 'fail');
  return failed === undefined ? undefined : `${failed} says cluster_state:fail`;
}

/** A node's `cluster_state` (`ok`, `fail`) from one CLUSTER INFO, or undefined if it does not tell. */
async function clusterState(node: string): Promise<string | undefined> {
  const at = node.lastIndexOf(':');
  const client = new Redis({
    host: node.slice(0, at).replace(/^\[|\]$/g, ''),
    port: Number(node.slice(at + 1)),
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {}); // the catch below has it
  try {
    await client.connect();
    return /^cluster_state:(\w+)/m.exec(String(await client.cluster('INFO')))?.[1];
  } catch {
    return undefined; // down, behind a password or TLS, or not a Cluster node
  } finally {
    client.disconnect();
  }
}

/**
 * Exit 3, as a broker down: the Cluster's own state and what brings it back, not its URL.
 * The transport's message names each node that refused (`127.0.0.1:7002: connect …`).
 */
export function clusterDownFailure(
  name: string,
  label: string,
  error: unknown,
  said: string,
): CliError {
  const endpoint = String((error as { endpoint?: unknown }).endpoint ?? 'the Cluster');
  const refused = [
    ...String((error as Error).message).matchAll(/(\S+:\d+): connect (E[A-Z]+)/g),
  ].map(([, node, code]) => `${code} from ${node}`);
  const also = refused.length > 0 ? `; ${[...new Set(refused)].join(', ')}` : '';
  return new CliError(
    'REDIS_UNREACHABLE',
    `The ${name} transport from ${label} reached ${endpoint}, which answers but says it is down (${said}${also}): a master and its replicas are unreachable, or some slots have no node, and with cluster-require-full-coverage yes (the default) the Cluster then answers no command. Start the failed master again, or promote one of its replicas (CLUSTER FAILOVER FORCE on it); check with redis-cli --cluster check <host:port>. Meanwhile, \`CONFIG SET cluster-require-full-coverage no\` on the masters that are up lets their queues be read.`,
    { cause: error },
  );
}
