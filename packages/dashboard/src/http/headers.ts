/**
 * The security headers every response carries. The UI needs no inline script or style, so
 * the policy allows only the dashboard's own assets and API.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Adds the security headers to `headers` (in place) and returns it. */
export function withSecurityHeaders(headers: Headers): Headers {
  headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'no-referrer');
  headers.set('x-frame-options', 'DENY');
  return headers;
}
