// One event stream for all the dashboard's tabs in a browser: a leader tab holds it and
// hands its events to the others.

import type { AuditEntry, QueuesResponse } from './api-types.js';
import { type LiveStatus, openStream, type Stream, type StreamSink } from './live-stream.js';

type Message =
  | { kind: 'counts'; value: QueuesResponse; id: string }
  | { kind: 'audit'; entry: AuditEntry; id: string }
  | { kind: 'status'; status: LiveStatus }
  /** A tab that just opened asks the leader what it knows. */
  | { kind: 'hello' }
  | { kind: 'state'; status: LiveStatus; latest: QueuesResponse | undefined; id?: string };

/**
 * Shares one stream between the tabs of this dashboard (same origin and base path), or
 * answers false when the browser lacks Web Locks or BroadcastChannel (Web Locks need a
 * secure context: HTTPS or localhost), and the caller holds a stream of its own.
 *
 * A browser opens at most 6 HTTP/1.1 connections to a host, and an open EventSource keeps
 * one: with a stream per tab the 7th tab never loaded. Here the tab holding the lock `name`
 * is the leader: it alone opens the stream, and posts every event on the BroadcastChannel
 * `name`, which the other tabs hear as if the stream were theirs. The browser grants the lock
 * to the next waiting tab when the leader's tab closes or navigates away, so there is always
 * one leader and never two; a frozen tab (a phone's background tab) gives the lock up too.
 * A new leader resumes after the last event it heard, so no audit entry falls in the gap.
 */
export function shareStream(name: string, sink: StreamSink): boolean {
  const locks = (navigator as Partial<Navigator>).locks;
  if (typeof BroadcastChannel !== 'function' || typeof locks?.request !== 'function') {
    return false;
  }
  const channel = new BroadcastChannel(name);
  let leading = false;
  let latest: QueuesResponse | undefined;
  let status: LiveStatus = 'connecting';
  let lastId: string | undefined;
  const post = (message: Message): void => {
    if (leading) channel.postMessage(message);
  };
  /** What this tab hears, from its own stream (and then passed on) or from the leader's. */
  const hear: StreamSink = {
    counts(value, id) {
      latest = value;
      lastId = id;
      sink.counts(value, id);
      post({ kind: 'counts', value, id });
    },
    audit(entry, id) {
      lastId = id;
      sink.audit(entry, id);
      post({ kind: 'audit', entry, id });
    },
    status(value) {
      status = value;
      sink.status(value);
      post({ kind: 'status', status: value });
    },
  };

  channel.onmessage = (event: MessageEvent<Message>) => {
    const message = event.data;
    if (message.kind === 'hello') {
      post({ kind: 'state', status, latest, id: lastId });
      return;
    }
    // Only the leader's own stream speaks while it leads; a late message from the tab that led
    // before is already old.
    if (leading) return;
    if (message.kind === 'counts') hear.counts(message.value, message.id);
    else if (message.kind === 'audit') hear.audit(message.entry, message.id);
    else if (message.kind === 'status') hear.status(message.status);
    else if (message.kind === 'state') {
      // Answers to another new tab's hello come here too: only news is taken.
      if (message.latest && latest === undefined) {
        hear.counts(message.latest, message.id ?? '0');
      }
      if (message.status !== status) hear.status(message.status);
    }
  };

  let resign: (() => void) | undefined;
  /** Whether this tab holds the lock or waits for it. */
  let inLine = false;
  const lead = (): Promise<void> =>
    new Promise<void>((release) => {
      leading = true;
      const stream: Stream = openStream(hear, lastId);
      resign = () => {
        resign = undefined;
        leading = false;
        inLine = false;
        stream.close();
        release();
      };
    });
  const campaign = (): void => {
    inLine = true;
    void locks.request(name, lead);
  };
  // A frozen tab runs nothing, so it could not pass events on: it lets another tab lead, and
  // waits its turn again when it runs.
  document.addEventListener('freeze', () => resign?.());
  document.addEventListener('resume', () => {
    if (!inLine) campaign();
  });
  campaign();
  channel.postMessage({ kind: 'hello' } satisfies Message);
  return true;
}
