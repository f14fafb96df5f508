import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'x-shop-signature';
/** Signatures older (or newer) than this are refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * Signs a request body the way the warehouse expects. The timestamp is part of the
 * signed text, so it cannot be swapped without the secret.
 *
 * @example
 * headers[SIGNATURE_HEADER] = signBody(secret, JSON.stringify(body));
 */
export function signBody(secret: string, body: string, now = Date.now()): string {
  const timestamp = Math.floor(now / 1000);
  return `t=${timestamp},v1=${digest(secret, timestamp, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks a signature header against the raw body, in constant time. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  now = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given) {
    return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header ${JSON.stringify(header)}` };
  }
  if (Math.abs(now / 1000 - timestamp) > SIGNATURE_TOLERANCE_S) {
    return { ok: false, reason: `signature timestamp ${timestamp} is outside the tolerance` };
  }
  const expected = Buffer.from(digest(secret, timestamp, body), 'hex');
  const actual = Buffer.from(given, 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return { ok: false, reason: 'signature does not match the body' };
  }
  return { ok: true };
}

function digest(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
