import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './auth.js';
import { DashboardError } from './errors.js';
import { parseCookies, SESSION_COOKIE } from './http/cookies.js';

/** The header a mutation carries its CSRF token in. */
export const CSRF_HEADER = 'x-conveyor-csrf';

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** A request's session: its id, whether the cookie must be set, and its CSRF token. */
export interface Session {
  id: string;
  /** True when the request had no (valid) session cookie: the response sets one. */
  isNew: boolean;
  csrf: string;
}

/**
 * Sessions and CSRF tokens. A session is a random 128-bit id in an HttpOnly, SameSite=Strict
 * cookie; its CSRF token is an HMAC of the id, so no server state is kept and several
 * processes sharing the secret accept each other's tokens.
 */
export function createSessions(secret: string | undefined) {
  const key = secret ?? randomBytes(32).toString('base64url');

  function tokenFor(id: string): string {
    return createHmac('sha256', key).update(id).digest('base64url');
  }

  return {
    /** The request's session, or a new one when it carries no valid cookie. */
    sessionOf(request: Request): Session {
      const cookie = parseCookies(request.headers.get('cookie')).get(SESSION_COOKIE);
      if (cookie !== undefined && SESSION_ID.test(cookie)) {
        return { id: cookie, isNew: false, csrf: tokenFor(cookie) };
      }
      const id = randomBytes(16).toString('base64url');
      return { id, isNew: true, csrf: tokenFor(id) };
    },

    /**
     * Throws `CSRF` (403) unless the request's `Origin` is its own origin and it carries the
     * CSRF token of its session cookie.
     */
    checkMutation(request: Request, session: Session): void {
      const origin = request.headers.get('origin');
      const own = new URL(request.url).origin;
      if (origin === null) {
        throw new DashboardError(
          'CSRF',
          'Refused: a mutation must carry an Origin header (browsers send one; from a script, send Origin: ' +
            `${own}).`,
        );
      }
      if (origin !== own) {
        throw new DashboardError(
          'CSRF',
          `Refused: Origin ${JSON.stringify(origin)} is not this dashboard's origin ${JSON.stringify(own)}. Behind a proxy, forward the Host and protocol (trustProxy).`,
        );
      }
      const token = request.headers.get(CSRF_HEADER);
      if (session.isNew || token === null || !constantTimeEqual(token, session.csrf)) {
        throw new DashboardError(
          'CSRF',
          `Refused: missing or wrong CSRF token. Send the ${SESSION_COOKIE} cookie and its token (GET api/session -> csrf) in the ${CSRF_HEADER} header.`,
        );
      }
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** The `Set-Cookie` value for a new session. */
export function sessionCookie(session: Session, path: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${session.id}; Path=${path || '/'}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
