import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from '../dashboard.js';
import { DashboardError } from '../errors.js';
import { checkKnownKeys, checkObject, type OptionKeys } from '../option-checks.js';
import { type NodeHandlerOptions, toNodeHandler } from './node.js';

/*
 * The few members of fastify's instance, request and reply this adapter uses, typed here so
 * that the package needs no fastify at run time nor in its published types. A fastify 4 or 5
 * instance fits.
 */

/** The part of a fastify request the adapter reads. */
export interface FastifyRequestLike {
  /** Node's request (fastify over HTTP/1; HTTP/2 fastify is not supported). */
  raw: unknown;
  /** `http` or `https`, after fastify's `trustProxy`. */
  protocol: string;
  /** The host and port, after fastify's `trustProxy`. */
  host: string;
}

/** The part of a fastify reply the adapter uses. */
export interface FastifyReplyLike {
  raw: unknown;
  hijack(): unknown;
}

/** The part of a fastify instance (inside a plugin) the adapter uses. */
export interface FastifyScopeLike {
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
  removeAllContentTypeParsers(): unknown;
  addContentTypeParser(
    contentType: string,
    parser: (request: never, payload: never, done: (error: Error | null) => void) => void,
  ): unknown;
  route(options: {
    method: string[];
    url: string;
    handler(request: FastifyRequestLike, reply: FastifyReplyLike): void;
  }): unknown;
}

/** A fastify instance: what `registerFastify` takes. */
export interface FastifyLike {
  register(plugin: (instance: FastifyScopeLike, options: object) => Promise<void>): unknown;
}

export interface RegisterFastifyOptions extends Pick<NodeHandlerOptions, 'maxBodyBytes'> {
  /** The path the dashboard answers under: its `basePath` (the default), which it must equal. */
  prefix?: string;
}

const REGISTER_FASTIFY_OPTION_KEYS = {
  prefix: true,
  maxBodyBytes: true,
} as const satisfies OptionKeys<RegisterFastifyOptions>;

/**
 * Serves the dashboard from a fastify app (4 or 5) at its `basePath`. The routes live in
 * their own plugin scope, whose body parsers are removed so the dashboard reads the raw
 * body; each request is handed over with `reply.hijack()`, so the event stream streams.
 * Protocol and host come from fastify (its `trustProxy` applies to the CSRF origin check).
 * `app.close()` closes the dashboard first, ending its event streams.
 *
 * @example
 * const app = Fastify();
 * registerFastify(app, createDashboard({ transport, auth, basePath: '/admin' }));
 * await app.listen({ port: 3000 });
 */
export function registerFastify(
  app: FastifyLike,
  dashboard: Dashboard,
  options: RegisterFastifyOptions = {},
): void {
  checkObject('registerFastify options', options, '{ prefix?, maxBodyBytes? }');
  checkKnownKeys(options, REGISTER_FASTIFY_OPTION_KEYS, 'registerFastify option');
  const prefix = options.prefix ?? dashboard.basePath;
  if (prefix !== dashboard.basePath) {
    throw new DashboardError(
      'INVALID_OPTION',
      `registerFastify prefix ${JSON.stringify(prefix)} differs from the dashboard's basePath ${JSON.stringify(dashboard.basePath)}: create the dashboard with basePath: ${JSON.stringify(prefix)} (it builds its links from it).`,
    );
  }
  const origins = new WeakMap<IncomingMessage, string>();
  const handler = toNodeHandler(dashboard, {
    maxBodyBytes: options.maxBodyBytes,
    origin: (req) => origins.get(req) ?? `http://${req.headers.host ?? 'localhost'}`,
  });
  app.register(async (scope) => {
    // The dashboard reads the body itself (with its size limit): fastify must not consume it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    // Open event streams would hold app.close() until their clients leave: end them first.
    scope.addHook('preClose', () => dashboard.close());
    for (const url of [prefix === '' ? '/' : prefix, `${prefix}/*`]) {
      scope.route({
        method: ['GET', 'POST'],
        url,
        handler(request, reply) {
          const req = request.raw as IncomingMessage;
          origins.set(req, `${request.protocol}://${request.host}`);
          reply.hijack();
          handler(req, reply.raw as ServerResponse);
        },
      });
    }
  });
}
