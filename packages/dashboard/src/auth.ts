import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthThrottle } from './auth-throttle.js';
import { DashboardError, quote } from './errors.js';
import { parseCookies, SESSION_COOKIE } from './http/cookies.js';
import type { DashboardAccess, ResolvedOptions } from './options.js';

/** Who a request is and what it may do, once authenticated. */
export interface Principal {
  access: DashboardAccess;
  /** The basic-auth user name, when basic auth admitted the request. */
  username?: string;
}

/** The `WWW-Authenticate` challenge that makes a browser ask for basic-auth credentials. */
export const BASIC_CHALLENGE = 'Basic realm="Conveyor", charset="UTF-8"';

/** The user and password of an `Authorization: Basic` header, or undefined. */
export function parseBasicAuth(header: string | null): BasicCredentials | undefined {
  if (header === null) return undefined;
  const match = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface BasicCredentials {
  username: string;
  password: string;
}

/**
 * Compares two strings in time that does not depend on where they differ (nor on their
 * lengths: both are hashed to 32 bytes first).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}

/**
 * Authenticates a request: basic auth when configured, then the `authorize` hook. Throws
 * `UNAUTHORIZED` (401) or `FORBIDDEN` (403).
 */
export async function authenticate(
  request: Request,
  options: Pick<ResolvedOptions, 'auth' | 'authorize'>,
  throttle?: { limit: AuthThrottle; address: string | undefined },
): Promise<Principal> {
  const header = request.headers.get('authorization');
  let username: string | undefined;
  if (options.auth !== undefined && options.auth !== 'none') {
    const given = parseBasicAuth(header);
    // Checked before the comparison: a refused address learns nothing from the answer.
    if (given) throttle?.limit.check(throttle.address);
    // Both compared every time, so the answer's timing does not tell a right user name.
    const userOk = constantTimeEqual(given?.username ?? '', options.auth.username);
    const passwordOk = constantTimeEqual(given?.password ?? '', options.auth.password);
    if (given && userOk && passwordOk) throttle?.limit.succeeded(throttle.address);
    else if (given) throttle?.limit.failed(throttle.address);
    if (!given || !userOk || !passwordOk) {
      throw new DashboardError(
        'UNAUTHORIZED',
        given
          ? 'Wrong user name or password.'
          : 'This dashboard needs a user name and password (HTTP basic auth).',
      );
    }
    username = given.username;
  }
  if (options.authorize === undefined) {
    return username === undefined ? { access: 'write' } : { access: 'write', username };
  }
  let decision: unknown;
  try {
    decision = await options.authorize(request);
  } catch (error) {
    throw authorizeFailed(error);
  }
  if (decision === 'read' || decision === 'write') {
    return username === undefined ? { access: decision } : { access: decision, username };
  }
  if (decision !== false) {
    throw authorizeFailed(
      new TypeError(
        `authorize(request) returned ${quote(decision)}: expected 'read', 'write' or false.`,
      ),
    );
  }
  if (header === null && !hasOtherCookies(request)) {
    throw new DashboardError('UNAUTHORIZED', 'This dashboard needs credentials; none were sent.');
  }
  throw new DashboardError('FORBIDDEN', 'These credentials may not use this dashboard.');
}

/** Cookies other than the dashboard's own session: an app's login, which `authorize` reads. */
function hasOtherCookies(request: Request): boolean {
  for (const name of parseCookies(request.headers.get('cookie')).keys()) {
    if (name !== SESSION_COOKIE) return true;
  }
  return false;
}

/**
 * The `authorize` hook threw or answered no decision. Its error may name a database, a host
 * or a user, and the caller is not authenticated yet: the answer says only where to look, and
 * the error goes to the server's log as this error's `cause`.
 */
function authorizeFailed(cause: unknown): DashboardError {
  return new DashboardError(
    'INTERNAL',
    "The dashboard's authorize hook failed; the server's log has the details.",
    { cause },
  );
}
