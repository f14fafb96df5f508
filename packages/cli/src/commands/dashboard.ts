import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BasicAuthCredentials,
  createDashboard,
  createRedactor,
  LOOPBACK_HOSTS,
  parseBasicAuth,
  toNodeHandler,
} from '@conveyor/dashboard';
import { type AdminConnection, describeOrigin } from '../connection.js';
import { CliError } from '../errors.js';
import { listenFailure } from '../listen-failure.js';
import type { Io } from '../output.js';
import { terminalJson } from '../terminal-text.js';
import { version } from '../version.js';

/** Where the credentials may come from, flag first. */
export const AUTH_ENV = 'CONVEYOR_DASHBOARD_AUTH';

export interface DashboardCommandOptions {
  host: string;
  port: number;
  /** `--auth user:password`, unparsed. */
  auth?: string;
  readOnly?: boolean;
  /** `--redact card.number,**.cvv`, parsed by `parseRedactPaths`. */
  redact?: string[];
  json?: boolean;
}

/** What the command serves with, checked before anything connects. */
export interface DashboardPlan {
  host: string;
  port: number;
  /** Basic-auth credentials, or undefined to serve without (loopback hosts only). */
  credentials: BasicAuthCredentials | undefined;
  readOnly: boolean;
  /** Input paths redacted beside the dashboard's defaults. */
  redact: string[];
  json: boolean;
}

/** Parses `user:password` (see `parseBasicAuth`); a malformed value is a usage error. */
export function parseCredentials(value: string, source: string): BasicAuthCredentials {
  try {
    return parseBasicAuth(value, source);
  } catch (error) {
    throw new CliError('USAGE', (error as Error).message);
  }
}

/** True for a host only this machine can reach: `localhost`, `127.0.0.0/8`, `::1`. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}

/**
 * Checks the options before connecting: credentials from `--auth`, else
 * `CONVEYOR_DASHBOARD_AUTH`; a host other than loopback needs them (`AUTH_REQUIRED`).
 */
export function planDashboard(
  options: DashboardCommandOptions,
  env: NodeJS.ProcessEnv,
): DashboardPlan {
  const fromEnv = env[AUTH_ENV];
  const credentials =
    options.auth !== undefined
      ? parseCredentials(options.auth, '--auth')
      : fromEnv !== undefined && fromEnv !== ''
        ? parseCredentials(fromEnv, AUTH_ENV)
        : undefined;
  if (!credentials && !isLoopback(options.host)) {
    throw new CliError(
      'AUTH_REQUIRED',
      `Refusing to serve the dashboard on ${JSON.stringify(options.host)} without auth: anyone who can reach that address could read job data and retry, cancel or purge jobs. Pass --auth user:password (or set ${AUTH_ENV}), or serve on --host 127.0.0.1.`,
    );
  }
  const redact = options.redact ?? [];
  try {
    createRedactor(redact);
  } catch (error) {
    throw new CliError('USAGE', `--redact: ${(error as Error).message}`);
  }
  return {
    host: options.host,
    port: options.port,
    credentials,
    readOnly: options.readOnly === true,
    redact,
    json: options.json === true,
  };
}

/**
 * `conveyor dashboard`: serves `@conveyor/dashboard` over HTTP on the connection's transport
 * until `signal` aborts (SIGINT/SIGTERM), then closes the server and the dashboard. The
 * caller closes the transport.
 */
export async function runDashboard(
  connection: AdminConnection,
  plan: DashboardPlan,
  io: Io,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const dashboard = createDashboard({
    transport: connection.transport,
    auth: plan.credentials ?? 'none',
    readOnly: plan.readOnly,
    redact: plan.redact,
    // Without credentials it answers only to loopback names (DNS-rebinding guard); the
    // host it is bound to is one, even when it is 127.0.0.2 or a name in /etc/hosts.
    ...(plan.credentials ? {} : { allowedHosts: [...LOOPBACK_HOSTS, urlHost(plan.host)] }),
  });
  const handler = toNodeHandler(dashboard);
  // No `100 Continue` before authentication (the dashboard README, node:http).
  const server = createServer(handler).on('checkContinue', handler);
  try {
    await listen(server, plan);
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(plan.host)}:${port}/`;
  if (plan.json) {
    io.stdout(
      terminalJson({ url, auth: plan.credentials ? 'basic' : 'none', readOnly: plan.readOnly }),
    );
  } else {
    for (const line of banner(connection, plan, url)) io.stdout(line);
  }
  if (!plan.credentials) {
    io.stderr(
      `note: no auth: anyone with an account on this machine can use the dashboard. Pass --auth user:password (or set ${AUTH_ENV}) to require a password.`,
    );
  }
  await new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  // Open event streams end first, so that the server's connections can close.
  await dashboard.close();
  await closeServer(server);
  if (!plan.json) io.stdout('Stopped.');
}

function banner(connection: AdminConnection, plan: DashboardPlan, url: string): string[] {
  const wildcard = plan.host === '0.0.0.0' || plan.host === '::' || plan.host === '[::]';
  return [
    `conveyor dashboard ${version()}`,
    connection.origin.kind === 'redis'
      ? `  redis      ${describeOrigin(connection)}`
      : `  transport  ${describeOrigin(connection)}`,
    `  listening  ${plan.host}${wildcard ? ' (every interface)' : ''}`,
    `  auth       ${plan.credentials ? `basic, user ${JSON.stringify(plan.credentials.username)}` : 'none (loopback only)'}`,
    `  mode       ${plan.readOnly ? 'read-only: no retries, cancels or purges' : 'read and write'}`,
    `Dashboard at ${url}. SIGTERM or Ctrl-C stops it.`,
  ];
}

/** The host as a URL shows it: a wildcard bind is reached at 127.0.0.1, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: Server, plan: DashboardPlan): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${plan.host}:${plan.port}`;
      const why = listenFailure(error, plan.host, '--port', '--host');
      reject(
        new CliError('FAILED', `Cannot serve the dashboard on ${where}: ${why}`, { cause: error }),
      );
    };
    server.once('error', onError);
    server.listen(plan.port, plan.host.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops accepting, ends idle keep-alive connections, and cuts the rest after a second. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), 1_000);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
