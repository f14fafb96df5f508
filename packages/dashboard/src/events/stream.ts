import type { AuditEntry } from '@conveyor/core';
import { auditView } from '../api/audit.js';
import type { Overview } from '../api/queues.js';
import type { DashboardCore } from '../context.js';
import { type BrokerState, type EventHub, overviewKey } from './hub.js';

/** Most bytes queued for a client that does not read; past it the stream ends (the client reconnects and resumes). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Audit entries replayed on a resume: the whole log at most. */
const REPLAY_PAGE = 1000;
const REPLAY_PAGES = 10;

const encoder = new TextEncoder();

function frame(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Where a `Last-Event-ID` resumes: `0` from the log's start (no entry sent yet); an id of
 * 1–200 printable characters without spaces, as an audit id is (the transport refuses a
 * longer one), after it. Anything else is ignored, and the stream starts from now, as a new
 * one does: a client's header is never repeated as the id of the events.
 */
function resumePoint(lastEventId: string | null): { after: string | undefined } | undefined {
  if (lastEventId === '0') return { after: undefined };
  if (lastEventId === null || !/^[\x21-\x7e]{1,200}$/.test(lastEventId)) return undefined;
  return { after: lastEventId };
}

/**
 * A Server-Sent Events body: `retry`, then (on a resume with `Last-Event-ID`) the audit
 * entries after that id, then the counts, then counts whenever they change and new audit
 * entries as they come. Every event's id is the newest audit entry id the client has been
 * sent (`0` for none), so a reconnect resumes there. Ends on `signal` or when the hub closes.
 */
export function eventStream(
  core: DashboardCore,
  hub: EventHub,
  lastEventId: string | null,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const resume = resumePoint(lastEventId);
  let lastId = resume?.after;
  let lastKey: string | undefined;
  /** Ids sent in the replay: the hub may report some of them again. */
  const replayed = new Set<string>();
  /** Events from the hub while the first ones are being read; null once they are sent. */
  let pending: Array<() => void> | null = [];
  let done = false;
  /** Whether the last `broker` event this stream sent said the broker is unreachable. */
  let brokerDown = false;
  let unsubscribe = () => {};
  let controller: ReadableStreamDefaultController<Uint8Array>;

  function write(text: string): void {
    if (done) return;
    controller.enqueue(encoder.encode(text));
    if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) finish();
  }

  function sendCounts(overview: Overview, key: string): void {
    // Counts read: the broker answers again, whatever this stream said last.
    if (brokerDown) sendBroker({ ok: true });
    if (key === lastKey) return;
    lastKey = key;
    write(frame('counts', lastId ?? '0', overview));
  }

  function sendBroker(state: BrokerState): void {
    brokerDown = !state.ok;
    write(frame('broker', lastId ?? '0', state));
  }

  /** The stream's first reads failed: it says so, stays open, and the hub's polls go on. */
  function sendUnreachable(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    sendBroker({ ok: false, message, since: Date.now() });
  }

  function sendAudit(entry: AuditEntry): void {
    if (replayed.has(entry.id)) return;
    lastId = entry.id;
    write(frame('audit', entry.id, entry));
  }

  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    signal.removeEventListener('abort', finish);
    try {
      controller.close();
    } catch {
      // Already closed or errored by the consumer.
    }
  }

  function later(action: () => void): void {
    if (pending) pending.push(action);
    else action();
  }

  async function start(): Promise<void> {
    write('retry: 2000\n\n');
    // With the broker down the stream still opens, says so, and hears when it is back: a
    // failed first read used to end it, and the page showed "Reconnecting…" for as long.
    let failure: unknown;
    const ready = await hub.ready().then(
      () => true,
      (error: unknown) => {
        failure = error;
        return false;
      },
    );
    if (done) return;
    const subscription = hub.subscribe({
      counts: (overview, key) => later(() => sendCounts(overview, key)),
      audit: (entry) => later(() => sendAudit(entry)),
      broker: (state) => later(() => sendBroker(state)),
      ping: () => write(': ping\n\n'),
      close: finish,
    });
    unsubscribe = subscription.unsubscribe;
    if (done) return unsubscribe();
    if (resume === undefined) lastId = subscription.tail;
    else if (ready && !(await replay())) lastId = subscription.tail;
    const overview = ready
      ? await hub.readNow().catch((error: unknown) => {
          failure = error;
          return undefined;
        })
      : undefined;
    if (done) return;
    if (overview) sendCounts(overview, overviewKey(overview));
    else sendUnreachable(failure);
    const queued = pending;
    pending = null;
    for (const action of queued ?? []) action();
  }

  /** Replays the entries after `lastId`; false when the transport refuses it as an audit id. */
  async function replay(): Promise<boolean> {
    let after = lastId;
    for (let page = 0; page < REPLAY_PAGES && !done; page++) {
      let entries: AuditEntry[];
      try {
        entries = await core.admin.listAudit({ after, limit: REPLAY_PAGE });
      } catch (error) {
        // Not an id of this log: ignored, the stream starts from now. Another failure (the
        // broker): nothing to replay now; the counts follow.
        return !(page === 0 && (error as { code?: unknown } | null)?.code === 'INVALID_OPTION');
      }
      for (const entry of entries) {
        sendAudit(auditView(core, entry));
        replayed.add(entry.id);
        after = entry.id;
      }
      if (entries.length < REPLAY_PAGE) return true;
    }
    return true;
  }

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        if (signal.aborted) return finish();
        signal.addEventListener('abort', finish, { once: true });
        start().catch((error: unknown) => {
          if (done) return;
          const message = error instanceof Error ? error.message : String(error);
          write(frame('error', lastId ?? '0', { error: { code: 'INTERNAL', message } }));
          finish();
        });
      },
      cancel() {
        finish();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
