import { apiUrl } from './api.js';
import type { AuditEntry, QueuesResponse } from './api-types.js';
import { shareStream } from './live-share.js';
import { type LiveStatus, type StreamSink, visibleStream } from './live-stream.js';

export type { LiveStatus } from './live-stream.js';

type Listener<T> = (value: T) => void;

/**
 * The app's live events (/api/events): queue counts whenever they change, and new audit
 * entries. One stream serves all the dashboard's tabs in a browser where it can be shared
 * (live-share.ts); elsewhere each tab holds its own while shown (live-stream.ts). Either
 * way a page hears the same events.
 */
export interface Live {
  /** The latest counts, once the first event came. */
  latest(): QueuesResponse | undefined;
  /** Calls `listener` with every counts event until `signal` aborts. */
  onCounts(listener: Listener<QueuesResponse>, signal: AbortSignal): void;
  onAudit(listener: Listener<AuditEntry>, signal: AbortSignal): void;
  /** Calls `listener` with every status change, until `signal` aborts (when given). */
  onStatus(listener: Listener<LiveStatus>, signal?: AbortSignal): void;
}

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>, signal?: AbortSignal): void {
  set.add(listener);
  signal?.addEventListener('abort', () => set.delete(listener), { once: true });
}

export function startLive(): Live {
  let latest: QueuesResponse | undefined;
  const counts = new Set<Listener<QueuesResponse>>();
  const audits = new Set<Listener<AuditEntry>>();
  const statuses = new Set<Listener<LiveStatus>>();
  let current: LiveStatus = 'connecting';
  const sink: StreamSink = {
    counts(value) {
      latest = value;
      for (const listener of counts) listener(value);
    },
    audit(entry) {
      for (const listener of audits) listener(entry);
    },
    status(status) {
      if (status === current) return;
      current = status;
      for (const listener of statuses) listener(status);
    },
  };
  // Named after the stream's URL: dashboards under other base paths of the origin share none.
  if (!shareStream(`conveyor-dashboard ${apiUrl('/events')}`, sink)) visibleStream(sink);

  return {
    latest: () => latest,
    onCounts: (listener, signal) => subscribe(counts, listener, signal),
    onAudit: (listener, signal) => subscribe(audits, listener, signal),
    onStatus: (listener, signal) => subscribe(statuses, listener, signal),
  };
}
