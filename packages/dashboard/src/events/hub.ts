import type { AuditEntry } from '@conveyor/core';
import { auditView } from '../api/audit.js';
import { type Overview, readOverview } from '../api/queues.js';
import type { DashboardCore } from '../context.js';

/** What one event-stream connection receives from the hub. */
export interface HubSubscriber {
  /** The overview of one poll, and a key that is equal for equal counts. */
  counts(overview: Overview, key: string): void;
  audit(entry: AuditEntry): void;
  /**
   * The broker's reads failed (`ok: false`, with the error) or work again after failing:
   * sent on each change, so a page stops showing old counts as live.
   */
  broker(state: BrokerState): void;
  ping(): void;
  /** The dashboard is closing: end the stream. */
  close(): void;
}

/** Whether the dashboard can read the broker: the `broker` event's data. */
export type BrokerState = { ok: true } | { ok: false; message: string; since: number };

export interface EventHubOptions {
  pollMs: number;
  pingMs: number;
}

/** Audit entries per `listAudit` call. */
const AUDIT_PAGE = 1000;
/** Most pages read to find the end of the audit log, or to replay it. */
const AUDIT_PAGES = 10;

/** The key of an overview that ignores its time: equal counts give equal keys. */
export function overviewKey(overview: Overview): string {
  return JSON.stringify([overview.queues, overview.workers]);
}

/**
 * Reads counts and new audit entries once per `pollMs` for every open event stream
 * together, so ten open tabs cost the transport what one does. It polls only while a
 * stream is open, and leaves no timer behind when the last one closes.
 */
export function createEventHub(core: DashboardCore, options: EventHubOptions) {
  const subscribers = new Set<HubSubscriber>();
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let polling = false;
  /** Set while the broker's reads fail, from the first failure on. */
  let failing: Extract<BrokerState, { ok: false }> | undefined;
  /**
   * Set when a new stream's first read failed, until a read works: a stream says so itself,
   * so this only feeds {@link brokerDown} before the next poll.
   */
  let firstReadFailed: Extract<BrokerState, { ok: false }> | undefined;
  /** The id of the newest audit entry the hub has seen; undefined: none yet. */
  let tail: string | undefined;
  let tailFound: Promise<void> | undefined;

  /** Pages to the end of the audit log once, so the hub emits only entries newer than that. */
  function findTail(): Promise<void> {
    tailFound ??= (async () => {
      for (let page = 0; page < AUDIT_PAGES; page++) {
        const entries = await core.admin.listAudit({ after: tail, limit: AUDIT_PAGE });
        const last = entries[entries.length - 1];
        if (last) tail = last.id;
        if (entries.length < AUDIT_PAGE) return;
      }
    })().catch((error) => {
      tailFound = undefined;
      throw error;
    });
    return tailFound;
  }

  async function poll(): Promise<void> {
    pollTimer = undefined;
    polling = true;
    try {
      await findTail();
      const [overview, entries] = await Promise.all([
        readOverview(core),
        core.admin.listAudit({ after: tail, limit: AUDIT_PAGE }),
      ]);
      for (const entry of entries) {
        tail = entry.id;
        const view = auditView(core, entry);
        for (const subscriber of subscribers) subscriber.audit(view);
      }
      firstReadFailed = undefined;
      if (failing) {
        failing = undefined;
        for (const subscriber of subscribers) subscriber.broker({ ok: true });
      }
      const key = overviewKey(overview);
      for (const subscriber of subscribers) subscriber.counts(overview, key);
    } catch (error) {
      // A failed read (Redis restarting) is retried on the next tick; the streams stay open
      // and are told once, so that the page does not show the last counts as live.
      if (!failing) {
        const message = error instanceof Error ? error.message : String(error);
        failing = { ok: false, message, since: Date.now() };
        for (const subscriber of subscribers) subscriber.broker(failing);
      }
    } finally {
      polling = false;
      schedule();
    }
  }

  function schedule(): void {
    if (closed || polling || pollTimer !== undefined || subscribers.size === 0) return;
    // Not unref'd: they run only while a stream is open, which keeps the process up anyway.
    pollTimer = setTimeout(poll, options.pollMs);
  }

  function stopTimers(): void {
    if (pollTimer !== undefined) clearTimeout(pollTimer);
    if (pingTimer !== undefined) clearInterval(pingTimer);
    pollTimer = undefined;
    pingTimer = undefined;
  }

  return {
    /**
     * Adds a stream; the first one starts the polling. Returns its unsubscribe function and
     * the id of the newest audit entry seen so far (read in the same tick, so every later
     * entry reaches the subscriber).
     */
    subscribe(subscriber: HubSubscriber): { unsubscribe: () => void; tail: string | undefined } {
      if (closed) {
        subscriber.close();
        return { unsubscribe: () => {}, tail };
      }
      subscribers.add(subscriber);
      if (subscribers.size === 1) {
        schedule();
        pingTimer = setInterval(() => {
          for (const each of subscribers) each.ping();
        }, options.pingMs);
      }
      return {
        tail,
        unsubscribe: () => {
          subscribers.delete(subscriber);
          if (subscribers.size === 0) {
            stopTimers();
            // Nothing polls now: what the last reads found is no longer known to hold, and
            // a read after the broker is back must not be cut short by an old outage.
            failing = undefined;
            firstReadFailed = undefined;
          }
        },
      };
    },

    /** Open streams. */
    size: () => subscribers.size,

    /**
     * Set while the hub's reads of the broker fail (from the first failure to the next read
     * that works); undefined when they work, or when no stream is open to poll.
     */
    brokerDown: (): Extract<BrokerState, { ok: false }> | undefined => failing ?? firstReadFailed,

    /** Resolves once the hub knows the end of the audit log. */
    ready: findTail,

    /** The current counts, read now (a new stream's first event). */
    readNow: () =>
      readOverview(core).then(
        (overview) => {
          firstReadFailed = undefined;
          return overview;
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          firstReadFailed ??= { ok: false, message, since: Date.now() };
          throw error;
        },
      ),

    /** Ends every stream and stops polling. */
    close(): void {
      closed = true;
      stopTimers();
      for (const subscriber of [...subscribers]) subscriber.close();
      subscribers.clear();
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
