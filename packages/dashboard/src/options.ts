import {
  type Logger,
  requireCapability,
  SECRET_FIELD_NAMES,
  type Transport,
  type TransportAdmin,
} from '@conveyor/core';
import { MAX_TIMER_MS } from '@conveyor/core/transport';
import { type AuthThrottleOptions, resolveAuthThrottle } from './auth-throttle.js';
import { DashboardError, quote } from './errors.js';
import {
  checkBoolean,
  checkFunction,
  checkKnownKeys,
  invalidOption,
  type OptionKeys,
} from './option-checks.js';
import { markedRedactPaths } from './redact-schema.js';

/** What a request may do: `read` serves pages and GETs; `write` also the mutations. */
export type DashboardAccess = 'read' | 'write';

/** Basic-auth credentials. */
export interface BasicAuthCredentials {
  username: string;
  password: string;
}

export interface DashboardOptions {
  /** The broker to read; it must have the `admin` capability (`metrics` is optional: no charts without it). */
  transport: Transport;
  /**
   * Basic-auth credentials every request must carry, or `'none'` to serve everyone (only
   * behind something that authenticates). Either this or `authorize` is required.
   */
  auth?: BasicAuthCredentials | 'none';
  /**
   * Decides per request: `'write'`, `'read'` (pages and GETs only) or `false` (401, or 403
   * when the request carried credentials). With `auth` too, basic auth is checked first.
   */
  authorize?: (request: Request) => DashboardAccess | false | Promise<DashboardAccess | false>;
  /**
   * Wrong basic-auth credentials from one client address before it gets 429 for the rest of
   * the window: `{ maxFailures: 10, windowMs: 60_000 }` by default; `false` for no limit.
   */
  authThrottle?: AuthThrottleOptions | false;
  /** Who the audit log names for a request's mutations. Default: the basic-auth user, else `anonymous`. */
  actor?: (request: Request) => string | Promise<string>;
  /** Serve no mutations at all (405); the UI shows no buttons. */
  readOnly?: boolean;
  /**
   * Input paths that never leave the server: `card.number`; `*` is one segment
   * (`items.*.secret`), `**` any number (`**.token`). Case-insensitive.
   */
  redact?: readonly string[];
  /**
   * Tasks and workflows (definitions or contracts) whose input schemas mark fields to
   * redact with `.meta({ redact: true })` (zod 4): each marked field's path joins `redact`,
   * for every job and workflow input.
   */
  tasks?: ReadonlyArray<{ readonly input?: unknown }>;
  /** Also redact `**.password`, `**.secret`, `**.token`, `**.apiKey`, `**.authorization` (default true). */
  redactDefaults?: boolean;
  /** Where the dashboard is mounted: `''` (default) or e.g. `/admin`, without a trailing slash. */
  basePath?: string;
  /**
   * HMAC key for session ids and CSRF tokens. Random per process when absent (a restart
   * starts new sessions); set it when several processes serve one site, so a session and
   * token from one is valid on the others.
   */
  secret?: string;
  /** Shown in the page title and header. Default `Conveyor`. */
  title?: string;
  /** How often the event stream reads counts and new audit entries, in ms (default 1000). */
  pollMs?: number;
  /** Largest request body accepted, in bytes (default 1 MiB); larger answers 413. */
  maxBodyBytes?: number;
  /**
   * Host names (as in the `Host` header, without the port) the dashboard answers to; any
   * other gets 403 `HOST_NOT_ALLOWED`. This stops DNS rebinding: a web page whose name
   * resolves to your machine cannot drive a dashboard it reaches through that name. Default:
   * with `auth: 'none'`, only loopback names (`localhost`, `*.localhost`, `127.0.0.1`,
   * `[::1]`); with credentials, any host (a rebinding page does not know them).
   */
  allowedHosts?: readonly string[];
  /**
   * Where the details of a 500 go (the error, the method and path): the answer itself says
   * only that the server's log has them when the request was not yet authenticated. Only
   * `error` is called; a pino logger fits. Default: `console.error`.
   */
  logger?: Pick<Logger, 'error'>;
}

/** Every option `createDashboard` takes: any other key is refused, with the nearest name. */
const DASHBOARD_OPTION_KEYS = {
  transport: true,
  auth: true,
  authorize: true,
  authThrottle: true,
  actor: true,
  readOnly: true,
  redact: true,
  tasks: true,
  redactDefaults: true,
  basePath: true,
  secret: true,
  title: true,
  pollMs: true,
  maxBodyBytes: true,
  allowedHosts: true,
  logger: true,
} as const satisfies OptionKeys<DashboardOptions>;

const AUTH_KEYS = {
  username: true,
  password: true,
} as const satisfies OptionKeys<BasicAuthCredentials>;

/** The options, checked and with defaults filled in. */
export interface ResolvedOptions {
  transport: Transport;
  admin: TransportAdmin;
  auth: BasicAuthCredentials | 'none' | undefined;
  authorize: DashboardOptions['authorize'];
  authThrottle: AuthThrottleOptions | false;
  actor: DashboardOptions['actor'];
  readOnly: boolean;
  redact: readonly string[];
  basePath: string;
  secret: string | undefined;
  title: string;
  pollMs: number;
  maxBodyBytes: number;
  /** Host names answered to; `undefined`: any. */
  allowedHosts: ReadonlySet<string> | undefined;
  logger: Pick<Logger, 'error'>;
}

/** What `auth: 'none'` answers to unless `allowedHosts` says otherwise. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The paths `redactDefaults` adds: a key of a secret's name at any depth (matched without
 * regard to case), core's `SECRET_FIELD_NAMES`, which `defineTask({ index })` refuses too.
 */
export const DEFAULT_REDACT: readonly string[] = SECRET_FIELD_NAMES.map((name) => `**.${name}`);

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The default logger: `console.error`, each line tagged, as pino's `error` is called. */
const CONSOLE_LOGGER: Pick<Logger, 'error'> = {
  error: (first: string | Record<string, unknown>, message?: string) => {
    if (typeof first === 'string') console.error(`[conveyor-dashboard] ${first}`);
    else console.error(`[conveyor-dashboard] ${message ?? ''}`, first);
  },
};

/**
 * A base path: segments of URL-unreserved characters, none `.` or `..`. It is written into the
 * session cookie's `Path=` (where `;` would start another attribute) and compared with request
 * paths as they arrive (where `..` or `%2F` never match what a browser sends).
 */
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)*$/;
const DOT_SEGMENT = /\/\.{1,2}(?=\/|$)/;

/** The paths a task's or workflow's input schema marks; a mark no path names is refused, naming it. */
function markedPathsOf(
  task: { readonly input?: unknown; readonly name?: unknown } | undefined,
): string[] {
  try {
    return markedRedactPaths(task?.input);
  } catch (error) {
    if (!(error instanceof DashboardError)) throw error;
    const name = typeof task?.name === 'string' ? task.name : '(unnamed)';
    throw new DashboardError('INVALID_OPTION', `tasks: ${quote(name)}: ${error.message}`);
  }
}

/** Checks the options and fills in defaults; throws {@link DashboardError} on a bad value. */
export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new DashboardError(
      'INVALID_OPTION',
      `createDashboard expects an options object, got ${quote(options)}.`,
    );
  }
  checkKnownKeys(options, DASHBOARD_OPTION_KEYS, 'createDashboard option');
  const admin = requireCapability(options.transport, 'admin', '@conveyor/dashboard');
  const { auth, authorize } = options;
  if (auth === undefined && authorize === undefined) {
    throw new DashboardError(
      'DASHBOARD_AUTH_REQUIRED',
      "createDashboard needs auth: pass auth: { username, password }, an authorize(request) hook, or auth: 'none' to serve everyone (only behind a proxy that authenticates).",
    );
  }
  if (auth !== undefined && auth !== 'none') {
    if (
      typeof auth !== 'object' ||
      typeof auth.username !== 'string' ||
      typeof auth.password !== 'string' ||
      auth.username === '' ||
      auth.password === '' ||
      auth.username.includes(':')
    ) {
      throw new DashboardError(
        'INVALID_OPTION',
        `Invalid auth ${quote(auth === null || typeof auth !== 'object' ? auth : { ...auth, password: '…' })}: expected { username, password }, both non-empty, the user name without ":", or 'none'.`,
      );
    }
  }
  if (auth !== undefined && auth !== 'none') checkKnownKeys(auth, AUTH_KEYS, 'auth key');
  checkFunction(
    'authorize',
    authorize,
    "a function (request) => 'read' | 'write' | false (or a promise of one)",
  );
  checkFunction(
    'actor',
    options.actor,
    'a function (request) => string (or a promise of one): the name the audit log records',
  );
  checkBoolean('readOnly', options.readOnly);
  checkBoolean('redactDefaults', options.redactDefaults);
  if (options.title !== undefined && typeof options.title !== 'string') {
    throw invalidOption('title', options.title, "a string, such as 'Shop queues'");
  }
  const redactList: unknown = options.redact;
  if (redactList !== undefined) {
    if (!Array.isArray(redactList)) {
      throw invalidOption(
        'redact',
        redactList,
        `an array of dot paths, such as ['card.number', '**.cvv']${typeof redactList === 'string' ? ` (for one path: [${JSON.stringify(redactList)}])` : ''}`,
      );
    }
    const notText = redactList.find((path) => typeof path !== 'string');
    if (notText !== undefined) {
      throw invalidOption('redact path', notText, "a string such as 'card.number'");
    }
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || !BASE_PATH.test(basePath) || DOT_SEGMENT.test(basePath)) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid basePath ${quote(basePath)}: expected '' or a path such as '/admin' or '/ops/queues', starting with "/", without a trailing slash, its segments made of letters, digits, "-", "_", "." and "~" (no "." or ".." segment, no ";" or "%").`,
    );
  }
  const pollMs = options.pollMs ?? 1000;
  if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > MAX_TIMER_MS) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid pollMs ${quote(pollMs)}: expected an integer number of ms, from 10 to ${MAX_TIMER_MS}.`,
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid maxBodyBytes ${quote(maxBodyBytes)}: expected a positive integer.`,
    );
  }
  if (
    options.secret !== undefined &&
    (typeof options.secret !== 'string' || options.secret.length < 16)
  ) {
    throw new DashboardError(
      'INVALID_OPTION',
      'Invalid secret: expected a string of at least 16 characters (use a random one, e.g. `openssl rand -hex 32`).',
    );
  }
  if (
    options.allowedHosts !== undefined &&
    (!Array.isArray(options.allowedHosts) ||
      options.allowedHosts.some((host) => typeof host !== 'string' || host === ''))
  ) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid allowedHosts ${quote(options.allowedHosts)}: expected an array of host names such as ['dashboard.example.com'].`,
    );
  }
  const allowedHosts =
    options.allowedHosts !== undefined
      ? new Set(options.allowedHosts.map((host) => host.toLowerCase()))
      : auth === 'none' && authorize === undefined
        ? new Set(LOOPBACK_HOSTS)
        : undefined;
  if (
    options.tasks !== undefined &&
    (!Array.isArray(options.tasks) ||
      options.tasks.some(
        (task) => task === null || (typeof task !== 'object' && typeof task !== 'function'),
      ))
  ) {
    throw new DashboardError(
      'INVALID_OPTION',
      `Invalid tasks ${quote(options.tasks)}: expected an array of task or workflow definitions or contracts, such as the registry's tasks.`,
    );
  }
  if (options.logger !== undefined && typeof options.logger?.error !== 'function') {
    throw new DashboardError(
      'INVALID_OPTION',
      'Invalid logger: expected an object with an error(fields, message) method, such as a pino logger.',
    );
  }
  const marked = new Set((options.tasks ?? []).flatMap(markedPathsOf));
  const redact = [
    ...(options.redactDefaults === false ? [] : DEFAULT_REDACT),
    ...(options.redact ?? []),
    ...marked,
  ];
  return {
    transport: options.transport,
    admin,
    auth,
    authorize,
    authThrottle: resolveAuthThrottle(options.authThrottle),
    actor: options.actor,
    readOnly: options.readOnly === true,
    redact,
    basePath,
    secret: options.secret,
    title: options.title ?? 'Conveyor',
    pollMs,
    allowedHosts,
    maxBodyBytes,
    logger: options.logger ?? CONSOLE_LOGGER,
  };
}
