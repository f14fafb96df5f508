// One EventSource on /api/events, and a tab's own stream that lets go of it while hidden.

import { apiUrl } from './api.js';
import type { AuditEntry, QueuesResponse } from './api-types.js';

/** `unavailable`: the stream is up but the server cannot read the broker (counts are old). */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

/**
 * Where a stream's events go. `id` is the event's id: the newest audit entry id the stream
 * has sent, from which another stream resumes (`?lastEventId=`).
 */
export interface StreamSink {
  counts(value: QueuesResponse, id: string): void;
  audit(entry: AuditEntry, id: string): void;
  status(status: LiveStatus): void;
}

export interface Stream {
  close(): void;
}

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}

/**
 * Opens the stream, resuming after `lastEventId` when given (the server replays the audit
 * entries after it, then sends fresh counts). The browser resumes it by itself after a drop;
 * when the server refuses it outright (the stream closes), a fresh one opens 5 s later.
 */
export function openStream(sink: StreamSink, lastEventId?: string): Stream {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: LiveStatus | undefined;
  let lastId = lastEventId;
  const setStatus = (status: LiveStatus): void => {
    current = status;
    sink.status(status);
  };

  const open = (): void => {
    timer = undefined;
    const opened = new EventSource(apiUrl('/events', { lastEventId: lastId }));
    source = opened;
    setStatus(lastId === undefined ? 'connecting' : 'reconnecting');
    // Live once the first counts come, not when the stream opens: a stream opened while the
    // broker is down starts with a `broker` event instead, seconds later.
    opened.addEventListener('counts', (event) => {
      const value = parse<QueuesResponse>(event);
      if (!value) return;
      lastId = (event as MessageEvent).lastEventId;
      if (current === 'connecting' || current === 'reconnecting') setStatus('live');
      sink.counts(value, lastId);
    });
    opened.addEventListener('broker', (event) => {
      const value = parse<{ ok: boolean }>(event);
      if (value) setStatus(value.ok ? 'live' : 'unavailable');
    });
    opened.addEventListener('audit', (event) => {
      const value = parse<AuditEntry>(event);
      lastId = (event as MessageEvent).lastEventId;
      if (value) sink.audit(value, lastId);
    });
    opened.addEventListener('error', () => {
      setStatus('reconnecting');
      if (opened.readyState === EventSource.CLOSED) {
        opened.close();
        timer = setTimeout(open, 5000);
      }
    });
  };
  open();

  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    },
  };
}

/**
 * The tab's own stream, for a browser that cannot share one between tabs (live-share.ts): held
 * only while the tab is shown. A browser opens at most 6 connections to a plain HTTP/1.1
 * host, so a stream per tab left the 7th tab without one to load on (tabs opened in the
 * background hold none at all now). Shown again, the tab resumes after the last event it
 * heard: the audit entries it missed are replayed and fresh counts follow, so its page reads
 * whatever changed meanwhile.
 */
export function visibleStream(sink: StreamSink): void {
  let stream: Stream | undefined;
  let lastId: string | undefined;
  const relay: StreamSink = {
    counts(value, id) {
      lastId = id;
      sink.counts(value, id);
    },
    audit(entry, id) {
      lastId = id;
      sink.audit(entry, id);
    },
    status: (status) => sink.status(status),
  };
  const follow = (): void => {
    if (document.hidden) {
      stream?.close();
      stream = undefined;
    } else stream ??= openStream(relay, lastId);
  };
  document.addEventListener('visibilitychange', follow);
  follow();
}
