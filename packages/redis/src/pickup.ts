import type { Cluster, Redis } from 'ioredis';

/** Extra time a blocking read may overstay its own timeout before its connection is dropped. */
const OVERSTAY_MS = 2_000;
/** Idle blocking connections kept for reuse. */
const MAX_IDLE = 8;
/** Pause after a failed blocking read (Redis down) before the caller tries again. */
const FAILURE_PAUSE_MS = 250;

/**
 * Blocking pickup: waits on the marker lists of some queues with BLPOP, on a pool of
 * dedicated connections (a blocking command would stall every other command on a
 * shared connection). Standalone Redis waits on all markers in one BLPOP; a cluster
 * cannot (keys of different queues live in different slots), so it waits on one
 * connection per queue and takes whichever wakes first.
 */
export interface Pickup {
  /**
   * Resolves when a marker was popped, after `timeoutMs`, when `signal` aborts or the
   * pickup closes, or shortly after a connection failure. Never rejects.
   */
  wait(
    groups: readonly (readonly string[])[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  close(): void;
}

export function createPickup(
  connect: () => Redis | Cluster,
  /** Puts back a marker that a losing racer popped, so that no wake-up is lost. */
  restoreMarker: (key: string) => void,
): Pickup {
  const idle: Array<Redis | Cluster> = [];
  const busy = new Set<Redis | Cluster>();
  // Ends every wait in progress (close).
  const closers = new Set<() => void>();
  let closed = false;

  const checkOut = (): Redis | Cluster => {
    let connection = idle.pop();
    if (!connection) {
      connection = connect();
      // Failures surface as rejected BLPOPs; the reserve loop retries.
      connection.on('error', () => {});
    }
    busy.add(connection);
    return connection;
  };
  const drop = (connection: Redis | Cluster): void => {
    busy.delete(connection);
    connection.disconnect();
  };
  /** Returns a connection whose BLPOP answered to the idle pool (or closes it). */
  const checkIn = (connection: Redis | Cluster): void => {
    if (!busy.delete(connection)) return;
    if (closed || idle.length >= MAX_IDLE) connection.disconnect();
    else idle.push(connection);
  };

  return {
    wait(groups, timeoutMs, signal) {
      if (closed || signal?.aborted || groups.length === 0) return Promise.resolve();
      const seconds = Math.max(0.01, timeoutMs / 1000).toFixed(3);
      return new Promise<void>((resolve) => {
        let done = false;
        const used: Array<Redis | Cluster> = [];
        const finish = (): void => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          clearTimeout(guard);
          resolve();
        };
        const onAbort = (): void => {
          // BLPOP cannot be cancelled from its own connection: drop the connection.
          for (const connection of used) if (busy.has(connection)) drop(connection);
          finish();
        };
        const guard = setTimeout(() => {
          for (const connection of used) if (busy.has(connection)) drop(connection);
          finish();
        }, timeoutMs + OVERSTAY_MS);
        signal?.addEventListener('abort', onAbort, { once: true });
        closers.add(onAbort);
        for (const keys of groups) {
          const connection = checkOut();
          used.push(connection);
          connection.blpop(...keys, seconds).then(
            (popped) => {
              checkIn(connection);
              if (popped && done) restoreMarker(popped[0]);
              closers.delete(onAbort);
              finish();
            },
            () => {
              if (busy.has(connection)) drop(connection);
              closers.delete(onAbort);
              if (done) return;
              setTimeout(finish, FAILURE_PAUSE_MS);
            },
          );
        }
      });
    },
    close() {
      closed = true;
      for (const closer of [...closers]) closer();
      closers.clear();
      for (const connection of idle.splice(0)) connection.disconnect();
      for (const connection of [...busy]) drop(connection);
    },
  };
}
