import type { Cluster, Redis } from 'ioredis';

/** Streams corked until the current cascade of callbacks and promise reactions is over. */
const corked = new WeakSet<object>();

/**
 * Holds back a standalone connection's writes until the callbacks and promise reactions
 * running now are over (`cork`, then `uncork` on `process.nextTick`, which Node runs only
 * once the microtask queue is empty), so that the commands they send leave in one write.
 *
 * On this kind of machine a write to a Redis that waits for work costs about as much as
 * the work (the kernel wakes Redis inside the `write` call); a worker that answers a batch
 * with a settle, a reserve and a workflow record in the same turn made three writes. Cork
 * and uncork keep the order of commands and add no wait: the data leaves before the event
 * loop goes on. A cluster writes to many sockets and is left alone.
 */
export function coalesceWrites(client: Redis | Cluster): void {
  if (client.status !== 'ready' || (client as Cluster).isCluster) return;
  const stream = (client as Redis).stream;
  if (stream === undefined || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
