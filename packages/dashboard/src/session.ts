import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './auth.js';
import { DashboardError } from './errors.js';
import { cookieValues, SESSION_COOKIE } from './http/cookies.js';

/** The header a mutation carries its CSRF token in. */
export const CSRF_HEADER = 'x-conveyor-csrf';

/** A session cookie: a 128-bit random id, `.`, and the server's MAC of it (128 bits). */
const SESSION_COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

/** A request's session: its id, whether the cookie must be set, and its CSRF token. */
export interface Session {
  /** The cookie's value: the random id and its MAC. */
  id: string;
  /** True when the request had no (valid) session cookie: the response sets one. */
  isNew: boolean;
  csrf: string;
}

/**
 * Sessions and CSRF tokens. A session is a random 128-bit id, signed with an HMAC under the
 * secret, in an HttpOnly, SameSite=Strict cookie; its CSRF token is another HMAC of the id.
 * Only a signed id is taken: a cookie some sibling subdomain set (cookie tossing) is
 * replaced with a new session, so its setter does not know the page's token. No server state
 * is kept, and several processes sharing the secret accept each other's sessions.
 */
export function createSessions(secret: string | undefined) {
  const key = secret ?? randomBytes(32).toString('base64url');

  /** HMAC-SHA256 of `purpose:id`, so the cookie's MAC is never a CSRF token, nor the reverse. */
  function mac(purpose: 'session' | 'csrf', id: string): string {
    return createHmac('sha256', key).update(`${purpose}:${id}`).digest('base64url');
  }

  function signedSession(id: string, isNew: boolean): Session {
    return { id: `${id}.${mac('session', id).slice(0, 22)}`, isNew, csrf: mac('csrf', id) };
  }

  return {
    /**
     * The request's session: its first session cookie this server signed (a tossed cookie
     * with a longer path comes first), or a new one when it has none.
     */
    sessionOf(request: Request): Session {
      for (const cookie of cookieValues(request.headers.get('cookie'), SESSION_COOKIE)) {
        const match = SESSION_COOKIE_VALUE.exec(cookie);
        if (!match) continue;
        const id = match[1] as string;
        const signed = mac('session', id).slice(0, 22);
        if (constantTimeEqual(match[2] as string, signed)) return signedSession(id, false);
      }
      return signedSession(randomBytes(16).toString('base64url'), true);
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
