import { performance } from 'node:perf_hooks';
import { auditRoutes } from './api/audit.js';
import { deadRoutes } from './api/dead.js';
import { jobRoutes } from './api/jobs.js';
import { metricsRoutes } from './api/metrics.js';
import { promoteRoutes } from './api/promote.js';
import { queuePauseRoutes } from './api/queue-pause.js';
import { queueRoutes } from './api/queues.js';
import { scheduleRoutes } from './api/schedules.js';
import { sessionRoutes } from './api/session.js';
import { workerRoutes } from './api/workers.js';
import { workflowRoutes } from './api/workflows.js';
import { assetResponse } from './assets.js';
import { authenticate, BASIC_CHALLENGE } from './auth.js';
import { createAuthThrottle, TooManyAttemptsError } from './auth-throttle.js';
import type { DashboardCore, RequestContext } from './context.js';
import { DashboardError, quote } from './errors.js';
import { createEventHub } from './events/hub.js';
import { eventStream } from './events/stream.js';
import { readJsonBody } from './http/body.js';
import { readWhileBrokerDown } from './http/broker-down.js';
import { withSecurityHeaders } from './http/headers.js';
import {
  errorResponse,
  jsonResponse,
  toAnonymousError,
  toDashboardError,
} from './http/responses.js';
import { createRouter, pathSegments, type Route } from './http/router.js';
import { type DashboardOptions, resolveOptions } from './options.js';
import { createRedactor } from './redact.js';
import { createSessions, type Session, sessionCookie } from './session.js';
import { renderShell } from './shell.js';

/** How often an idle event stream sends a `: ping` comment, so proxies keep it open. */
const PING_MS = 15_000;

/** What a server knows of a request beyond the request itself. */
export interface DashboardRequestInfo {
  /** The client's address, which wrong credentials are counted by (`authThrottle`). */
  remoteAddress?: string | undefined;
}

/** A mounted dashboard: a Fetch API handler, plus what the adapters need to know. */
export interface Dashboard {
  (request: Request, info?: DashboardRequestInfo): Promise<Response>;
  /** Where it is mounted (`''` or e.g. `/admin`). */
  readonly basePath: string;
  readonly readOnly: boolean;
  /** Event streams open now. */
  readonly openStreams: number;
  /** Ends open event streams and stops polling. Does not close the transport (yours). */
  close(): Promise<void>;
}

/** The one-segment pages the UI's router draws (ui/router.ts), `/audit` among them. */
const SINGLE_PAGES = new Set(['dead', 'workers', 'schedules', 'workflows', 'audit']);

/** The pages the UI draws; each serves the same HTML shell. */
function isPage(segments: readonly string[]): boolean {
  const [first, second] = segments;
  if (segments.length === 0) return true;
  if (segments.length === 1) return first !== undefined && SINGLE_PAGES.has(first);
  return (
    segments.length === 2 &&
    second !== undefined &&
    (first === 'queues' || first === 'jobs' || first === 'workflows')
  );
}

/**
 * Creates the dashboard: a Fetch API handler (`(request) => Promise<Response>`) serving the
 * UI and its JSON API under `basePath`. Mount it with {@link toNodeHandler}, with
 * {@link registerFastify}, or hand it to any server that speaks Fetch (Bun, Deno, Hono).
 *
 * Throws `DASHBOARD_AUTH_REQUIRED` when neither `auth` nor `authorize` is given, and
 * `CAPABILITY_MISSING` when the transport has no `admin`.
 *
 * @example
 * const dashboard = createDashboard({
 *   transport: redisTransport({ url: process.env.REDIS_URL }),
 *   auth: { username: 'ops', password: process.env.DASHBOARD_PASSWORD! },
 *   basePath: '/admin',
 *   redact: ['card.number'],
 * });
 * http.createServer(toNodeHandler(dashboard)).listen(5555, '127.0.0.1');
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const resolved = resolveOptions(options);
  const { basePath, readOnly } = resolved;
  const core: DashboardCore = {
    options: resolved,
    transport: resolved.transport,
    admin: resolved.admin,
    metrics: resolved.transport.metrics,
    schedules: resolved.transport.schedules,
    redactor: createRedactor(resolved.redact),
    now: () => Date.now(),
  };
  const sessions = createSessions(resolved.secret);
  const authThrottle =
    resolved.authThrottle === false
      ? undefined
      : createAuthThrottle(resolved.authThrottle, core.now);
  const hub = createEventHub(core, { pollMs: resolved.pollMs, pingMs: PING_MS });
  const eventsRoute: Route<RequestContext> = {
    method: 'GET',
    path: '/api/events',
    async handle({ request, url }) {
      // `?lastEventId=` resumes a new EventSource where another stream left off (one tab
      // taking the stream over from another, or a tab shown again): a page cannot set the
      // header. The header wins: it is the browser's own reconnect, and newer.
      const resumeAt = request.headers.get('last-event-id') ?? url.searchParams.get('lastEventId');
      const body = eventStream(core, hub, resumeAt, request.signal);
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Tells nginx not to buffer the stream.
          'x-accel-buffering': 'no',
          // A stream's connection is not worth keeping alive after it: closing it lets a
          // server's close() finish as soon as the streams end.
          connection: 'close',
        },
      });
    },
  };
  const match = createRouter<RequestContext>([
    ...sessionRoutes(core),
    ...queueRoutes(core),
    ...queuePauseRoutes(core),
    ...jobRoutes(core),
    ...promoteRoutes(core),
    ...deadRoutes(core),
    ...workerRoutes(core),
    ...scheduleRoutes(core),
    ...workflowRoutes(core),
    ...auditRoutes(core),
    ...metricsRoutes(core),
    eventsRoute,
  ]);
  let closed = false;

  /**
   * The audit log's actor: 1–200 characters, as the transport takes it [A12]. Resolved before
   * a mutation runs: an `actor` hook that throws or answers no string refuses the action,
   * rather than it running unaudited and then answering 500.
   */
  async function actorOf(request: Request, username: string | undefined): Promise<string> {
    if (!resolved.actor) return username ? username.slice(0, 200) : 'anonymous';
    let actor: unknown;
    try {
      actor = await resolved.actor(request);
    } catch (error) {
      throw new DashboardError(
        'INTERNAL',
        'The actor option threw, so the action was not run (it would go unaudited); fix the actor function.',
        { cause: error },
      );
    }
    if (typeof actor !== 'string') {
      throw new DashboardError(
        'INTERNAL',
        `The actor option answered ${quote(actor)}, not a string, so the action was not run (it would go unaudited); make it return the name the audit log records.`,
      );
    }
    return actor === '' ? 'anonymous' : actor.slice(0, 200);
  }

  async function api(
    request: Request,
    url: URL,
    segments: string[],
    session: Session,
    principal: RequestContext['principal'],
  ): Promise<Response> {
    const found = match(request.method, segments);
    if (found.kind === 'none') {
      throw new DashboardError('NOT_FOUND', `No API route ${request.method} ${url.pathname}.`);
    }
    if (found.kind === 'wrong-method') {
      return errorResponse(
        new DashboardError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not served at ${url.pathname}; use ${found.allow.join(' or ')}.`,
        ),
        { allow: found.allow.join(', ') },
      );
    }
    if (found.route.method === 'POST') {
      if (readOnly) {
        throw new DashboardError(
          'METHOD_NOT_ALLOWED',
          'This dashboard is read-only: it serves no retries, cancels, runs of delayed jobs, purges, queue pauses, schedule or workflow actions.',
        );
      }
      if (principal.access !== 'write') {
        throw new DashboardError(
          'FORBIDDEN',
          'These credentials may only read; retries, cancels, runs of delayed jobs, purges, queue pauses, schedule and workflow actions need write access.',
        );
      }
      sessions.checkMutation(request, session);
    }
    // Every mutation is audited: who did it is known before it runs.
    const actor = found.route.method === 'POST' ? await actorOf(request, principal.username) : '';
    const context: RequestContext = {
      request,
      url,
      principal,
      session,
      readJson: () => readJsonBody(request, resolved.maxBodyBytes),
      actor: async () => actor,
    };
    const handled = found.route.handle(context, found.params);
    // A read (not the event stream, which says so itself) answers at once while the broker
    // is known to be down, rather than after the transport's own wait.
    const result =
      found.route.method === 'GET' && found.route !== eventsRoute
        ? await readWhileBrokerDown(handled, hub.brokerDown())
        : await handled;
    return result instanceof Response ? result : jsonResponse(result);
  }

  /** Refuses a `Host` outside `allowedHosts` (DNS-rebinding guard). */
  function checkHost(url: URL): void {
    const allowed = resolved.allowedHosts;
    if (allowed === undefined) return;
    const host = url.hostname.toLowerCase();
    if (allowed.has(host) || (allowed.has('localhost') && host.endsWith('.localhost'))) return;
    throw new DashboardError(
      'HOST_NOT_ALLOWED',
      `Refused: Host ${JSON.stringify(url.host)} is not one this dashboard answers to (${[...allowed].join(', ')}). ` +
        "Without auth it answers only to loopback names, so that a web page can't reach it by DNS rebinding; " +
        'open it at http://localhost, or set allowedHosts (or auth) to serve it under another name.',
    );
  }

  async function route(
    request: Request,
    url: URL,
    segments: string[],
    address: string | undefined,
    progress: { authenticated: boolean },
  ): Promise<Response> {
    if (closed) throw new DashboardError('CLOSED', 'The dashboard was closed.');
    checkHost(url);
    const principal = await authenticate(
      request,
      resolved,
      authThrottle && { limit: authThrottle, address },
    );
    progress.authenticated = true;
    const session = sessions.sessionOf(request);
    let response: Response;
    if (segments[0] === 'api') {
      response = await api(request, url, segments, session, principal);
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response = errorResponse(
        new DashboardError('METHOD_NOT_ALLOWED', `${request.method} is not served for pages.`),
        { allow: 'GET, HEAD' },
      );
    } else if (segments[0] === 'assets' && segments.length === 2) {
      response =
        assetResponse(request, segments[1] as string) ??
        new Response('Not found', {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
    } else {
      const html = renderShell({
        basePath,
        title: resolved.title,
        csrf: session.csrf,
        access: principal.access,
        readOnly,
      });
      response = new Response(request.method === 'HEAD' ? null : html, {
        status: isPage(segments) ? 200 : 404,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
    if (session.isNew) {
      response.headers.append(
        'set-cookie',
        sessionCookie(session, basePath, url.protocol === 'https:'),
      );
    }
    return response;
  }

  /**
   * The answer to anything thrown. An operator (authenticated) reads a transport's message,
   * such as "Redis unreachable"; anyone else only the dashboard's own errors. A 500's
   * details go to the logger either way.
   */
  function failure(
    error: unknown,
    request: Request,
    url: URL,
    isApi: boolean,
    authenticated: boolean,
  ): Response {
    const problem = authenticated ? toDashboardError(error) : toAnonymousError(error);
    if (problem.code === 'INTERNAL') {
      resolved.logger.error(
        { err: problem.cause ?? problem, method: request.method, path: url.pathname },
        `${request.method} ${url.pathname} failed: ${problem.message}`,
      );
    }
    const headers: Record<string, string> = {};
    if (
      problem.code === 'UNAUTHORIZED' &&
      resolved.auth !== undefined &&
      resolved.auth !== 'none'
    ) {
      headers['www-authenticate'] = BASIC_CHALLENGE;
    }
    if (problem instanceof TooManyAttemptsError) {
      headers['retry-after'] = String(problem.retryAfterSeconds);
    }
    if (isApi) return errorResponse(problem, headers);
    return new Response(`${problem.message}\n`, {
      status: problem.status,
      headers: {
        ...headers,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      },
    });
  }

  const dashboard = async (request: Request, info?: DashboardRequestInfo): Promise<Response> => {
    const started = performance.now();
    const url = new URL(request.url);
    let response: Response;
    let isApi = false;
    const progress = { authenticated: false };
    try {
      const segments = pathSegments(url.pathname, basePath);
      if (segments === null) {
        response = new Response('Not found\n', {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      } else {
        isApi = segments[0] === 'api';
        response = await route(request, url, segments, info?.remoteAddress, progress);
      }
    } catch (error) {
      response = failure(error, request, url, isApi, progress.authenticated);
    }
    if (request.method === 'HEAD' && response.body !== null) {
      // A HEAD of an API route or the event stream: the GET's headers, no body.
      await response.body.cancel();
      response = new Response(null, { status: response.status, headers: response.headers });
    }
    withSecurityHeaders(response.headers);
    if (isApi) {
      response.headers.set('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    }
    return response;
  };

  return Object.defineProperties(dashboard, {
    basePath: { value: basePath, enumerable: true },
    readOnly: { value: readOnly, enumerable: true },
    openStreams: { get: () => hub.size(), enumerable: true },
    close: {
      value: async () => {
        closed = true;
        hub.close();
      },
    },
  }) as Dashboard;
}
