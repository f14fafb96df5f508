import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from '../dashboard.js';
import { DashboardError, quote } from '../errors.js';
import { withSecurityHeaders } from '../http/headers.js';
import { errorResponse } from '../http/responses.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkObject,
  type OptionKeys,
} from '../option-checks.js';
import { DEFAULT_MAX_BODY_BYTES } from '../options.js';

export interface NodeHandlerOptions {
  /**
   * Take the protocol and host from `X-Forwarded-Proto` and `X-Forwarded-Host` (set it
   * behind a reverse proxy that sets them, so the CSRF origin check sees the browser's
   * origin). Of a list (`a, b`), the last value counts: the one the nearest proxy set.
   * Default false: the socket's protocol and the `Host` header.
   */
  trustProxy?: boolean;
  /** Largest request body read, in bytes (default 1 MiB); larger answers 413. */
  maxBodyBytes?: number;
  /**
   * The origin (`https://ops.example.com`) to build request URLs with, instead of the
   * socket's protocol and the `Host` header. Fastify's adapter passes what fastify resolved.
   */
  origin?: (req: IncomingMessage) => string;
}

const NODE_HANDLER_OPTION_KEYS = {
  trustProxy: true,
  maxBodyBytes: true,
  origin: true,
} as const satisfies OptionKeys<NodeHandlerOptions>;

/** Checks `toNodeHandler`'s options: a misspelt or mistyped one is refused, not ignored. */
export function checkNodeHandlerOptions(options: NodeHandlerOptions): void {
  checkObject('toNodeHandler options', options, '{ trustProxy?, maxBodyBytes? }');
  checkKnownKeys(options, NODE_HANDLER_OPTION_KEYS, 'toNodeHandler option');
  checkBoolean('trustProxy', options.trustProxy);
  checkInteger(
    'maxBodyBytes',
    options.maxBodyBytes,
    1,
    Number.MAX_SAFE_INTEGER,
    ' number of bytes',
  );
  checkFunction(
    'origin',
    options.origin,
    'a function (req) => origin, such as "https://ops.example.com"',
  );
}

/** Methods `new Request()` refuses (a TypeError): answered 405 here instead. */
const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** A `node:http` request listener; with `next` (Express, Connect), paths outside the dashboard go on. */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The value the nearest proxy set in a forwarded header (`X-Forwarded-Host: a, b` is `b`).
 * A proxy that appends puts its own value last, so a value the client sent comes first: a
 * page reached by DNS rebinding could send `X-Forwarded-Host: localhost` and pass the host
 * guard if the first were taken (Express does; fastify takes the last, as this does).
 * Repeated header lines arrive joined with `, `. An empty last value (or an empty header) is
 * refused.
 */
function forwardedValue(value: string | string[] | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  // An empty header is an empty last value too: falling back to Host would take the
  // client's word for the host where the proxy's was expected.
  const last = text.slice(text.lastIndexOf(',') + 1).trim();
  if (last === '') {
    throw new DashboardError(
      'BAD_REQUEST',
      `Malformed ${name} header ${quote(text)}: its last value, the one the nearest proxy set, is empty.`,
    );
  }
  return last;
}

function originOf(req: IncomingMessage, options: NodeHandlerOptions): string {
  if (options.origin) return options.origin(req);
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const forwarded = options.trustProxy === true;
  const proto =
    (forwarded &&
      forwardedValue(req.headers['x-forwarded-proto'], 'X-Forwarded-Proto')?.toLowerCase()) ||
    (encrypted ? 'https' : 'http');
  if (proto !== 'http' && proto !== 'https') {
    throw new DashboardError(
      'BAD_REQUEST',
      `Malformed X-Forwarded-Proto ${quote(proto)}: expected http or https.`,
    );
  }
  const host =
    (forwarded && forwardedValue(req.headers['x-forwarded-host'], 'X-Forwarded-Host')) ||
    hostOf(req);
  return `${proto}://${host}`;
}

/**
 * The request's one `Host` (or HTTP/2 `:authority`). None, an empty one or two are 400, as
 * RFC 9112 asks: standing in `localhost` for a missing one would pass the DNS-rebinding
 * guard, and of two lines Node keeps the first, which the guard and a proxy may read apart.
 */
function hostOf(req: IncomingMessage): string {
  let lines = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'host') lines++;
  }
  if (lines > 1) {
    throw new DashboardError(
      'BAD_REQUEST',
      `The request has ${lines} Host headers; send exactly one, naming the host the dashboard is reached at.`,
    );
  }
  const host = (req.headers.host ?? req.headers[':authority' as 'host'] ?? '').trim();
  if (host === '') {
    throw new DashboardError(
      'BAD_REQUEST',
      'The request has no Host header (or an empty one); send the host the dashboard is reached at, e.g. Host: localhost:5555.',
    );
  }
  return host;
}

/**
 * The client's address, which wrong credentials are counted by: the socket's peer, or behind
 * a trusted proxy the last `X-Forwarded-For` value (the address the nearest proxy saw).
 */
function remoteAddressOf(req: IncomingMessage, options: NodeHandlerOptions): string | undefined {
  if (options.trustProxy === true) {
    const header = req.headers['x-forwarded-for'];
    const text = Array.isArray(header) ? header.join(',') : header;
    const last = text?.slice(text.lastIndexOf(',') + 1).trim();
    if (last) return last;
  }
  return req.socket.remoteAddress;
}

/**
 * The request's URL: the target's path and query on `origin`, which comes from the `Host`
 * header (or the proxy's, or fastify's). The target is never resolved as a URL reference: a
 * path starting with `//` (`//localhost/api/queues`) would otherwise name its own host, and
 * an absolute-form target (`http://localhost/…`) its own origin, and either would let a page
 * reached under a rebound host name pass as `localhost` (the DNS-rebinding guard).
 */
function requestUrl(target: string, origin: string): URL {
  let path = target;
  if (!path.startsWith('/')) {
    // Absolute form (`GET http://host/path`): only its path and query are used.
    const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    path = absolute ? path.slice(absolute[0].length) : `/${path}`;
    if (!path.startsWith('/')) path = `/${path}`;
  }
  const base = new URL(origin);
  return new URL(`${base.origin}${path}`);
}

function isUnder(path: string, basePath: string): boolean {
  if (basePath === '') return true;
  const pathname = path.split('?')[0] ?? '';
  return pathname === basePath || pathname.startsWith(`${basePath}/`);
}

/**
 * The body as a stream that reads the socket only when the dashboard reads it: after
 * authentication, and only for a route that takes a body, so an unauthenticated client is
 * answered 401 without a byte of its body read. Past `limit` bytes (or a declared
 * `Content-Length` over it) the stream errors with 413 `PAYLOAD_TOO_LARGE`; the rest is not read.
 * A client that sent `Expect: 100-continue` is told `100 Continue` here, when its body is
 * wanted, unless the server said so already (it does on its own without a `checkContinue`
 * listener: see {@link toNodeHandler}).
 */
function lazyBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): ReadableStream<Uint8Array> {
  let size = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          controller.error(tooLarge(limit));
          return;
        }
        // `_sent100`: set by writeContinue, also by the server's own 100 Continue.
        const told = res as ServerResponse & { _sent100?: boolean };
        if (/100-continue/i.test(req.headers.expect ?? '') && !told._sent100) res.writeContinue();
        return new Promise<void>((resolve) => {
          const onData = (chunk: Buffer) => {
            // Paused first: a flowing stream would emit the next chunk to no listener.
            req.pause();
            cleanup();
            size += chunk.byteLength;
            if (size > limit) controller.error(tooLarge(limit));
            else controller.enqueue(new Uint8Array(chunk));
            resolve();
          };
          const onEnd = () => {
            cleanup();
            controller.close();
            resolve();
          };
          const onError = (error: Error) => {
            cleanup();
            controller.error(error);
            resolve();
          };
          const cleanup = () => {
            req.off('data', onData);
            req.off('end', onEnd);
            req.off('error', onError);
          };
          req.on('data', onData);
          req.on('end', onEnd);
          req.on('error', onError);
          req.resume();
        });
      },
      cancel() {
        req.pause();
      },
    },
    // Nothing is read ahead of the reader.
    { highWaterMark: 0 },
  );
}

function tooLarge(limit: number): DashboardError {
  return new DashboardError(
    'PAYLOAD_TOO_LARGE',
    `Request body over ${limit} bytes; send fewer ids per call (bulk actions take at most 10,000).`,
  );
}

async function send(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (response.body === null) {
    res.end();
    return;
  }
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A whole body: sent with its Content-Length.
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  // A stream needs its headers now, not with the first event.
  res.flushHeaders();
  const reader = response.body.getReader();
  const stop = () => {
    reader.cancel().catch(() => {});
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    if (!res.destroyed) res.end();
  }
}

function sendError(
  res: ServerResponse,
  error: DashboardError,
  headers?: Record<string, string>,
): Promise<void> {
  const response = errorResponse(error, headers);
  withSecurityHeaders(response.headers);
  // The request's body, if any, is not read.
  response.headers.set('connection', 'close');
  return send(response, res, new AbortController().signal);
}

/**
 * Adapts the dashboard to `node:http` (and to Express or Connect, which pass `next`). It
 * streams responses (the event stream) with back-pressure, aborts the request's signal
 * when the client goes away, and refuses bodies over `maxBodyBytes` with 413.
 *
 * @example
 * import { createServer } from 'node:http';
 * createServer(toNodeHandler(dashboard)).listen(5555, '127.0.0.1');
 * // No `100 Continue` before authentication: handle checkContinue with the same handler.
 * // const handler = toNodeHandler(dashboard);
 * // createServer(handler).on('checkContinue', handler).listen(5555, '127.0.0.1');
 * // Express: app.use(toNodeHandler(dashboard)) with createDashboard({ basePath: '/admin', … })
 */
export function toNodeHandler(dashboard: Dashboard, options: NodeHandlerOptions = {}): NodeHandler {
  checkNodeHandlerOptions(options);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res, next) => {
    const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    if (next && !isUnder(path, dashboard.basePath)) {
      next();
      return;
    }
    handle(req, res, path).catch((error: unknown) => {
      if (!res.headersSent) {
        // The error's own text stays on the server (as `cause`): it may name internals.
        sendError(
          res,
          new DashboardError('INTERNAL', 'The dashboard failed to answer this request.', {
            cause: error,
          }),
        ).catch(() => {});
      } else {
        res.destroy(error instanceof Error ? error : undefined);
      }
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let url: URL;
    try {
      url = requestUrl(path, originOf(req, options));
    } catch (error) {
      if (error instanceof DashboardError) return sendError(res, error);
      return sendError(
        res,
        new DashboardError('BAD_REQUEST', `Malformed URL or Host header: ${quote(path)}.`),
      );
    }
    const aborter = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      if (!name.startsWith(':')) headers.append(name, req.rawHeaders[i + 1] as string);
    }
    const method = req.method ?? 'GET';
    if (FETCH_FORBIDDEN_METHODS.has(method.toUpperCase())) {
      // A Fetch API Request cannot carry them, and no route serves them.
      return sendError(
        res,
        new DashboardError(
          'METHOD_NOT_ALLOWED',
          `${quote(method)} is not served by this dashboard; use GET, HEAD or POST.`,
        ),
        { allow: 'GET, HEAD, POST' },
      );
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(url, {
      method,
      headers,
      body: hasBody ? lazyBody(req, res, limit) : undefined,
      signal: aborter.signal,
      duplex: 'half',
    } as RequestInit);
    const response = await dashboard(request, { remoteAddress: remoteAddressOf(req, options) });
    // A body left unread (a 401, a 413, a route that takes none) is not read to keep the
    // connection alive: the connection closes after the answer.
    if (hasBody && !req.complete) response.headers.set('connection', 'close');
    await send(response, res, aborter.signal);
  }
}
