import type { Cluster, Redis } from 'ioredis';
import { disconnectQuietly } from './connections.js';
import { cancelChannel, finishChannel } from './keys.js';

/**
 * Pub/sub on one dedicated connection, opened on first use: cancels of running jobs
 * (one channel for the whole prefix) and finishes of jobs someone waits on (one channel
 * per queue; scripts publish only ids in the queue's watched set, so an unwatched
 * finish costs one SREM).
 */
export interface Notifications {
  /** Settles once the cancel channel is subscribed (never rejects). */
  readonly cancelsReady: Promise<void>;
  onCancel(listener: (jobId: string) => void): () => void;
  /**
   * Calls `onFinish('finished')` when the job's finish is published, and
   * `onFinish('resubscribed')` once the channel is subscribed again after the connection
   * was lost: a finish published meanwhile was missed, and the job may be gone (a
   * restart without persistence). Resolves once subscribed.
   */
  watchFinish(
    queue: string,
    unique: string,
    onFinish: (reason: FinishNotice) => void,
  ): Promise<() => void>;
  close(): void;
}

/**
 * Why a finish watcher is called: its job's finish was published (`removed`: it completed
 * and its record was deleted at once, removeOnComplete), or may have been missed.
 */
export type FinishNotice = 'finished' | 'removed' | 'resubscribed';

export function createNotifications(prefix: string, connect: () => Redis | Cluster): Notifications {
  let subscriber: Redis | Cluster | undefined;
  const cancelListeners = new Set<{ listener: (jobId: string) => void }>();
  // channel → unique id → callbacks
  const finishWatchers = new Map<string, Map<string, Set<(reason: FinishNotice) => void>>>();
  const channelOfCancels = cancelChannel(prefix);
  const subscriptions = new Map<string, Promise<unknown>>();

  const open = (): Redis | Cluster => {
    if (subscriber) return subscriber;
    const connection = connect();
    connection.on('error', () => {
      // Reconnects on its own; errors are reported through the operations that need it.
    });
    connection.on('message', (channel: string, message: string) => {
      if (channel === channelOfCancels) {
        for (const { listener } of [...cancelListeners]) listener(message);
        return;
      }
      // `<unique id>`, or `<unique id> C` (tell_watchers in queue.lua); ids hold no space.
      const removed = message.endsWith(' C');
      const unique = removed ? message.slice(0, -2) : message;
      const callbacks = finishWatchers.get(channel)?.get(unique);
      if (!callbacks) return;
      for (const callback of [...callbacks]) callback(removed ? 'removed' : 'finished');
    });
    // 'ready' again means the connection was lost and is back. ioredis has queued the
    // re-subscribes by now; once ours (queued after them) answers, every channel is heard
    // again, and each watcher is told to look at its job: its finish may have been
    // published during the outage, or the job lost with the server's data.
    let connectedBefore = false;
    connection.on('ready', () => {
      if (!connectedBefore) {
        connectedBefore = true;
        return;
      }
      const channels = [...finishWatchers.keys()];
      if (channels.length === 0) return;
      connection.subscribe(...channels).then(
        () => {
          for (const channel of channels) {
            for (const callbacks of finishWatchers.get(channel)?.values() ?? []) {
              for (const callback of [...callbacks]) callback('resubscribed');
            }
          }
        },
        () => {
          // Lost again: the next 'ready' tries again.
        },
      );
    });
    subscriber = connection;
    return connection;
  };

  // Subscribed from the start: a listener added later must hear a cancel published by
  // another process right after, and SUBSCRIBE is asynchronous while onCancel is not.
  const cancelsReady = open()
    .subscribe(channelOfCancels)
    .then(
      () => {},
      () => {},
    );

  return {
    cancelsReady,

    onCancel(listener) {
      const subscription = { listener };
      cancelListeners.add(subscription);
      return () => {
        cancelListeners.delete(subscription);
      };
    },

    async watchFinish(queue, unique, onFinish) {
      const channel = finishChannel(prefix, queue);
      let byId = finishWatchers.get(channel);
      if (!byId) {
        byId = new Map();
        finishWatchers.set(channel, byId);
      }
      let callbacks = byId.get(unique);
      if (!callbacks) {
        callbacks = new Set();
        byId.set(unique, callbacks);
      }
      callbacks.add(onFinish);
      const connection = open();
      let subscribed = subscriptions.get(channel);
      if (!subscribed) {
        subscribed = connection.subscribe(channel);
        subscriptions.set(channel, subscribed);
      }
      await subscribed;
      return () => {
        callbacks.delete(onFinish);
        if (callbacks.size > 0) return;
        byId.delete(unique);
        if (byId.size > 0) return;
        finishWatchers.delete(channel);
        subscriptions.delete(channel);
        connection.unsubscribe(channel).catch(() => {});
      };
    },

    close() {
      cancelListeners.clear();
      finishWatchers.clear();
      subscriptions.clear();
      if (subscriber) disconnectQuietly(subscriber);
      subscriber = undefined;
    },
  };
}
