import type { Cluster, Redis } from 'ioredis';

/** Extra time a blocking read may overstay its own timeout before its connection is dropped. */
const OVERSTAY_MS = 2_000;
/** Idle blocking connections kept for reuse, at least (or as many as the widest wait used). */
const MAX_IDLE = 8;
/** Pause after a failed blocking read (Redis down) before the caller tries again. */
const FAILURE_PAUSE_MS = 250;
/** How long an unblocked wait may take to answer before its connection is dropped. */
const UNBLOCK_GRACE_MS = 1_000;

/**
 * Blocking pickup: waits on the marker lists of some queues with BLPOP, on a pool of
 * dedicated connections (a blocking command would stall every other command on a
 * shared connection). Standalone Redis waits on all markers in one BLPOP; a cluster
 * cannot (keys of different queues live in different slots), so it waits on one
 * connection per queue and takes whichever wakes first.
 */
export interface Pickup {
  /**
   * Resolves with the marker key popped, or undefined after `timeoutMs`, when `signal`
   * aborts or the pickup closes, or shortly after a connection failure. Never rejects.
   */
  wait(
    groups: readonly (readonly string[])[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
  /**
   * Waits on one marker with a command sent right behind the BLPOP on the same
   * connection: Redis runs it the moment the BLPOP returns (a marker or the timeout),
   * without a round trip in between. Resolves with the command's reply; undefined after
   * a connection failure, or when `signal` aborts or the pickup closes: then the BLPOP
   * is cut short (CLIENT UNBLOCK), the command still runs, and its reply goes to
   * `follow.abandon` before the wait resolves. Only where `canFollow` (standalone Redis).
   */
  waitThen<T>(
    marker: string,
    timeoutMs: number,
    follow: Follow<T>,
    signal?: AbortSignal,
  ): Promise<T | undefined>;
  /** Whether `waitThen` is available: a standalone connection with a way to unblock it. */
  readonly canFollow: boolean;
  /** Ends every wait; resolves once the replies of cut-short `waitThen` calls were handed on. */
  close(): Promise<void>;
}

/** The command `waitThen` pipelines behind its BLPOP. */
export interface Follow<T> {
  /** Sends it on the blocking connection (not awaited before the BLPOP returns). */
  send(connection: Redis): Promise<T>;
  /** Its reply, when the wait was cut short: give back what it took. */
  abandon(reply: T): Promise<unknown>;
}

export interface PickupOptions {
  /** A new blocking connection (lazy). */
  connect(): Redis | Cluster;
  /** Puts back a marker that a losing racer popped, so that no wake-up is lost. */
  restoreMarker(key: string): void;
  /** Sends CLIENT UNBLOCK for a client id on another connection; standalone only. */
  unblock?: (clientId: number) => Promise<unknown>;
}

export function createPickup(options: PickupOptions): Pickup {
  const { connect, restoreMarker, unblock } = options;
  const idle: Array<Redis | Cluster> = [];
  const busy = new Set<Redis | Cluster>();
  /** CLIENT ID of each standalone blocking connection, asked for before its first BLPOP. */
  const clientIds = new WeakMap<Redis | Cluster, Promise<number | undefined>>();
  // Ends every wait in progress (close).
  const closers = new Set<() => void>();
  // waitThen calls in progress: close() lets a cut-short one hand on its reply first.
  const following = new Set<Promise<unknown>>();
  let closed = false;
  // A cluster waits on one connection per queue: a wait on many partitions keeps them all.
  let keepIdle = MAX_IDLE;

  const checkOut = (): Redis | Cluster => {
    let connection = idle.pop();
    if (!connection) {
      connection = connect();
      // Failures surface as rejected BLPOPs; the reserve loop retries.
      connection.on('error', () => {});
      if (unblock) {
        const own = connection;
        // A reconnect is a new client id: ask again before the next BLPOP.
        own.on('close', () => clientIds.delete(own));
      }
    }
    if (unblock && !clientIds.has(connection)) {
      clientIds.set(
        connection,
        (connection as Redis).client('ID').then(Number, () => undefined),
      );
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
    if (closed || idle.length >= keepIdle) connection.disconnect();
    else idle.push(connection);
  };

  return {
    canFollow: unblock !== undefined,

    wait(groups, timeoutMs, signal) {
      if (closed || signal?.aborted || groups.length === 0) return Promise.resolve(undefined);
      keepIdle = Math.max(keepIdle, groups.length);
      const seconds = blockSeconds(timeoutMs);
      return new Promise<string | undefined>((resolve) => {
        let done = false;
        const used: Array<Redis | Cluster> = [];
        const finish = (popped?: string): void => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          clearTimeout(guard);
          resolve(popped);
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
              finish(popped?.[0]);
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

    waitThen<T>(
      marker: string,
      timeoutMs: number,
      follow: Follow<T>,
      signal?: AbortSignal,
    ): Promise<T | undefined> {
      if (!unblock) throw new Error('[conveyor] [redis] waitThen needs a standalone connection');
      if (closed || signal?.aborted) return Promise.resolve(undefined);
      const connection = checkOut() as Redis;
      const clientId = clientIds.get(connection);
      // Both commands in one write: one system call, one packet for Redis to read.
      const socket = connection.status === 'ready' ? connection.stream : undefined;
      socket?.cork();
      // A BLPOP that fails (say the marker key holds no list) answers at once, and so does
      // the command behind it: the wait then pauses as wait() does, or an idle worker spins.
      let waitFailed = false;
      connection.blpop(marker, blockSeconds(timeoutMs)).catch(() => {
        waitFailed = true;
      });
      const reply = follow.send(connection);
      socket?.uncork();
      const waiting = new Promise<T | undefined>((resolve) => {
        let cut = false;
        let settled = false;
        // The reply, held through the pause after a failed BLPOP.
        let held: { value: T } | undefined;
        let guard = setTimeout(() => {
          drop(connection);
          end(undefined);
        }, timeoutMs + OVERSTAY_MS);
        const end = (value: T | undefined): void => {
          if (settled) return;
          settled = true;
          clearTimeout(guard);
          signal?.removeEventListener('abort', onAbort);
          closers.delete(onAbort);
          resolve(value);
        };
        const hand = (value: T): void => {
          if (!cut) {
            end(value);
            return;
          }
          void follow.abandon(value).then(
            () => end(undefined),
            () => end(undefined),
          );
        };
        const onAbort = (): void => {
          if (cut || settled) return;
          cut = true;
          if (held) {
            // Answered already (the connection is back in the pool): hand the reply back.
            clearTimeout(guard);
            hand(held.value);
            return;
          }
          // Unblocked, the BLPOP answers nil and the reserve runs: its jobs are handed
          // back. Dropping the connection instead could strand them until their leases
          // expire. Without an answer in time the connection is dropped after all.
          clearTimeout(guard);
          guard = setTimeout(() => {
            drop(connection);
            end(undefined);
          }, UNBLOCK_GRACE_MS);
          void clientId?.then((id) => (id === undefined ? undefined : unblock(id))).catch(() => {});
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        closers.add(onAbort);
        reply.then(
          (value) => {
            checkIn(connection);
            if (!waitFailed || cut) return hand(value);
            held = { value };
            clearTimeout(guard);
            guard = setTimeout(() => hand(value), FAILURE_PAUSE_MS);
          },
          () => {
            if (busy.has(connection)) drop(connection);
            if (cut) return end(undefined);
            setTimeout(() => end(undefined), FAILURE_PAUSE_MS);
          },
        );
      });
      following.add(waiting);
      void waiting.then(() => following.delete(waiting));
      return waiting;
    },

    async close() {
      closed = true;
      for (const closer of [...closers]) closer();
      closers.clear();
      for (const connection of idle.splice(0)) connection.disconnect();
      // Connections of cut-short waitThen calls stay open for their reply (or their grace).
      await Promise.allSettled([...following]);
      for (const connection of [...busy]) drop(connection);
    },
  };
}

function blockSeconds(timeoutMs: number): string {
  return Math.max(0.01, timeoutMs / 1000).toFixed(3);
}
