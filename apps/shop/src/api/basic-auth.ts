import { createHash, timingSafeEqual } from 'node:crypto';
import type { BasicAuthCredentials } from '@conveyor/dashboard';

/** The challenge a 401 carries, so that a browser or curl asks for the `/admin` user. */
export const ADMIN_CHALLENGE = 'Basic realm="Conveyor shop admin", charset="UTF-8"';

/**
 * Whether an `Authorization` header carries `credentials` (HTTP basic auth). Compared as
 * SHA-256 digests in constant time, so that neither the length nor a prefix leaks.
 */
export function hasCredentials(
  header: string | undefined,
  credentials: BasicAuthCredentials,
): boolean {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'base64').toString('utf8');
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(`${credentials.username}:${credentials.password}`));
}
