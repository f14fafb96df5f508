import type { Cluster, Redis } from 'ioredis';
import { afterStart, startOf } from './cluster-start.js';
import { endpointOf } from './connections.js';
import { NEVER_CONNECTED_ADVICE, RedisTransportError, toTransportError } from './errors.js';
import { socketStateOf } from './socket-state.js';

/**
 * Runs a Redis call on `client` and rethrows its failure as a {@link RedisTransportError}.
 *
 * - On a Cluster that has never been ready, the call fails within its `connectTimeout`
 *   instead of waiting as long as ioredis retries (cluster-start.ts). Once it has been
 *   ready, nothing is added.
 * - A call that could not reach Redis names where `client` connects (`host:port`, or the
 *   Cluster's nodes), worked out only then: an operator with several Redis servers must see
 *   which one is down; and what its socket last said, when socket-state.ts follows it.
 *
 * Without `client`, only the failure is wrapped.
 */
export async function redisCall<T>(
  operation: string,
  call: () => Promise<T>,
  client?: Redis | Cluster,
): Promise<T> {
  try {
    return await (client === undefined ? call() : afterStart(startOf(client), operation, call));
  } catch (error) {
    const failed = toTransportError(operation, error);
    if (client === undefined || !(failed instanceof RedisTransportError)) throw failed;
    if (failed.failure !== 'CONNECTION' || failed.endpoint !== undefined) throw failed;
    // Why, in the socket's words; and a client never connected sent nothing, so an enqueue
    // is not in doubt (a lost reply is only possible after a connection).
    const socket = socketStateOf(client);
    throw new RedisTransportError(
      'CONNECTION',
      operation,
      socket?.lastError ?? error,
      endpointOf(client),
      socket && !socket.everReady ? NEVER_CONNECTED_ADVICE : undefined,
    );
  }
}
