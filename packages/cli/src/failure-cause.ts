/** Why a connection failed, in the user's terms: the node that refused, the root cause. */

/**
 * Which node refused, when the transport's message names one (`127.0.0.1:7113: connect
 * ECONNREFUSED …`, as a Cluster's error lists what each node last said): `ECONNREFUSED from
 * 127.0.0.1:7113`. A node that `endpoint` (the startup nodes) does not name is one the Cluster
 * found, whose master being down fails the whole Cluster: said so, with where to look.
 * Undefined when no node is named.
 */
export function nodeCause(error: unknown, endpoint: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const match = /([\w.-]+|\[[\da-fA-F:]+\]):(\d+): connect (E[A-Z]+)/.exec(current.message);
    if (match) {
      const [, host, port, code] = match;
      const node = `${host}:${port}`;
      const cluster = typeof endpoint === 'string' && endpoint.startsWith('the Cluster of');
      if (!cluster || endpoint.includes(node)) return `${code} from ${node}`;
      return `${code} from ${node}, a node of the Cluster: while one of its masters is down, the Cluster answers no command; \`redis-cli -h ${host} -p ${port} ping\` and \`cluster info\` on a startup node (cluster_state) tell`;
    }
    current = current.cause;
  }
  return undefined;
}

/** The most specific message in an error chain, shortened to its first line. */
export function rootCause(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) {
      message = current.message;
      const code = (current as NodeJS.ErrnoException).code;
      if (code && /^E[A-Z]+$/.test(code)) return code;
      current = current.cause;
    } else {
      break;
    }
  }
  const match = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|NOAUTH|WRONGPASS)\b/.exec(
    message,
  );
  if (match) return match[1] as string;
  if (message === 'Command timed out') {
    return 'it accepted the connection but did not answer before the command timed out';
  }
  // ioredis parsing another protocol's bytes (an HTTP server, say).
  if (/^Unknown RESP type/.test(message)) {
    return 'what answers there does not speak the Redis protocol: is that the Redis port?';
  }
  return message.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
