import { apiUrl } from './api.js';
import type { AuditEntry, QueuesResponse } from './api-types.js';

/** `unavailable`: the stream is up but the server cannot read the broker (counts are old). */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

type Listener<T> = (value: T) => void;

/**
 * The app's one Server-Sent Events stream (/api/events): queue counts whenever they change,
 * and new audit entries. The browser resumes it with Last-Event-ID after a drop; when the
 * server refuses it outright (the stream closes), it opens a fresh one a few seconds later.
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

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}

export function startLive(): Live {
  let latest: QueuesResponse | undefined;
  const counts = new Set<Listener<QueuesResponse>>();
  const audits = new Set<Listener<AuditEntry>>();
  const statuses = new Set<Listener<LiveStatus>>();
  let current: LiveStatus = 'connecting';
  const setStatus = (status: LiveStatus): void => {
    current = status;
    for (const listener of statuses) listener(status);
  };

  const open = (): void => {
    const source = new EventSource(apiUrl('/events'));
    setStatus('connecting');
    // Live once the first counts come, not when the stream opens: a stream opened while the
    // broker is down starts with a `broker` event instead, seconds later.
    source.addEventListener('counts', (event) => {
      const value = parse<QueuesResponse>(event);
      if (!value) return;
      if (current === 'connecting' || current === 'reconnecting') setStatus('live');
      latest = value;
      for (const listener of counts) listener(value);
    });
    source.addEventListener('broker', (event) => {
      const value = parse<{ ok: boolean }>(event);
      if (value) setStatus(value.ok ? 'live' : 'unavailable');
    });
    source.addEventListener('audit', (event) => {
      const value = parse<AuditEntry>(event);
      if (value) for (const listener of audits) listener(value);
    });
    source.addEventListener('error', () => {
      setStatus('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(open, 5000);
      }
    });
  };
  open();

  return {
    latest: () => latest,
    onCounts: (listener, signal) => subscribe(counts, listener, signal),
    onAudit: (listener, signal) => subscribe(audits, listener, signal),
    onStatus: (listener, signal) => subscribe(statuses, listener, signal),
  };
}
