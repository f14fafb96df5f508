import type { Cluster, Redis } from 'ioredis';

/** Connections closed so far, per client watched. */
const closes = new WeakMap<Redis | Cluster, { count: number }>();

/**
 * How many times `client`'s connection (a cluster's: any node's) has closed since this was
 * first asked about it. ioredis re-sends the commands left unanswered by a closed
 * connection once it reconnects: a script whose reply was lost then ran twice. A caller
 * that reads this before and after a call knows whether the call may have (release-call.lua).
 */
export function reconnectsOf(client: Redis | Cluster): number {
  let state = closes.get(client);
  if (!state) {
    const counted = { count: 0 };
    const count = (): void => {
      counted.count++;
    };
    if (isCluster(client)) {
      for (const node of client.nodes()) node.on('close', count);
      client.on('+node', (node: Redis) => node.on('close', count));
    } else {
      client.on('close', count);
    }
    closes.set(client, counted);
    state = counted;
  }
  return state.count;
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true;
}
