import type { Cluster, Redis } from 'ioredis';

/** What a client's connection last said, for the errors of calls that could not reach Redis. */
export interface SocketState {
  /** The last connection error (`connect ECONNREFUSED …`), cleared when it is ready again. */
  lastError: Error | undefined;
  /** Whether it has ever been ready: until then, no command was sent. */
  everReady: boolean;
}

const states = new WeakMap<Redis | Cluster, SocketState>();

/**
 * Follows `client`'s connection (once per client): ioredis gives up on a command with "Reached
 * the max retries per request limit", which names neither why (ECONNREFUSED, ENOTFOUND, a
 * TLS failure) nor whether anything was sent.
 */
export function watchSocket(client: Redis | Cluster): SocketState {
  const known = states.get(client);
  if (known) return known;
  const state: SocketState = { lastError: undefined, everReady: client.status === 'ready' };
  states.set(client, state);
  client.on('error', (error: Error) => {
    state.lastError = error;
  });
  client.on('ready', () => {
    state.everReady = true;
    state.lastError = undefined;
  });
  return state;
}

/** `client`'s state when {@link watchSocket} follows it. */
export function socketStateOf(client: Redis | Cluster): SocketState | undefined {
  return states.get(client);
}
